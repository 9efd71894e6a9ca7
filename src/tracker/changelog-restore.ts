import { randomUUID } from 'node:crypto';
import kafkajs, { type Kafka, type PartitionAssigner } from 'kafkajs';
import type { Logger } from '../logging/logger.js';
import type { TrackerMetrics } from '../metrics/tracker-metrics.js';
import type { LoadedRecord } from './loaded-record.js';
import { loadedRecordOf } from './loaded-record.js';
import type { DeltaCodec } from './delta-codec.js';
import type { Task } from './task.js';

// kafkajs is CommonJS: its protocol helpers are reachable through the default export only.
const { AssignerProtocol } = kafkajs;

/**
 * Brings the state stores of newly assigned tasks up to the end of their changelog partitions
 * before they process anything (DESIGN guarantee 3: state is a cache).
 *
 * kafkajs 2.2.4 has no manual partition assignment, so the restore consumer joins a group of its
 * own whose assigner hands it exactly the changelog partitions of these tasks. The end to reach
 * is read after the tasks' transactional producers have started, which fenced any zombie and
 * aborted its open transaction: nothing can still commit below that end.
 */
export async function restoreFromChangelogs(kafka: Kafka, tasks: readonly Task[], codec: DeltaCodec, metrics: TrackerMetrics, logger: Logger): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  const pending = new Map<string, { task: Task; from: string; end: string }>();
  try {
    for (const task of tasks) {
      const offsets = await admin.fetchTopicOffsets(task.entity.deltaTopic);
      // On a transactional topic this is the last stable offset: a pending transaction's records
      // lie beyond it, and the zombie that wrote them has just been fenced.
      const end = offsets.find((entry) => entry.partition === task.partition)?.high ?? '0';
      const from = await task.changelogNextOffset();
      // The checkpoint is one past the last delta the store saw; the commit marker of that
      // transaction follows it. One record left is that marker: any other transaction adds at
      // least a record and its own marker.
      if (BigInt(end) - BigInt(from) > 1n) pending.set(changelogId(task.entity.deltaTopic, task.partition), { task, from, end });
    }
  } finally {
    await admin.disconnect();
  }
  if (pending.size === 0) return;

  const started = Date.now();
  logger.info({ partitions: [...pending.keys()] }, 'restoring state stores from their changelogs');
  const wanted: Record<string, number[]> = {};
  for (const { task } of pending.values()) (wanted[task.entity.deltaTopic] ??= []).push(task.partition);

  const groupId = `erp-delta-restore-${randomUUID()}`;
  const consumer = kafka.consumer({
    groupId,
    partitionAssigners: [exactAssigner(wanted)],
    readUncommitted: false,
    maxWaitTimeInMs: 100,
  });
  let restored = 0;
  await consumer.connect();
  try {
    await new Promise<void>((resolve, reject) => {
      const remaining = new Set(pending.keys());
      const markProgress = (topic: string, partition: number, lastOffset: string): void => {
        const entry = pending.get(changelogId(topic, partition));
        if (entry && BigInt(lastOffset) + 1n >= BigInt(entry.end)) remaining.delete(changelogId(topic, partition));
        if (remaining.size === 0) resolve();
      };
      // Batches holding only transaction markers never reach eachBatch; this event still reports them.
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => markProgress(payload.topic, payload.partition, payload.lastOffset));
      consumer.on(consumer.events.CRASH, ({ payload }) => reject(payload.error));
      void consumer.subscribe({ topics: Object.keys(wanted), fromBeginning: true })
        .then(() => consumer.run({
          eachBatchAutoResolve: true,
          eachBatch: async ({ batch }) => {
            const entry = pending.get(changelogId(batch.topic, batch.partition));
            if (!entry) return;
            const put = new Map<string, LoadedRecord | undefined>();
            let applied = 0;
            for (const message of batch.messages) {
              // Until the seek lands, the consumer may read from the partition's start: records the
              // store already reflects would set keys back to older versions.
              if (BigInt(message.offset) < BigInt(entry.from) || !message.key) continue;
              applied += 1;
              const key = message.key.toString();
              put.set(key, message.value === null ? undefined : loadedRecordOf(await codec.decode(message.value)));
            }
            const records = [...put.values()].filter((record): record is LoadedRecord => record !== undefined);
            const deleted = [...put.entries()].filter(([, record]) => record === undefined).map(([key]) => key);
            if (BigInt(batch.lastOffset()) < BigInt(entry.from)) return;
            await entry.task.store.write({ put: records, delete: deleted, changelogNextOffset: String(BigInt(batch.lastOffset()) + 1n) });
            restored += applied;
            metrics.recordRestored(entry.task.entity.name, applied);
          },
        }))
        .then(() => {
          for (const { task, from } of pending.values()) consumer.seek({ topic: task.entity.deltaTopic, partition: task.partition, offset: from });
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
    await deleteGroup(kafka, groupId);
  }
  logger.info({ records: restored, ms: Date.now() - started }, 'state stores restored');
}

/** The restore group is used once; left behind, every restart would add one to the cluster. */
async function deleteGroup(kafka: Kafka, groupId: string): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.deleteGroups([groupId]);
  } catch {
    // An empty group also expires on its own (offsets.retention.minutes).
  } finally {
    await admin.disconnect();
  }
}

function changelogId(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

/** Assigns exactly the given partitions to the one member of the restore group. */
function exactAssigner(wanted: Record<string, number[]>): PartitionAssigner {
  return () => ({
    name: 'ErpDeltaRestoreAssigner',
    version: 1,
    async assign({ members }) {
      return members.map((member, index) => ({
        memberId: member.memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 1, assignment: index === 0 ? wanted : {}, userData: Buffer.alloc(0) }),
      }));
    },
    protocol({ topics }) {
      return { name: 'ErpDeltaRestoreAssigner', metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: Buffer.alloc(0) }) };
    },
  });
}
