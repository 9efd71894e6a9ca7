import { isErpDeltaError } from '../errors/erp-delta-error.js';
import type { KafkaClients } from '../kafka/kafka-port.js';
import { assignmentValue, parseAssignmentValue } from './assignment-value.js';

/** Where a written assignment record landed. */
export interface WrittenAssignment {
  topic: string;
  partition: number;
  offset: string;
}

/**
 * Writes one assignment: `userId` for `key`, or a tombstone (unassigned) for null. Kafka's default
 * partitioner, as any other writer of the topic would use, keeps each key on one partition.
 */
export async function writeAssignment(kafka: KafkaClients, topic: string, key: string, userId: string | null): Promise<WrittenAssignment> {
  const producer = kafka.producer();
  await producer.connect();
  try {
    const [written] = await producer.send({ topic, acks: -1, messages: [{ key, value: userId === null ? null : assignmentValue(userId) }] });
    return { topic, partition: written?.partition ?? 0, offset: written?.baseOffset ?? '' };
  } finally {
    await producer.disconnect();
  }
}

export interface AssignmentListing {
  /** key -> user, the latest record of each key, tombstoned keys left out; sorted by key. */
  assignments: Array<{ key: string; userId: string }>;
  /** Records that are not valid assignments (the tracker dead-letters them and ignores them). */
  invalid: Array<{ partition: number; offset: string; reason: string }>;
}

/** The table an assignment topic holds now: read from its start to its current end. */
export async function readAssignments(kafka: KafkaClients, topic: string): Promise<AssignmentListing> {
  const admin = kafka.admin();
  await admin.connect();
  let partitions: number[];
  try {
    partitions = (await admin.fetchTopicOffsets(topic)).map((entry) => entry.partition);
  } finally {
    await admin.disconnect();
  }
  const table = new Map<string, string>();
  const invalid: AssignmentListing['invalid'] = [];
  const reader = await kafka.readPartitions({
    groupPrefix: 'erp-delta-assignments-list',
    partitions: partitions.map((partition) => ({ topic, partition })),
    onBatch: async ({ partition, messages }) => {
      for (const message of messages) {
        try {
          const { key, userId } = parseAssignmentValue(message.key, message.value);
          if (userId === null) table.delete(key);
          else table.set(key, userId);
        } catch (error) {
          if (!isErpDeltaError(error)) throw error;
          invalid.push({ partition, offset: message.offset, reason: error.message });
        }
      }
    },
  });
  try {
    await reader.caughtUp();
  } finally {
    await reader.stop();
  }
  const assignments = [...table].map(([key, userId]) => ({ key, userId })).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { assignments, invalid };
}
