import { ErpDeltaError } from '../errors/erp-delta-error.js';
import type { KafkaClients, PartitionReader } from '../kafka/kafka-port.js';
import type { Logger } from '../logging/logger.js';
import type { SourceEpochs } from '../model/source-epoch.js';

/** The record of the source epoch topic (compacted, key: the entity's name). */
export interface SourceEpochRecord {
  epoch: number;
  startedAtMs: number;
  reason: string;
}

export function parseSourceEpoch(value: Buffer | null): SourceEpochRecord | undefined {
  if (value === null) return undefined;
  try {
    const parsed = JSON.parse(value.toString('utf8')) as Partial<SourceEpochRecord>;
    if (typeof parsed.epoch === 'number' && Number.isSafeInteger(parsed.epoch) && parsed.epoch >= 0) {
      return { epoch: parsed.epoch, startedAtMs: Number(parsed.startedAtMs ?? 0), reason: String(parsed.reason ?? '') };
    }
  } catch {
    // Not JSON: ignored below, as any record that names no epoch.
  }
  return undefined;
}

/**
 * Every entity's epoch as the topic says, kept up to date for as long as the tracker runs: every
 * instance reads the whole (tiny) topic, so that a reset reaches every task wherever it runs.
 * `start` resolves once the topic's current end is read: no task compares before it knows its epoch.
 */
export class SourceEpochFeed implements SourceEpochs {
  private readonly epochs = new Map<string, SourceEpochRecord>();
  private reader: PartitionReader | undefined;

  private constructor(private readonly logger: Logger) {}

  static async start(kafka: KafkaClients, topic: string, logger: Logger): Promise<SourceEpochFeed> {
    const feed = new SourceEpochFeed(logger);
    feed.reader = await kafka.readPartitions({
      groupPrefix: 'erp-delta-source-epochs',
      partitions: [{ topic, partition: 0 }],
      onBatch: async ({ messages }) => {
        for (const message of messages) feed.apply(message.key?.toString() ?? '', message.value);
      },
    });
    await feed.reader.caughtUp();
    return feed;
  }

  epochOf(entity: string): number {
    return this.epochs.get(entity)?.epoch ?? 0;
  }

  /** Epochs only grow: a record naming an older one (a stale write) leaves the entity where it is. */
  private apply(entity: string, value: Buffer | null): void {
    const record = parseSourceEpoch(value);
    if (!entity || !record) return;
    const current = this.epochs.get(entity);
    if (current && current.epoch >= record.epoch) return;
    this.epochs.set(entity, record);
    this.logger.info({ entity, epoch: record.epoch, reason: record.reason }, 'source epoch');
  }

  async stop(): Promise<void> {
    await this.reader?.stop();
  }
}

/**
 * Starts the next source epoch of an entity: reads the topic's latest epoch for it and writes one
 * more. Returns the new record.
 */
export async function startSourceEpoch(kafka: KafkaClients, topic: string, entity: string, reason: string): Promise<SourceEpochRecord> {
  const admin = kafka.admin();
  await admin.connect();
  let current = 0;
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    const reader = await kafka.readPartitions({
      groupPrefix: 'erp-delta-source-epochs-cli',
      partitions: offsets.map(({ partition }) => ({ topic, partition })),
      onBatch: async ({ messages }) => {
        for (const message of messages) {
          const record = message.key?.toString() === entity ? parseSourceEpoch(message.value) : undefined;
          if (record && record.epoch > current) current = record.epoch;
        }
      },
    });
    try {
      await reader.caughtUp();
    } finally {
      await reader.stop();
    }
  } finally {
    await admin.disconnect();
  }
  const record: SourceEpochRecord = { epoch: current + 1, startedAtMs: Date.now(), reason };
  const producer = kafka.producer();
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: [{ key: entity, value: JSON.stringify(record), partition: 0 }] });
  } catch (error) {
    throw new ErpDeltaError('KAFKA_UNAVAILABLE', `Could not write the new source epoch of "${entity}" to ${topic}: ${(error as Error).message}`, { retriable: true, cause: error });
  } finally {
    await producer.disconnect();
  }
  return record;
}
