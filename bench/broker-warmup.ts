import type { Admin, Kafka } from 'kafkajs';
import { recreateTopics } from './kafka.js';

export const WARMUP_TOPIC = 'bench.warmup';

export interface WarmupResult {
  transactions: number;
  records: number;
  ms: number;
}

/**
 * Runs the broker's transactional produce and offset-commit paths, the ones a tracker's every
 * batch takes, before anything is measured. Right after `stack up`, Kafka's JVM has not compiled
 * them yet, and the first bench then measured the broker's warm-up (54,555-60,505 events/s
 * against 67,864-73,665 once warm, bench/HISTORY.md); a broker next to a tracker in production has
 * long been warm. The ceiling's ConsumerPerformance run warms only the fetch path.
 *
 * Each transaction sends records of a CDC event's size to a topic of the bench's partitions and
 * commits an offset with them, as a tracker's batch does.
 */
export async function warmUpBroker(kafka: Kafka, admin: Admin, options: { runId: string; partitions: number; transactions: number; progress: (line: string) => void }): Promise<WarmupResult> {
  const { runId, partitions, transactions, progress } = options;
  await recreateTopics(admin, [{ topic: WARMUP_TOPIC, partitions, compact: false }], progress);
  // The tracker's retry (src/tracker/task.ts): the next transaction's first request meets
  // CONCURRENT_TRANSACTIONS until the last one's markers are written, and kafkajs waits 300 ms by default.
  const producer = kafka.producer({ transactionalId: `erp-delta-bench-warmup-${runId}`, idempotent: true, maxInFlightRequests: 1, retry: { initialRetryTime: 20, maxRetryTime: 2_000 } });
  await producer.connect();
  const value = Buffer.alloc(430, 'x');
  const recordsPerTransaction = 200;
  const startedAt = Date.now();
  let records = 0;
  try {
    for (let index = 0; index < transactions; index += 1) {
      const partition = index % partitions;
      const transaction = await producer.transaction();
      try {
        await transaction.send({ topic: WARMUP_TOPIC, messages: Array.from({ length: recordsPerTransaction }, (_, offset) => ({ key: `w${offset}`, value, partition })) });
        await transaction.sendOffsets({ consumerGroupId: `erp-delta-bench-warmup-${runId}`, topics: [{ topic: WARMUP_TOPIC, partitions: [{ partition, offset: String(records) }] }] });
        await transaction.commit();
      } catch (error) {
        await transaction.abort().catch(() => undefined);
        throw error;
      }
      records += recordsPerTransaction;
    }
  } finally {
    await producer.disconnect();
  }
  return { transactions, records, ms: Date.now() - startedAt };
}
