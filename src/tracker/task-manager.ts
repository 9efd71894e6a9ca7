import { ErpDeltaError, isErpDeltaError } from '../errors/erp-delta-error.js';
import type { Logger } from '../logging/logger.js';
import { nextTaskState, pathToClosed, restoreStart, taskId, type ChangelogPosition, type TaskState } from './task-state.js';

export interface TopicPartition {
  topic: string;
  partition: number;
}

/** What the manager needs of a task (task.ts is the real one). */
export interface ManagedTask {
  readonly id: string;
  /** Waits for the work in its turn, then releases its producer and its store. */
  close(): Promise<void>;
}

/** What runs beside a running task (its refresh runner, its assignment re-check). */
export interface TaskHelpers {
  stop(): Promise<void>;
}

/**
 * The I/O of a task's lifecycle: opening a task, wiping its store, reading where its restore
 * starts, restoring it. Behind an interface so that the lifecycle runs in unit tests without a
 * broker (task-io.ts is the real one).
 */
export interface TaskIo<T extends ManagedTask> {
  /**
   * Opens a partition's task: its state store, then its transactional producer, which fences the
   * task's predecessor wherever it runs. Rejects with STORE_CORRUPT, leaving nothing open, when
   * the store's files cannot open. `tasksInProcess`: how many tasks the process will have with it.
   */
  openTask(partition: TopicPartition, tasksInProcess: number): Promise<T>;
  /** Deletes the files of a partition's store, which is closed. */
  wipeStore(partition: TopicPartition): Promise<void>;
  /** Per task, in the order given: its store's checkpoint and its changelog partition's end. */
  changelogPositions(tasks: readonly T[]): Promise<ChangelogPosition[]>;
  /**
   * Brings the tasks' stores up to their changelogs' ends, each from the offset given to the end
   * given, and hands each task to `onRestored` as soon as its own store has caught up (before the
   * others have): from then on the restore writes nothing more to its store.
   */
  restore(plans: ReadonlyArray<{ task: T; from: string; end: string }>, onRestored: (task: T) => void): Promise<void>;
}

export interface TaskManagerOptions<T extends ManagedTask, H extends TaskHelpers> {
  io: TaskIo<T>;
  logger: Logger;
  /** Starts the helpers of a task that has just started running; they are stopped when it is suspended. */
  startHelpers: (task: T) => H;
}

/** One task of this process, from its assignment here until it is closed. */
interface ManagedEntry<T, H> {
  readonly id: string;
  readonly partition: TopicPartition;
  state: TaskState;
  /** The task opening; rejected when its open failed. */
  opening: Promise<T>;
  task: T | undefined;
  helpers: H | undefined;
  /** Its helpers stopping, once it is suspended. */
  suspended: Promise<void> | undefined;
  closing: Promise<void> | undefined;
  /** Settles once the task runs, or will not (rejected): what a batch that found it restoring waits for. */
  running: Promise<T>;
  settleRunning: { resolve: (task: T) => void; reject: (error: unknown) => void };
}

/**
 * The one owner of the tasks' lifecycle (DESIGN "task"; Kafka Streams' TaskManager): which tasks
 * this process has, their states (task-state.ts), their open, restore, run, suspend and close, and
 * what becomes of a corrupted task: its store is wiped and restored from its changelog.
 *
 * Lifecycle changes (assignments, replacements, opens for a batch) happen one after the other;
 * a batch waits for those before it to finish (taskFor).
 */
export class TaskManager<T extends ManagedTask, H extends TaskHelpers> {
  private readonly entries = new Map<string, ManagedEntry<T, H>>();
  private turn: Promise<unknown> = Promise.resolve();
  /** Tasks in an open and restore that has not finished: the instance is not ready meanwhile. */
  private restoring = 0;
  /** Resolved (and replaced) whenever a task is added: what a batch waiting for its task looks at again. */
  private entryAdded = Promise.withResolvers<void>();

  constructor(private readonly options: TaskManagerOptions<T, H>) {}

  /**
   * This process's whole assignment (the consumer group's): tasks of partitions not in it are
   * suspended at once, so that they take no more work, then closed in turn; the others are opened
   * (or resumed, when suspended) and restored together.
   */
  assign(partitions: readonly TopicPartition[]): Promise<void> {
    const assigned = new Set(partitions.map(({ topic, partition }) => taskId(topic, partition)));
    for (const entry of this.entries.values()) {
      if (!assigned.has(entry.id) && isActive(entry.state)) void this.suspendEntry(entry);
    }
    return this.inTurn(async () => {
      for (const entry of [...this.entries.values()]) {
        if (assigned.has(entry.id)) continue;
        await this.closeEntry(entry);
        this.options.logger.info({ task: entry.id }, 'task closed: its partition moved away');
      }
      const resumed: Array<ManagedEntry<T, H>> = [];
      const missing: TopicPartition[] = [];
      for (const partition of partitions) {
        const entry = this.entries.get(taskId(partition.topic, partition.partition));
        const closing = entry?.closing;
        if (closing !== undefined) await closing.catch(() => undefined);
        if (entry === undefined || closing !== undefined) missing.push(partition);
        else if (entry.state === 'SUSPENDED') resumed.push(entry);
      }
      await this.openAndRestore(missing, resumed);
    });
  }

  /**
   * A partition's running task, for a batch: opened and restored first when there is none.
   * Undefined when its task is suspended (its partition is moving away) or was closed meanwhile.
   * A running task is handed out at once: a lifecycle change under way (another partition's
   * restore) does not hold up its batches, and one that takes its partition away suspends it first.
   */
  async taskFor(partition: TopicPartition): Promise<T | undefined> {
    const running = this.runningTask(partition);
    if (running) return running;
    const id = taskId(partition.topic, partition.partition);
    // The lifecycle changes queued before this batch (an assignment) may open its task; once it
    // is opening or restoring, what the batch waits for is that task running, not the rest of
    // those changes (the other tasks of its group, restored after it).
    const before = this.turn;
    let settled = false;
    void before.then(() => {
      settled = true;
    });
    for (;;) {
      const entry = this.entries.get(id);
      if (entry && isActive(entry.state)) return entry.running.catch(() => undefined);
      if (settled) break;
      await Promise.race([before, this.entryAdded.promise]);
    }
    if (!this.entries.has(id)) await this.inTurn(() => (this.entries.has(id) ? Promise.resolve() : this.openAndRestore([partition], [])));
    const entry = this.entries.get(id);
    if (!entry || !isActive(entry.state)) return undefined;
    return entry.running.catch(() => undefined);
  }

  /** A partition's task if it is running now; undefined if it is not (yet) or there is none. */
  runningTask(partition: TopicPartition): T | undefined {
    const entry = this.entries.get(taskId(partition.topic, partition.partition));
    return entry?.state === 'RUNNING' ? entry.task : undefined;
  }

  /** Stops a task taking work, its store and producer kept: an assignment that brings its partition back resumes it, one without it closes it. */
  suspend(partition: TopicPartition): Promise<void> {
    const entry = this.entries.get(taskId(partition.topic, partition.partition));
    if (!entry) return Promise.resolve();
    return isActive(entry.state) ? this.suspendEntry(entry) : (entry.suspended ?? Promise.resolve());
  }

  /**
   * After `task` failed a batch: it is closed when it is still its partition's task, so that the
   * next batch opens and restores a fresh one, whose producer fences whatever is left of this one.
   */
  async discard(task: T): Promise<void> {
    const entry = this.entries.get(task.id);
    if (entry?.task === task) await this.closeEntry(entry);
  }

  /**
   * A task whose helper failed (its producer fenced, Kafka gone) is closed and, if its partition
   * is still assigned here, opened and restored again.
   */
  replace(failed: T): Promise<void> {
    return this.inTurn(async () => {
      const entry = this.entries.get(failed.id);
      if (!entry || entry.task !== failed || !isActive(entry.state)) return;
      await this.closeEntry(entry);
      await this.openAndRestore([entry.partition], []);
    }).catch((error: unknown) => {
      this.options.logger.error({ task: failed.id, err: error }, 'reopening a failed task failed');
    });
  }

  /** Closes every task, after the lifecycle changes under way. */
  closeAll(): Promise<void> {
    return this.inTurn(async () => {
      for (const entry of [...this.entries.values()]) await this.closeEntry(entry);
    });
  }

  /** The running tasks and their helpers. */
  running(): Array<{ task: T; helpers: H }> {
    return [...this.entries.values()].flatMap((entry) => (entry.state === 'RUNNING' && entry.task && entry.helpers ? [{ task: entry.task, helpers: entry.helpers }] : []));
  }

  /** For readiness: tasks in an open and restore, and tasks opening, restoring or running. */
  counts(): { restoring: number; tasks: number } {
    let tasks = 0;
    for (const entry of this.entries.values()) if (isActive(entry.state)) tasks += 1;
    return { restoring: this.restoring, tasks };
  }

  /** The state of a partition's task; undefined once closed (or never here). */
  stateOf(partition: TopicPartition): TaskState | undefined {
    return this.entries.get(taskId(partition.topic, partition.partition))?.state;
  }

  /** Runs `work` after every lifecycle change queued before it; a failure does not block what comes after. */
  private inTurn<R>(work: () => Promise<R>): Promise<R> {
    const result = this.turn.then(work);
    this.turn = result.catch(() => undefined);
    return result;
  }

  private move(entry: ManagedEntry<T, H>, to: TaskState): void {
    const from = entry.state;
    entry.state = nextTaskState(entry.id, from, to);
    this.options.logger.debug({ task: entry.id, from, to }, 'task state');
  }

  /**
   * Opens tasks and restores their stores (and those of resumed tasks) together; each runs as
   * soon as its own store has caught up with its changelog, so that a small partition does not
   * wait for a large one.
   */
  private async openAndRestore(partitions: readonly TopicPartition[], resumed: ReadonlyArray<ManagedEntry<T, H>>): Promise<void> {
    if (partitions.length === 0 && resumed.length === 0) return;
    const { logger } = this.options;
    const tasksInProcess = new Set([...this.entries.keys(), ...partitions.map(({ topic, partition }) => taskId(topic, partition))]).size;
    const fresh = partitions.map((partition) => this.openEntry(partition, tasksInProcess));
    const group = [...fresh, ...resumed];
    // The group's tasks not yet restored (counted in `restoring`).
    const unrestored = new Set(group);
    this.restoring += group.length;
    const ready: string[] = [];
    const run = (entry: ManagedEntry<T, H>): void => {
      if (!unrestored.delete(entry)) return;
      this.restoring -= 1;
      // A task suspended meanwhile (its partition moved away) never runs: its close is queued.
      if (entry.state !== 'RESTORING' || !entry.task) return;
      this.move(entry, 'RUNNING');
      entry.helpers = this.options.startHelpers(entry.task);
      entry.settleRunning.resolve(entry.task);
      ready.push(entry.id);
    };
    try {
      await Promise.all(fresh.map((entry) => entry.opening));
      // A task suspended while it opened (its partition moved away) stays so: its close is queued.
      for (const entry of fresh) if (entry.state === 'CREATED') this.move(entry, 'RESTORING');
      for (const entry of resumed) this.move(entry, 'RESTORING');
      logger.debug({ tasks: group.map((entry) => entry.id) }, 'tasks opened (producers fenced their predecessors); restoring');
      await this.restore(
        group.filter((entry) => entry.state === 'RESTORING'),
        tasksInProcess,
        run,
      );
      for (const entry of group) run(entry);
      logger.info({ tasks: ready }, 'tasks ready');
    } catch (error) {
      // A task must never compare against a store that was not restored: forget the tasks not
      // restored yet, so that their next batch opens and restores them again (or fails and is
      // retried). Those restored already run on.
      for (const entry of group) {
        if (unrestored.has(entry) && this.entries.get(entry.id) === entry) await this.closeEntry(entry).catch(() => undefined);
      }
      throw error;
    } finally {
      this.restoring -= unrestored.size;
      unrestored.clear();
    }
  }

  private openEntry(partition: TopicPartition, tasksInProcess: number): ManagedEntry<T, H> {
    const { promise: running, resolve, reject } = Promise.withResolvers<T>();
    const settleRunning = { resolve, reject };
    // Nobody may be waiting for it: its rejection is no unhandled one.
    running.catch(() => undefined);
    const entry: ManagedEntry<T, H> = {
      id: taskId(partition.topic, partition.partition),
      partition,
      state: 'CREATED',
      opening: Promise.reject(new Error('not opened yet')),
      task: undefined,
      helpers: undefined,
      suspended: undefined,
      closing: undefined,
      running,
      settleRunning,
    };
    entry.opening.catch(() => undefined);
    entry.opening = this.openTask(entry, tasksInProcess).then((task) => {
      entry.task = task;
      return task;
    });
    // Its failure is the group's: openAndRestore awaits it.
    entry.opening.catch(() => undefined);
    this.entries.set(entry.id, entry);
    this.entryAdded.resolve();
    this.entryAdded = Promise.withResolvers<void>();
    this.options.logger.debug({ task: entry.id, to: 'CREATED' }, 'task state');
    return entry;
  }

  /** A corrupted store (b): one that cannot open is wiped, and the task opened on an empty store, which the restore then fills. */
  private async openTask(entry: ManagedEntry<T, H>, tasksInProcess: number): Promise<T> {
    const { io, logger } = this.options;
    try {
      return await io.openTask(entry.partition, tasksInProcess);
    } catch (error) {
      if (!isErpDeltaError(error, 'STORE_CORRUPT')) throw error;
      logger.warn({ task: entry.id, reason: error.message }, 'task corrupted: its state store cannot open; wiping the store and restoring it from the changelog');
      await io.wipeStore(entry.partition);
      return io.openTask(entry.partition, tasksInProcess);
    }
  }

  /**
   * Restores tasks from their changelogs. A corrupted store (a): its checkpoint is past its
   * changelog's end, so it holds deltas the changelog no longer has (the delta topic was deleted
   * and created again); the task is closed, its store wiped, and it is opened again and restored
   * from the changelog's start (Kafka Streams revives a corrupted task the same way).
   */
  private async restore(group: ReadonlyArray<ManagedEntry<T, H>>, tasksInProcess: number, run: (entry: ManagedEntry<T, H>) => void): Promise<void> {
    const { io, logger } = this.options;
    const restoring = group.flatMap((entry) => (entry.task ? [{ entry, task: entry.task }] : []));
    const positions = await io.changelogPositions(restoring.map(({ task }) => task));
    const plans: Array<{ task: T; from: string; end: string }> = [];
    for (const [index, { entry, task }] of restoring.entries()) {
      const position = positions[index];
      if (!position) throw new Error(`no changelog position came back for task ${task.id}`);
      const start = restoreStart(position);
      if (start.kind === 'from') plans.push({ task, from: start.offset, end: position.end });
      // Caught up already: it runs now, whatever the others have to read.
      if (start.kind === 'caught-up') run(entry);
      if (start.kind !== 'past-end' || entry.state !== 'RESTORING') continue;
      logger.warn(
        { task: entry.id, checkpoint: position.checkpoint, changelogEnd: position.end },
        "task corrupted: its state store's checkpoint is past its changelog's end (was the delta topic created again?); wiping the store and restoring it from the changelog",
      );
      const revived = await this.revive(entry, tasksInProcess);
      const fromStart = restoreStart({ checkpoint: '0', end: position.end });
      if (revived && fromStart.kind === 'from') plans.push({ task: revived, from: fromStart.offset, end: position.end });
      else if (revived) run(entry);
    }
    await io.restore(plans, (task) => {
      const entry = this.entries.get(task.id);
      if (entry?.task === task) run(entry);
    });
  }

  /**
   * Closes a corrupted task, wipes its store and opens it again, empty: RESTORING → SUSPENDED →
   * CLOSED → CREATED → RESTORING. Undefined when it was suspended meanwhile (then it is not restored now).
   */
  private async revive(entry: ManagedEntry<T, H>, tasksInProcess: number): Promise<T | undefined> {
    const { io } = this.options;
    this.move(entry, 'SUSPENDED');
    await entry.task?.close();
    entry.task = undefined;
    this.move(entry, 'CLOSED');
    await io.wipeStore(entry.partition);
    this.move(entry, 'CREATED');
    entry.opening = io.openTask(entry.partition, tasksInProcess);
    const task = await entry.opening;
    entry.task = task;
    if (entry.state !== 'CREATED') return undefined;
    this.move(entry, 'RESTORING');
    return task;
  }

  /** The task takes no more work; its helpers stop. Its store and producer stay open. */
  private suspendEntry(entry: ManagedEntry<T, H>): Promise<void> {
    this.move(entry, 'SUSPENDED');
    const helpers = entry.helpers;
    entry.helpers = undefined;
    entry.suspended = helpers ? helpers.stop() : Promise.resolve();
    return entry.suspended;
  }

  /** Suspends the task if it is not, then releases its producer and store; it is forgotten. */
  private closeEntry(entry: ManagedEntry<T, H>): Promise<void> {
    entry.closing ??= (async () => {
      try {
        for (const state of pathToClosed(entry.state)) {
          if (state === 'SUSPENDED') {
            await this.suspendEntry(entry);
            continue;
          }
          await entry.suspended;
          await (await entry.opening.catch(() => undefined))?.close();
          this.move(entry, 'CLOSED');
        }
      } finally {
        entry.settleRunning.reject(new ErpDeltaError('TASK_CLOSED', `Task ${entry.id} is closed: its partition moved away or it failed.`, { retriable: true }));
        if (this.entries.get(entry.id) === entry) this.entries.delete(entry.id);
      }
    })();
    return entry.closing;
  }
}

/** A task that takes work or is about to: created, restoring or running. */
function isActive(state: TaskState): boolean {
  return state === 'CREATED' || state === 'RESTORING' || state === 'RUNNING';
}
