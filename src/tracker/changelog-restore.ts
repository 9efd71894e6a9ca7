import { setImmediate } from 'node:timers/promises';
import type { KafkaClients } from '../kafka/kafka-port.js';
import type { Logger } from '../logging/logger.js';
import type { TrackerMetrics } from '../metrics/tracker-metrics.js';
import type { DeletedRecord, LoadedRecord } from '../model/loaded-record.js';
import type { DeltaCodec } from './delta-codec.js';
import type { Task } from './task.js';
import { RestoreProgress, type RestoreReport } from './restore-progress.js';
import type { ChangelogPosition } from './task-state.js';

/**
 * Where each task's restore starts (task-state.ts, restoreStart): its store's checkpoint and its
 * changelog partition's end.
 *
 * The end to reach is read after the tasks' transactional producers have started, which fenced any
 * zombie and aborted its open transaction: nothing can still commit below that end.
 */
export async function changelogPositions(kafka: KafkaClients, tasks: readonly Task[]): Promise<ChangelogPosition[]> {
  const admin = kafka.admin();
  await admin.connect();
  const positions: ChangelogPosition[] = [];
  try {
    for (const task of tasks) {
      const offsets = await admin.fetchTopicOffsets(task.entity.deltaTopic);
      // On a transactional topic this is the last stable offset: a pending transaction's records
      // lie beyond it, and the zombie that wrote them has just been fenced.
      const end = offsets.find((entry) => entry.partition === task.partition)?.high ?? '0';
      positions.push({ checkpoint: await task.changelogNextOffset(), end });
    }
  } finally {
    await admin.disconnect();
  }
  return positions;
}

/** How often a restore under way logs its progress and updates its metrics. */
const PROGRESS_INTERVAL_MS = 10_000;

/**
 * Records decoded between two yields to the event loop: a fetch of a changelog holds up to a MiB
 * per partition, thousands of records, and decoding them all at once would keep the consumer
 * group's heartbeats and the other partitions' batches waiting.
 */
const RECORDS_PER_YIELD = 1_000;

/**
 * Brings the state stores of newly assigned tasks up to the end of their changelog partitions,
 * each from the offset given to the end given, before they process anything (DESIGN guarantee 3:
 * state is a cache). Each task is handed to `onRestored` as soon as its own changelog is read, so
 * that it can run while the others still restore; its changelog is read no further here.
 *
 * The changelog partitions are read by a PartitionReader (a consumer group of its own, since
 * kafkajs has no manual assignment). Its progress is logged every 10 s and kept in the metrics
 * (offsets left per partition, records per second).
 */
export async function restoreFromChangelogs(
  kafka: KafkaClients,
  plans: ReadonlyArray<{ task: Task; from: string; end: string }>,
  codec: DeltaCodec,
  metrics: TrackerMetrics,
  logger: Logger,
  onRestored: (task: Task) => void = () => undefined,
): Promise<void> {
  const pending = new Map(plans.map(({ task, from }) => [changelogId(task.entity.deltaTopic, task.partition), { task, from }]));
  if (pending.size === 0) return;

  const started = Date.now();
  const progress = new RestoreProgress(
    plans.map(({ task, from, end }) => ({ id: changelogId(task.entity.deltaTopic, task.partition), entity: task.entity.name, partition: task.partition, from: BigInt(from), end: BigInt(end) })),
    started,
  );
  const report = (mark: boolean): RestoreReport => {
    const now = progress.report(Date.now(), mark);
    for (const { id, entity, partition } of progress.partitionIds()) metrics.recordRestoreLeft(entity, partition, progress.offsetsLeft(id));
    if (mark) metrics.recordRestoreRate(now.recentRecordsPerSecond);
    return now;
  };
  const first = report(false);
  logger.info({ partitions: [...pending.keys()], offsets: first.offsetsLeft }, 'restoring state stores from their changelogs');
  // Per changelog partition, the key of a DELETE delta just read: the tombstone written right after
  // it (task.ts) must not forget where the key was deleted (loaded-record.ts, DeletedRecord).
  const deletedJustBefore = new Map<string, string | undefined>();
  const reader = await kafka.readPartitions({
    groupPrefix: 'erp-delta-restore',
    // Each changelog partition goes to its own task's store: one partition's batch is decoded
    // while another's is written.
    partitionsInParallel: true,
    partitions: [...pending.values()].map(({ task, from }) => ({ topic: task.entity.deltaTopic, partition: task.partition, from })),
    onBatch: async ({ topic, partition, messages, nextOffset }) => {
      const id = changelogId(topic, partition);
      const entry = pending.get(id);
      if (!entry) return;
      const put = new Map<string, LoadedRecord | DeletedRecord | undefined>();
      let applied = 0;
      for (const message of messages) {
        if (!message.key) continue;
        applied += 1;
        if (applied % RECORDS_PER_YIELD === 0) await setImmediate();
        const key = message.key.toString();
        const deletedBefore = deletedJustBefore.get(id) === key;
        deletedJustBefore.set(id, undefined);
        if (message.value === null) {
          // A tombstone alone: its DELETE delta was compacted away, and with it where the key was deleted.
          if (!deletedBefore) put.set(key, undefined);
          continue;
        }
        const decoded = codec.decodeLoadedState(message.value, key);
        const state = decoded instanceof Promise ? await decoded : decoded;
        put.set(key, state);
        if ('deleted' in state) deletedJustBefore.set(id, key);
      }
      const states = [...put.values()].filter((state) => state !== undefined);
      const forgotten = [...put.entries()].filter(([, state]) => state === undefined).map(([key]) => key);
      await entry.task.store.write({ put: states, delete: forgotten, changelogNextOffset: nextOffset });
      progress.applied(id, applied, BigInt(nextOffset));
      metrics.recordRestored(entry.task.entity.name, applied);
    },
  });
  const ticker = setInterval(() => {
    // Transaction markers move a partition on too, and no batch holds them.
    for (const [id, { task }] of pending) progress.advance(id, reader.position(task.entity.deltaTopic, task.partition));
    const now = report(true);
    logger.info(
      {
        records: now.records,
        recordsPerSecond: now.recentRecordsPerSecond,
        percent: Math.floor(now.ratio * 100),
        offsetsLeft: now.offsetsLeft,
        partitionsLeft: now.partitionsLeft,
        etaSeconds: now.etaMs === undefined ? null : Math.ceil(now.etaMs / 1000),
      },
      'restoring state stores: progress',
    );
  }, PROGRESS_INTERVAL_MS);
  try {
    await reader.caughtUp((topic, partition) => {
      const id = changelogId(topic, partition);
      const entry = pending.get(id);
      if (!entry) return;
      // Read no further: from now on the running task writes its store, and a record of its own
      // read back here could set a key back.
      pending.delete(id);
      progress.advance(id, reader.position(topic, partition));
      metrics.recordRestoreLeft(entry.task.entity.name, partition, 0);
      if (pending.size > 0) logger.info({ task: entry.task.id, partitionsLeft: pending.size }, 'state store restored; the task runs while the others restore');
      onRestored(entry.task);
    });
  } finally {
    clearInterval(ticker);
    metrics.recordRestoreRate(0);
    await reader.stop();
  }
  const done = report(false);
  logger.info({ records: done.records, ms: done.elapsedMs, recordsPerSecond: done.recordsPerSecond }, 'state stores restored');
}

function changelogId(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}
