import { randomUUID } from 'node:crypto';
import type { TrackerConfig } from '../config/tracker-config.js';
import type { RowEstimates } from '../model/snapshot-target.js';
import { ErpDeltaError } from '../errors/erp-delta-error.js';
import type { KafkaAdmin, KafkaClients, KafkaProducer, PartitionReader } from '../kafka/kafka-port.js';
import { assertCompacted } from './compaction-check.js';
import { RefreshBoard } from './refresh-board.js';
import {
  parseRefreshRecord,
  progressKey,
  requestKey,
  snapshotEndKey,
  type PartitionOffsets,
  type RefreshProgress,
  type RequestedKind,
  type RefreshRequest,
  type SnapshotEnd,
} from './refresh-record.js';
import { createServedTopics, servedTopicMetadata } from '../kafka/topic-metadata.js';

/**
 * The refresh topic, read and written: a board kept up to date from it, and the records that
 * request a refresh, report a task's progress and mark a refresh completed. The CLI reads it to
 * the end once; each tracker instance keeps reading it.
 */
export class RefreshControl {
  readonly board: RefreshBoard;
  private reader: PartitionReader | undefined;

  private constructor(
    readonly topic: string,
    readonly groupId: string,
    private readonly producer: KafkaProducer,
  ) {
    this.board = new RefreshBoard(groupId);
  }

  /** Opens the topic (creating it, compacted, if missing) and reads it to its current end. */
  static async open(kafka: KafkaClients, admin: KafkaAdmin, topic: string, groupId: string, onChange?: () => void): Promise<RefreshControl> {
    if (!(await admin.listTopics()).includes(topic)) {
      await createServedTopics(admin, [{ topic, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }]);
    }
    await servedTopicMetadata(admin, [topic]);
    const producer = kafka.producer();
    await producer.connect();
    const control = new RefreshControl(topic, groupId, producer);
    try {
      control.reader = await kafka.readPartitions({
        groupPrefix: 'erp-delta-refresh-control',
        partitions: [{ topic, partition: 0 }],
        onBatch: async ({ messages }) => {
          for (const message of messages) {
            const record = message.key ? parseRefreshRecord(message.key.toString('utf8'), message.value) : undefined;
            if (record) control.board.apply(record);
          }
          if (messages.length > 0) onChange?.();
        },
      });
      await control.reader.caughtUp();
    } catch (error) {
      await control.close();
      throw error;
    }
    return control;
  }

  /** Waits until the board has read everything written to the topic so far. */
  async caughtUp(): Promise<void> {
    await this.reader?.caughtUp();
  }

  /**
   * Requests a refresh of some entities (all by default), unless one is running: one refresh at a
   * time per consumer group. The CDC topics must be compacted. The replay range of each partition
   * is fixed now, so that every task, and a task resumed after a crash, replays the same range.
   * A compare's `rowEstimates` (capture/row-estimates.ts) are read once it is sure to be requested,
   * and stored in it: its progress is measured against them.
   */
  async request(
    admin: KafkaAdmin,
    config: TrackerConfig,
    options: {
      entities?: readonly string[];
      trigger: string;
      id?: string;
      kind?: RequestedKind;
      rowEstimates?: () => Promise<RowEstimates>;
    },
  ): Promise<RefreshRequest> {
    const names = options.entities && options.entities.length > 0 ? [...options.entities] : Object.keys(config.entities);
    for (const name of names) {
      if (!config.entities[name]) throw new ErpDeltaError('INVALID_OPTION', `"${name}" is not an entity of the config (${Object.keys(config.entities).join(', ')}).`);
    }
    await this.caughtUp();
    const running = this.board.running();
    if (running) {
      throw new ErpDeltaError(
        'REFRESH_REFUSED',
        `Refresh ${running.id} (${running.entities.join(', ')}, requested ${new Date(running.requestedAtMs).toISOString()} by ${running.trigger}) is running: one refresh at a time.`,
        {
          hint: 'See `npx erp-delta refresh status`; request another once it has completed.',
        },
      );
    }
    const topics = names.map((name) => (config.entities[name] as { topic: string }).topic);
    const kind = options.kind ?? 'replay';
    // A replay reads the compacted CDC topics; a compare reads the tables, and only its own window of them.
    if (kind === 'replay') await assertCompacted(admin, topics);
    const estimates = kind === 'compare' ? await options.rowEstimates?.() : undefined;
    const starts: PartitionOffsets = {};
    const ends: PartitionOffsets = {};
    for (const topic of topics) {
      const offsets = await admin.fetchTopicOffsets(topic);
      starts[topic] = Object.fromEntries(offsets.map(({ partition, low, high }) => [String(partition), Number(kind === 'compare' ? high : low)]));
      ends[topic] = Object.fromEntries(offsets.map(({ partition, high }) => [String(partition), Number(high)]));
    }
    const request: RefreshRequest = {
      id: options.id ?? `${new Date().toISOString().replace(/[-:.]/g, '')}-${randomUUID().slice(0, 4)}`,
      kind,
      groupId: this.groupId,
      entities: names,
      trigger: options.trigger,
      requestedAtMs: Date.now(),
      starts,
      ends,
      status: 'running',
      ...(estimates ? { estimates: estimates.estimates, estimatesUnknown: estimates.unknown } : {}),
    };
    await this.write(requestKey(request.id), request);
    return request;
  }

  async reportProgress(progress: RefreshProgress): Promise<void> {
    await this.write(progressKey(progress.id, progress.topic, progress.partition), progress);
  }

  async reportSnapshotEnd(end: SnapshotEnd): Promise<void> {
    await this.write(snapshotEndKey(end.id, end.topic), end);
  }

  async complete(request: RefreshRequest): Promise<void> {
    await this.write(requestKey(request.id), { ...request, status: 'completed', completedAtMs: Date.now() });
  }

  private async write(key: string, value: object): Promise<void> {
    await this.producer.send({ topic: this.topic, acks: -1, messages: [{ key, value: JSON.stringify(value) }] });
  }

  async close(): Promise<void> {
    await this.reader?.stop();
    await this.producer.disconnect();
  }
}

/** The consumer group whose committed offsets are a refresh's replay positions, one per CDC partition. */
export function refreshGroupId(groupId: string, refreshId: string): string {
  return `${groupId}.refresh.${refreshId}`;
}
