import { setTimeout as sleep } from 'node:timers/promises';
import { parseSnapshotNotification, tableOutcomes, type SnapshotNotification } from '../capture/snapshot-notification.js';
import type { SnapshotTarget } from '../model/snapshot-target.js';
import type { KafkaAdmin, KafkaClients, PartitionReader } from '../kafka/kafka-port.js';
import type { Logger } from '../logging/logger.js';
import type { RefreshControl } from './refresh-control.js';

/** Notifications of snapshots the board does not know (yet) kept at most, by snapshot. */
const UNMATCHED_KEPT = 1_000;

/** How long after a table's notification its window's end is read. */
const SETTLE_MS = 2_000;

/**
 * Follows Debezium's notifications about incremental snapshots, and tells the group, on the
 * refresh topic, where a running full compare's snapshot of each table ended: the CDC partitions'
 * ends when the notification that the table is through was read. Every snapshot row of the table
 * was queued by the connector before that notification, so it lies before those ends (see
 * compare-decision.ts for the one way it can be late). Every instance follows them; the first end
 * written for a table counts, and a later one would only be later.
 *
 * A notification read before the board knows its compare (the request and the notification are
 * on different topics) is kept and looked at again when the board changes.
 */
export class SnapshotWatch {
  private readonly unmatched = new Map<string, SnapshotNotification[]>();
  private readonly readers: PartitionReader[] = [];

  private constructor(
    private readonly admin: KafkaAdmin,
    private readonly control: RefreshControl,
    readonly targets: readonly SnapshotTarget[],
    private readonly logger: Logger,
  ) {}

  static async start(kafka: KafkaClients, admin: KafkaAdmin, control: RefreshControl, targets: readonly SnapshotTarget[], logger: Logger): Promise<SnapshotWatch> {
    const watch = new SnapshotWatch(admin, control, targets, logger);
    const existing = new Set(await admin.listTopics());
    const topics = [...new Set(targets.flatMap((target) => (target.notificationTopic === undefined ? [] : [target.notificationTopic])))];
    for (const topic of topics) {
      if (!existing.has(topic)) {
        logger.warn({ topic }, "the connector's notification topic does not exist yet: a full compare cannot tell when its snapshot is through until `erp-delta connectors apply` creates it");
        continue;
      }
      const partitions = (await admin.fetchTopicOffsets(topic)).map(({ partition }) => ({ topic, partition }));
      watch.readers.push(
        await kafka.readPartitions({
          groupPrefix: 'erp-delta-snapshot-notifications',
          partitions,
          onBatch: async ({ messages }) => {
            for (const message of messages) {
              const notification = parseSnapshotNotification(message.value);
              if (notification) await watch.consider(notification);
            }
          },
        }),
      );
    }
    return watch;
  }

  /** The board changed: notifications that came before their compare's request may match now. */
  async reconsider(): Promise<void> {
    for (const notifications of [...this.unmatched.values()]) {
      for (const notification of notifications) await this.consider(notification);
    }
  }

  private async consider(notification: SnapshotNotification): Promise<void> {
    const { board } = this.control;
    const request = board.request(notification.id);
    const outcomes = tableOutcomes(notification);
    const decisive = notification.type === 'ABORTED' || outcomes.complete.length > 0 || outcomes.incomplete.length > 0;
    if (request === undefined) {
      // Only what ends a table's snapshot is kept, and only so many: most notifications are
      // progress, or another group's compares, or snapshots nobody here asked for.
      if (!decisive) return;
      const kept = this.unmatched.get(notification.id) ?? [];
      if (!kept.includes(notification)) this.unmatched.set(notification.id, [...kept, notification]);
      if (this.unmatched.size > UNMATCHED_KEPT) this.unmatched.delete(this.unmatched.keys().next().value as string);
      return;
    }
    this.unmatched.delete(notification.id);
    if (request.kind !== 'compare' || request.status !== 'running' || !decisive) return;
    // An ABORTED snapshot that names no table stops all of them.
    const incomplete = notification.type === 'ABORTED' && outcomes.incomplete.length === 0 ? this.targets.map((target) => target.dataCollection) : outcomes.incomplete;
    for (const target of this.targets) {
      if (!request.entities.includes(target.entity) || board.snapshotEndOf(request.id, target.topic) !== undefined) continue;
      const failed = incomplete.includes(target.dataCollection);
      if (!failed && !outcomes.complete.includes(target.dataCollection)) continue;
      // Connect's producer sends partitions apart: the table's last rows may be a moment behind
      // the notification. A window that ends a little later holds them; the tasks mark what they
      // process after the window too (refresh-runner.ts), so this only narrows the race.
      await sleep(SETTLE_MS);
      const offsets = await this.admin.fetchTopicOffsets(target.topic);
      const end = {
        id: request.id,
        groupId: request.groupId,
        topic: target.topic,
        ends: Object.fromEntries(offsets.map(({ partition, high }) => [String(partition), Number(high)])),
        rowsScanned: notification.totalRowsScanned,
        incomplete: failed ? `${notification.type}${notification.status ? ` ${notification.status}` : ''}` : undefined,
        atMs: Date.now(),
      };
      await this.control.reportSnapshotEnd(end);
      this.logger.info(
        { refresh: request.id, entity: target.entity, table: target.dataCollection, rows: notification.totalRowsScanned, incomplete: end.incomplete },
        failed ? 'the snapshot of a table ended without reading it all' : 'the snapshot of a table is through',
      );
    }
  }

  async stop(): Promise<void> {
    for (const reader of this.readers.splice(0)) await reader.stop();
  }
}
