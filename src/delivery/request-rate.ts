import pThrottle from 'p-throttle';

/**
 * p-throttle's terms for a rate of `perSecond` requests: a whole number is that many in any
 * second; a fraction (30 a minute is 0.5) is one request every 1/n s, since a window of one
 * second cannot hold half a request.
 */
export function throttleTerms(perSecond: number): { limit: number; interval: number } {
  if (!(perSecond > 0) || !Number.isFinite(perSecond)) throw new RangeError(`a rate must be a positive number, not ${perSecond}`);
  return Number.isInteger(perSecond) ? { limit: perSecond, interval: 1_000 } : { limit: 1, interval: 1_000 / perSecond };
}

/**
 * `delivery.maxRequestsPerSecond`: one bucket of request slots for a whole process, which every
 * request to the target takes one of (the loader's partitions side by side, their retries, the
 * per-key DELETEs and the status page's re-sends alike). p-throttle's strict mode keeps the count
 * within any window of `interval`, not only within aligned ones, so a target counting over its own
 * sliding second sees no burst of twice the rate at a window's edge.
 */
export class RequestRate {
  private readonly slot: () => Promise<void>;

  constructor(readonly perSecond: number) {
    this.slot = pThrottle({ ...throttleTerms(perSecond), strict: true })(async () => undefined);
  }

  /**
   * Waits for a slot; resolves with the milliseconds waited, or undefined when `signal` aborted
   * the wait first (the loader stops). An abandoned slot is still taken later: it only delays the
   * next request of a process that is stopping.
   */
  async take(signal?: AbortSignal): Promise<number | undefined> {
    const startedAt = performance.now();
    if (signal === undefined) {
      await this.slot();
      return performance.now() - startedAt;
    }
    if (signal.aborted) return undefined;
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<'aborted'>((resolve) => {
      onAbort = () => resolve('aborted');
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      const first = await Promise.race([this.slot().then(() => 'slot' as const), aborted]);
      return first === 'aborted' ? undefined : performance.now() - startedAt;
    } finally {
      if (onAbort) signal.removeEventListener('abort', onAbort);
    }
  }
}
