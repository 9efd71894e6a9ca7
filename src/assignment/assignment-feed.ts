import type { AssignmentConfig } from '../config/tracker-config.js';
import { isErpDeltaError } from '../errors/erp-delta-error.js';
import type { KafkaClients, KafkaProducer, OutgoingRecord, PartitionReader } from '../kafka/kafka-port.js';
import type { Logger } from '../logging/logger.js';
import { deadLetter } from '../dead-letters/dead-letter.js';
import type { AssignmentChange, AssignmentRole, AssignmentTable } from './assignment-table.js';
import { parseAssignmentValue, type AssignmentValue } from './assignment-value.js';

export interface AssignmentFeedOptions {
  kafka: KafkaClients;
  assignment: AssignmentConfig;
  table: AssignmentTable;
  dlqTopic: string;
  logger: Logger;
  /** Called with the effective changes of each read batch, after the table has them. */
  onChanges: (changes: readonly AssignmentChange[]) => void;
}

/** The name the dead letters of assignment records carry in their entity header. */
const DEAD_LETTER_ENTITY = 'assignments';

/**
 * Keeps the global assignment table up to date: reads every partition of the mapping topic (and
 * of the manual topic when manual assignments are respected) from where the table stands, for as
 * long as the tracker runs. An invalid record goes to the dead-letter topic and leaves the table
 * as it was.
 *
 * Each instance reads the whole topics (a global table), so with N instances an invalid record is
 * dead-lettered up to N times, each copy naming the same source topic, partition and offset.
 */
export class AssignmentFeed {
  private constructor(
    private readonly reader: PartitionReader,
    private readonly producer: KafkaProducer,
  ) {}

  /** Starts reading and resolves once the table has caught up with the topics' current ends. */
  static async start(options: AssignmentFeedOptions): Promise<AssignmentFeed> {
    const { kafka, assignment, table, logger } = options;
    const roles = new Map<string, AssignmentRole>([[assignment.topic, 'mapping']]);
    if (assignment.respectManual) roles.set(assignment.manualTopic, 'manual');

    const admin = kafka.admin();
    await admin.connect();
    const partitions: Array<{ topic: string; partition: number; from: string | undefined }> = [];
    try {
      for (const [topic, role] of roles) {
        const offsets = await admin.fetchTopicOffsets(topic);
        if (offsets.some(({ partition, high }) => BigInt(table.nextOffset(topic, partition) ?? '0') > BigInt(high))) {
          logger.warn({ topic }, 'the assignment topic ends before where the table stood (was it recreated?): reading it again from its start');
          await table.forget(role, topic);
        }
        for (const { partition } of offsets) partitions.push({ topic, partition, from: table.nextOffset(topic, partition) });
      }
    } finally {
      await admin.disconnect();
    }

    const producer = kafka.producer();
    await producer.connect();
    const reader = await kafka
      .readPartitions({
        groupPrefix: 'erp-delta-assignments',
        partitions,
        onBatch: async ({ topic, partition, messages, nextOffset }) => {
          const role = roles.get(topic) ?? 'mapping';
          const values: Array<AssignmentValue & { tsMs: number }> = [];
          const deadLetters: OutgoingRecord[] = [];
          for (const message of messages) {
            try {
              values.push({ ...parseAssignmentValue(message.key, message.value), tsMs: Number(message.timestamp) });
            } catch (error) {
              if (!isErpDeltaError(error)) throw error;
              const offset = Number(message.offset);
              deadLetters.push(deadLetter(DEAD_LETTER_ENTITY, { topic, partition, offset }, { key: message.key, value: message.value }, error));
              logger.warn({ topic, partition, offset, code: error.code, reason: error.message }, 'assignment record dead-lettered');
            }
          }
          // Dead letters first: once the table's offset moves past a record, it is never read again.
          if (deadLetters.length > 0) await producer.send({ topic: options.dlqTopic, messages: deadLetters });
          const changes = await table.apply(role, topic, partition, values, nextOffset);
          for (const change of changes) logger.info({ ...change }, change.role === 'mapping' ? 'rep assignment changed' : 'manual assignment changed');
          if (changes.length > 0) options.onChanges(changes);
        },
      })
      .catch(async (error: unknown) => {
        await producer.disconnect();
        throw error;
      });
    const feed = new AssignmentFeed(reader, producer);
    try {
      await reader.caughtUp();
    } catch (error) {
      await feed.stop();
      throw error;
    }
    logger.info({ reps: table.entries('mapping').length, manual: assignment.respectManual ? table.entries('manual').length : undefined }, 'assignment table ready');
    return feed;
  }

  async stop(): Promise<void> {
    await this.reader.stop();
    await this.producer.disconnect();
  }
}
