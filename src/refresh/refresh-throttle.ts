import { setTimeout as sleep } from 'node:timers/promises';
import type { KafkaAdmin } from '../kafka/kafka-port.js';
import type { Logger } from '../logging/logger.js';

/**
 * Paces a refresh to a number of records per second: each page waits until its records are due,
 * counted from the refresh's start, so the rate from the first record to the last stays within
 * the bound (a pause does not earn a burst afterwards).
 */
export class RatePacer {
  private dueAtMs: number | undefined;

  constructor(readonly perSecond: number) {}

  /** Records per page so that a page is about a fifth of a second's worth (at least 1). */
  pageSize(largest: number): number {
    return Math.max(1, Math.min(largest, Math.floor(this.perSecond / 5)));
  }

  async take(records: number): Promise<void> {
    const now = Date.now();
    this.dueAtMs = Math.max(this.dueAtMs ?? now, now) + (records / this.perSecond) * 1000;
    const wait = this.dueAtMs - now;
    if (wait > 0) await sleep(wait);
  }
}

/** How far the loader group is behind on the delta topics; undefined when no loader group has committed anything. */
export async function loaderLag(admin: KafkaAdmin, groupId: string, deltaTopics: readonly string[]): Promise<number | undefined> {
  const committed = await admin.fetchOffsets({ groupId, topics: [...deltaTopics] });
  if (committed.every(({ partitions }) => partitions.every(({ offset }) => Number(offset) < 0))) return undefined;
  let lag = 0;
  for (const { topic, partitions } of committed) {
    const ends = await admin.fetchTopicOffsets(topic);
    for (const { partition, high, low } of ends) {
      const offset = Number(partitions.find((entry) => entry.partition === partition)?.offset ?? -1);
      lag += Number(high) - (offset < 0 ? Number(low) : offset);
    }
  }
  return lag;
}

/**
 * "If the import side's capacity allows": a refresh waits while the loader group is more than
 * `maxLag` deltas behind on the delta topics, and goes on once it is back under. Checked at most
 * once a second, whatever the number of tasks asking. Logs once per pause and once per resume.
 */
export class LoaderLagGate {
  private checkedAtMs = 0;
  private lag: number | undefined;
  private paused = false;
  private checking: Promise<void> | undefined;

  constructor(
    private readonly admin: KafkaAdmin,
    private readonly groupId: string,
    private readonly deltaTopics: readonly string[],
    private readonly maxLag: number,
    private readonly logger: Logger,
  ) {}

  /**
   * Resolves when the loader's lag is within the bound (or there is no loader); `stopped` ends the
   * wait, `whileWaiting` runs every half second of it (a consumer's heartbeat).
   */
  async open(stopped: () => boolean, whileWaiting: () => Promise<void>): Promise<void> {
    for (;;) {
      await this.refresh();
      if (this.lag === undefined || this.lag <= this.maxLag) {
        if (this.paused) this.logger.info({ loaderGroup: this.groupId, lag: this.lag, maxLag: this.maxLag }, 'refresh resumed: the loader caught up');
        this.paused = false;
        return;
      }
      if (!this.paused) this.logger.info({ loaderGroup: this.groupId, lag: this.lag, maxLag: this.maxLag }, 'refresh paused: the loader lags behind');
      this.paused = true;
      if (stopped()) return;
      await sleep(500);
      await whileWaiting();
    }
  }

  get isPaused(): boolean {
    return this.paused;
  }

  private async refresh(): Promise<void> {
    if (Date.now() - this.checkedAtMs < 1_000) return;
    this.checking ??= loaderLag(this.admin, this.groupId, this.deltaTopics)
      .then((lag) => {
        this.lag = lag;
        this.checkedAtMs = Date.now();
      })
      .finally(() => {
        this.checking = undefined;
      });
    await this.checking;
  }
}
