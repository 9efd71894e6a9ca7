import type { TrackerConfig } from '../config/tracker-config.js';
import { readDeadLetters } from '../dead-letters/dead-letter-topic.js';
import { DELIVERY_REJECTED } from '../dead-letters/replay-plan.js';
import type { KafkaClients } from '../kafka/kafka-port.js';

/** How long counts read from the dead-letter topic are shown before it is read again. */
const FRESH_MS = 30_000;

/** The refused deltas in the dead-letter topic per entity, as of a moment. */
export interface DeadLetterCountsAt {
  atMs: number;
  counts: Record<string, number>;
}

/**
 * "In the DLQ" on the loader's page: the deltas of each entity the target refused
 * (DELIVERY_REJECTED) that the dead-letter topic holds, whichever loader wrote them. Reading the
 * topic means reading all of it, so a count is kept for half a minute, or until the loader
 * dead-letters more (stale()); a page poll meanwhile gets the last count at once while the topic
 * is read again in the background. `dlq replay` removes nothing, so a re-sent delta stays counted.
 */
export class DeadLetterCounts {
  private last: DeadLetterCountsAt | undefined;
  private reading: Promise<DeadLetterCountsAt> | undefined;
  private outdated = true;

  constructor(
    private readonly kafka: KafkaClients,
    private readonly config: TrackerConfig,
  ) {}

  stale(): void {
    this.outdated = true;
  }

  async counts(nowMs = Date.now()): Promise<DeadLetterCountsAt> {
    const fresh = this.last !== undefined && !this.outdated && nowMs - this.last.atMs < FRESH_MS;
    if (!fresh) void this.read().catch(() => undefined);
    return this.last ?? this.read();
  }

  private read(): Promise<DeadLetterCountsAt> {
    this.outdated = false;
    this.reading ??= (async () => {
      const atMs = Date.now();
      const counts: Record<string, number> = {};
      for (const letter of await readDeadLetters(this.kafka, this.config)) {
        if (letter.errorCode === DELIVERY_REJECTED && letter.entity !== undefined) counts[letter.entity] = (counts[letter.entity] ?? 0) + 1;
      }
      this.last = { atMs, counts };
      return this.last;
    })()
      .catch((error: unknown) => {
        this.outdated = true;
        throw error;
      })
      .finally(() => {
        this.reading = undefined;
      });
    return this.reading;
  }
}
