import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { KafkaAdmin, KafkaClients } from '../kafka/kafka-port.js';
import type { Delta } from '../model/delta.js';
import type { DeltaHistory, KeyDelta } from '../model/delta-history.js';

/**
 * The last deltas of one key, read from its delta topic: "why was this record sent?" (reason,
 * changedFields, source) and what the target has (the newest one). The topic is the tasks'
 * changelog, so this answers whether trackers run or not. Which partition holds the key follows
 * the CDC topic's partitioning, unknown here, so every partition is read; `tailPerPartition`
 * bounds the read for an interactive lookup on a big topic (older deltas are then not seen).
 * Compaction leaves at least the newest record of every key; older ones may be gone.
 */
export async function readDeltaHistory(
  kafka: KafkaClients,
  admin: KafkaAdmin,
  registry: SchemaRegistry,
  topic: string,
  key: string,
  options: { limit: number; tailPerPartition?: number },
): Promise<DeltaHistory> {
  const starts: Array<{ topic: string; partition: number; from: string }> = [];
  let complete = true;
  for (const { partition, low, high } of await admin.fetchTopicOffsets(topic)) {
    const from = options.tailPerPartition === undefined ? Number(low) : Math.max(Number(low), Number(high) - options.tailPerPartition);
    if (from > Number(low)) complete = false;
    if (from < Number(high)) starts.push({ topic, partition, from: String(from) });
  }
  const found: Array<{ partition: number; offset: string; timestamp: string; value: Buffer | null }> = [];
  let scanned = 0;
  if (starts.length > 0) {
    const reader = await kafka.readPartitions({
      groupPrefix: 'erp-delta-delta-history',
      partitions: starts,
      onBatch: async ({ partition, messages }) => {
        scanned += messages.length;
        for (const message of messages) {
          if (message.key?.toString('utf8') !== key) continue;
          found.push({ partition, offset: message.offset, timestamp: message.timestamp, value: message.value });
          // Only the newest `limit` are wanted; a key's records sit in one partition, in order.
          if (found.length > options.limit) found.shift();
        }
      },
    });
    try {
      await reader.caughtUp();
    } finally {
      await reader.stop();
    }
  }
  const deltas: KeyDelta[] = [];
  for (const record of found.reverse()) {
    deltas.push({
      topic,
      partition: record.partition,
      offset: record.offset,
      timestamp: new Date(Number(record.timestamp)).toISOString(),
      delta: record.value === null ? null : ((await registry.decode(record.value)) as Delta),
    });
  }
  return { deltas, scanned, complete };
}
