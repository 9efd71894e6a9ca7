import { changelogPositions, restoreFromChangelogs } from './changelog-restore.js';
import { Task, taskStoreDir, type TaskContext } from './task.js';
import type { TaskIo } from './task-manager.js';
import type { TrackedEntity } from '../model/tracked-entity.js';

/** The task manager's I/O for real tasks: LevelDB stores, Kafka producers, changelog partitions. */
export function taskIo(context: TaskContext, entitiesByTopic: ReadonlyMap<string, TrackedEntity>): TaskIo<Task> {
  return {
    openTask: ({ topic, partition }, tasksInProcess) => {
      const entity = entitiesByTopic.get(topic);
      if (!entity) return Promise.reject(new Error(`no entity reads topic ${topic}`));
      return Task.open(entity, partition, context, tasksInProcess);
    },
    wipeStore: ({ topic, partition }) => context.stores.wipeStore(taskStoreDir(context.dataDir, topic, partition)),
    changelogPositions: (tasks) => changelogPositions(context.kafka, tasks),
    restore: (plans, onRestored) => restoreFromChangelogs(context.kafka, plans, context.codec, context.metrics, context.logger, onRestored),
  };
}
