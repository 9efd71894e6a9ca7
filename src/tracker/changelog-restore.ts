import type { KafkaClients } from '../kafka/kafka-port.js';
import type { Logger } from '../logging/logger.js';
import type { TrackerMetrics } from '../metrics/tracker-metrics.js';
import { loadedStateOf, type DeletedRecord, type LoadedRecord } from '../model/loaded-record.js';
import type { DeltaCodec } from './delta-codec.js';
import type { Task } from './task.js';
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

/**
 * Brings the state stores of newly assigned tasks up to the end of their changelog partitions,
 * each from the offset given, before they process anything (DESIGN guarantee 3: state is a cache).
 *
 * The changelog partitions are read by a PartitionReader (a consumer group of its own, since
 * kafkajs has no manual assignment).
 */
export async function restoreFromChangelogs(kafka: KafkaClients, plans: ReadonlyArray<{ task: Task; from: string }>, codec: DeltaCodec, metrics: TrackerMetrics, logger: Logger): Promise<void> {
  const pending = new Map(plans.map(({ task, from }) => [changelogId(task.entity.deltaTopic, task.partition), { task, from }]));
  if (pending.size === 0) return;

  const started = Date.now();
  logger.info({ partitions: [...pending.keys()] }, 'restoring state stores from their changelogs');
  let restored = 0;
  // Per changelog partition, the key of a DELETE delta just read: the tombstone written right after
  // it (task.ts) must not forget where the key was deleted (loaded-record.ts, DeletedRecord).
  const deletedJustBefore = new Map<string, string | undefined>();
  const reader = await kafka.readPartitions({
    groupPrefix: 'erp-delta-restore',
    partitions: [...pending.values()].map(({ task, from }) => ({ topic: task.entity.deltaTopic, partition: task.partition, from })),
    onBatch: async ({ topic, partition, messages, nextOffset }) => {
      const entry = pending.get(changelogId(topic, partition));
      if (!entry) return;
      const id = changelogId(topic, partition);
      const put = new Map<string, LoadedRecord | DeletedRecord | undefined>();
      let applied = 0;
      for (const message of messages) {
        if (!message.key) continue;
        applied += 1;
        const key = message.key.toString();
        const deletedBefore = deletedJustBefore.get(id) === key;
        deletedJustBefore.set(id, undefined);
        if (message.value === null) {
          // A tombstone alone: its DELETE delta was compacted away, and with it where the key was deleted.
          if (!deletedBefore) put.set(key, undefined);
          continue;
        }
        const state = loadedStateOf(await codec.decode(message.value));
        put.set(key, state);
        if ('deleted' in state) deletedJustBefore.set(id, key);
      }
      const states = [...put.values()].filter((state) => state !== undefined);
      const forgotten = [...put.entries()].filter(([, state]) => state === undefined).map(([key]) => key);
      await entry.task.store.write({ put: states, delete: forgotten, changelogNextOffset: nextOffset });
      restored += applied;
      metrics.recordRestored(entry.task.entity.name, applied);
    },
  });
  try {
    await reader.caughtUp();
  } finally {
    await reader.stop();
  }
  logger.info({ records: restored, ms: Date.now() - started }, 'state stores restored');
}

function changelogId(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}
