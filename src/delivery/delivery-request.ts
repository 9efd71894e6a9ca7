import type { Delta } from '../model/delta.js';

/** A delta as the target receives it: the delta, and the key that identifies this one delta. */
export interface DeliveredDelta extends Delta {
  /** `<delta topic>-<partition>-<offset>`: the same delta re-sent has the same key. */
  idempotencyKey: string;
}

export interface DeliveryRequest {
  entity: string;
  deltas: DeliveredDelta[];
}

export function idempotencyKey(topic: string, partition: number, offset: string): string {
  return `${topic}-${partition}-${offset}`;
}

/**
 * The body of one POST: the entity and its deltas in partition order. The request's
 * `Idempotency-Key` header names the range (`<topic>-<partition>-<first>-<last>`), each delta its
 * own key, so that a target can drop a re-sent batch or re-sent deltas alike.
 */
export function deliveryRequest(entity: string, topic: string, partition: number, deltas: ReadonlyArray<{ offset: string; delta: Delta }>): { body: DeliveryRequest; idempotencyKey: string } {
  const first = deltas[0]?.offset ?? '0';
  const last = deltas.at(-1)?.offset ?? first;
  return {
    body: { entity, deltas: deltas.map(({ offset, delta }) => ({ ...delta, idempotencyKey: idempotencyKey(topic, partition, offset) })) },
    idempotencyKey: `${topic}-${partition}-${first}-${last}`,
  };
}

/**
 * What a tombstone on a delta topic delivers. The tracker writes one right after each DELETE delta
 * (so that compaction drops the key), and that one belongs to the DELETE: nothing more to deliver.
 * A tombstone alone (a replay after compaction removed its DELETE) is still a delete the target
 * must get: a DELETE delta, reason CHANGE, with no source position (the tombstone has none).
 * `deletedBefore`: the key of the DELETE delta read right before it in its partition, if any.
 */
export function tombstoneDelta(key: string, deletedBefore: string | undefined, topic: string, partition: number, offset: string, timestampMs: number): Delta | undefined {
  if (deletedBefore === key) return undefined;
  return {
    op: 'DELETE',
    reason: 'CHANGE',
    changedFields: [],
    key,
    data: null,
    source: { topic, partition, offset: Number(offset), tsMs: timestampMs, connector: null, position: null, epoch: 0 },
    emittedAtMs: timestampMs,
  };
}

/** Exponential backoff with full jitter between half and all of the step: retries of many loaders do not line up. */
export function retryDelayMs(attempt: number, initialMs: number, maxMs: number, random: () => number = Math.random): number {
  const step = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(step / 2 + (random() * step) / 2);
}

/** What became of one POST. */
export type PostOutcome =
  | { kind: 'delivered' }
  | { kind: 'rejected'; status: number; body: string }
  /** `retryAfterMs`: how long the target asked to wait (a 429 or 503 with Retry-After). */
  | { kind: 'retry'; reason: string; retryAfterMs?: number | undefined };

/**
 * 2xx delivered; 4xx rejected for good (the deltas go to the DLQ with the answer); anything else is
 * retried, after the wait a 429 or 503 asks for in its Retry-After header (RFC 9110 10.2.3).
 */
export function classifyResponse(status: number, body: string, retryAfter: string | null = null, nowMs = Date.now()): PostOutcome {
  if (status >= 200 && status < 300) return { kind: 'delivered' };
  if (status >= 400 && status < 500 && status !== 408 && status !== 429) return { kind: 'rejected', status, body };
  const reason = `HTTP ${status}${body ? `: ${body.slice(0, 200)}` : ''}`;
  const retryAfterMs = status === 429 || status === 503 ? retryAfterWaitMs(retryAfter, nowMs) : undefined;
  return retryAfterMs === undefined ? { kind: 'retry', reason } : { kind: 'retry', reason, retryAfterMs };
}

/**
 * A Retry-After header's wait: delay-seconds (a non-negative integer) or an HTTP date, from now;
 * undefined when there is none or it is neither (the usual backoff then applies). A date in the
 * past waits nothing.
 */
export function retryAfterWaitMs(header: string | null, nowMs: number): number | undefined {
  const value = header?.trim();
  if (value === undefined || value === '') return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1_000;
  const atMs = Date.parse(value);
  return Number.isNaN(atMs) || !/[a-z]/i.test(value) ? undefined : Math.max(0, atMs - nowMs);
}
