import { setTimeout as sleep } from 'node:timers/promises';
import { Partitioners, type Admin, type Kafka, type PartitionMetadata } from 'kafkajs';
import { kafkajsClient } from '../src/kafka/kafka-client.js';
import { createLogger } from '../src/logging/logger.js';

export function benchKafka(bootstrap: string, clientId: string): Kafka {
  // Through erp-delta's one client factory, as the tracker's clients are made; kafkajs's errors only.
  return kafkajsClient({ clientId, brokers: [bootstrap] }, createLogger('bench-kafka', 'error'), { connectionTimeoutMs: 5_000, requestTimeoutMs: 60_000 });
}

export interface TopicSpec {
  topic: string;
  partitions: number;
  compact: boolean;
}

/**
 * Deletes the topics if they exist and creates them anew, so that every run starts from empty
 * topics. Deletion is asynchronous in Kafka: creation is retried until the old topic is gone.
 */
export async function recreateTopics(admin: Admin, specs: readonly TopicSpec[], progress: (line: string) => void): Promise<void> {
  const names = specs.map((spec) => spec.topic);
  const existing = new Set(await admin.listTopics());
  const toDelete = names.filter((name) => existing.has(name));
  if (toDelete.length > 0) {
    progress(`deleting topics ${toDelete.join(', ')}`);
    await admin.deleteTopics({ topics: toDelete, timeout: 30_000 });
  }
  const deadline = Date.now() + 60_000;
  for (;;) {
    const listed = new Set(await admin.listTopics());
    if (!names.some((name) => listed.has(name))) break;
    if (Date.now() > deadline) throw new Error(`topics ${names.filter((name) => listed.has(name)).join(', ')} were not deleted within 60 s`);
    await sleep(200);
  }
  for (;;) {
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: specs.map((spec) => ({
          topic: spec.topic,
          numPartitions: spec.partitions,
          replicationFactor: 1,
          configEntries: [{ name: 'cleanup.policy', value: spec.compact ? 'compact' : 'delete' }],
        })),
      });
      break;
    } catch (error) {
      // TOPIC_ALREADY_EXISTS while the broker still finishes the deletion.
      if (Date.now() > deadline) throw error;
      await sleep(500);
    }
  }
  progress(`created topics ${specs.map((spec) => `${spec.topic} (${spec.partitions} partition${spec.partitions === 1 ? '' : 's'}${spec.compact ? ', compacted' : ''})`).join(', ')}`);
}

/**
 * The partition Kafka's default partitioner (murmur2 of the key, as Debezium's Java producer and
 * kafkajs's DefaultPartitioner both use) picks for a key. The bench assigns partitions itself so
 * that it can keep one send in flight per partition: that keeps per-key order even across retries.
 */
export function keyPartitioner(partitions: number): (key: string) => number {
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata: PartitionMetadata[] = Array.from({ length: partitions }, (_, partitionId) => ({
    partitionErrorCode: 0,
    partitionId,
    leader: 0,
    replicas: [0],
    isr: [0],
    offlineReplicas: [],
  }));
  return (key) => partitioner({ topic: 'bench', partitionMetadata, message: { key, value: null } });
}

/** End offsets (high watermarks) per partition. */
export async function endOffsets(admin: Admin, topic: string): Promise<Map<number, bigint>> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return new Map(offsets.map((entry) => [entry.partition, BigInt(entry.high)]));
}

/** Beginning offsets (low watermarks) per partition. */
export async function startOffsets(admin: Admin, topic: string): Promise<Map<number, bigint>> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return new Map(offsets.map((entry) => [entry.partition, BigInt(entry.low)]));
}

/**
 * A consumer group's lag on a topic: end offset minus committed offset, summed over partitions
 * (a partition without a committed offset lags by its whole content).
 */
export async function groupLag(admin: Admin, groupId: string, topic: string, ends: Map<number, bigint>, starts: Map<number, bigint>): Promise<bigint> {
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  const byPartition = new Map((committed?.partitions ?? []).map((entry) => [entry.partition, BigInt(entry.offset)]));
  let lag = 0n;
  for (const [partition, end] of ends) {
    const offset = byPartition.get(partition) ?? -1n;
    const position = offset < 0n ? (starts.get(partition) ?? 0n) : offset;
    if (end > position) lag += end - position;
  }
  return lag;
}
