import { setTimeout as sleep } from 'node:timers/promises';
import { ErpDeltaError, isErpDeltaError } from '../errors/erp-delta-error.js';
import type { KafkaAdmin, KafkaClients, KafkaRecord } from '../kafka/kafka-port.js';
import type { Logger } from '../logging/logger.js';
import type { TrackerMetrics } from '../metrics/tracker-metrics.js';
import type { DeltaSource } from '../model/delta.js';
import type { LoadedRecord } from '../model/loaded-record.js';
import type { TrackedEntity } from '../model/tracked-entity.js';
import type { TaskStore } from '../model/task-store.js';
import type { CompareWindow } from './compare-decision.js';
import { SnapshotReadCounter } from './compare-progress.js';
import { refreshGroupId, type RefreshControl } from './refresh-control.js';
import { replayRanges, type RefreshProgress, type RefreshRequest } from './refresh-record.js';
import type { LoaderLagGate } from './refresh-throttle.js';
import type { ReplayWindow } from './replay-decision.js';
import { RatePacer } from './refresh-throttle.js';

/** Replayed records per task turn: live batches of the partition wait for one page at most. */
const REPLAY_PAGE = 500;
const RECONCILE_PAGE = 1_000;
const PROGRESS_EVERY_MS = 1_000;
const RETRY_AFTER_MS = 5_000;

/**
 * What a refresh needs of a task (the tracker's Task is one), declared here so that refresh/ sees
 * a narrow view and not the tracker's runtime. Each page runs as one turn of the task, so it never
 * races the partition's live batches.
 */
export interface RefreshedTask {
  readonly id: string;
  readonly entity: Pick<TrackedEntity, 'name' | 'topic'>;
  readonly partition: number;
  readonly closed: boolean;
  readonly store: Pick<TaskStore, 'clearReplayState' | 'clearSeen' | 'compareMarks' | 'recordKeyPages' | 'recordPages'>;
  refreshPage(messages: readonly KafkaRecord[], refreshId: string, window: ReplayWindow, position: { groupId: string; offset: string } | undefined): Promise<{ emitted: number; failed: number }>;
  reconcilePage(nextRecords: () => Promise<readonly LoadedRecord[]>, refreshId: string, end: number): Promise<{ checked: number; deleted: number }>;
  markSeen(messages: readonly KafkaRecord[], compareId: string, markedTo: string, windowFrom: number): Promise<void>;
  startMarking(compareId: string): Promise<void>;
  stopMarking(): void;
  countSnapshotReads(counter: SnapshotReadCounter | undefined): void;
  sweepPage(nextKeys: () => Promise<readonly string[]>, window: CompareWindow): Promise<{ checked: number; deleted: number }>;
  truncatePage(nextKeys: () => Promise<readonly string[]>, truncate: DeltaSource): Promise<{ checked: number; deleted: number; unplaced: number }>;
}

export interface RefreshRunnerOptions {
  kafka: KafkaClients;
  admin: KafkaAdmin;
  control: RefreshControl;
  groupId: string;
  maxRecordsPerSecond: number;
  /** The loader lag gate of a refresh (its delta topics). */
  gateFor: (request: RefreshRequest) => LoaderLagGate;
  metrics: TrackerMetrics;
  logger: Logger;
}

/**
 * Runs the refresh of one task's partition (DESIGN "Refresh") when the refresh topic says one is
 * running for its entity: replays the CDC partition from its start to the end fixed in the
 * request, through the task (so it never races live changes), paced and paused as configured,
 * then reconciles, then reports the partition done. Its replay position is committed with its
 * deltas, so a task killed in the middle resumes where it stood.
 */
export class RefreshRunner {
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly stopListeners = new Set<() => void>();
  /** The running compare's count of this task's snapshot rows. */
  private reads: SnapshotReadCounter | undefined;

  constructor(
    readonly task: RefreshedTask,
    private readonly options: RefreshRunnerOptions,
  ) {}

  /** Looks at the board again: starts the replay if a refresh of this task's entity is running. */
  kick(): void {
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
    });
  }

  /** Stops the replay in progress (the task is closing); resolves once it has stopped. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const listener of this.stopListeners) listener();
    await this.running;
  }

  private pending(): RefreshRequest | undefined {
    const { task, options } = this;
    const request = options.control.board.running();
    if (!request?.entities.includes(task.entity.name)) return undefined;
    if (request.ends[task.entity.topic]?.[String(task.partition)] === undefined) return undefined;
    return options.control.board.progressOf(request.id, task.entity.topic, task.partition)?.done ? undefined : request;
  }

  private async drain(): Promise<void> {
    for (let request = this.pending(); request && !this.halted(); request = this.pending()) {
      try {
        await this.run(request);
        // The board learns of this task's "done" when the report has been read back.
        await this.options.control.caughtUp();
      } catch (error) {
        if (this.halted() || isErpDeltaError(error, 'TASK_CLOSED')) return;
        this.options.logger.error({ task: this.task.id, refresh: request.id, err: error }, 'refresh of a task failed; retrying');
        await sleep(RETRY_AFTER_MS);
      }
    }
  }

  private halted(): boolean {
    return this.stopped || this.task.closed;
  }

  private async run(request: RefreshRequest): Promise<void> {
    if (request.kind === 'compare') {
      await this.runCompare(request);
      return;
    }
    if (request.kind === 'truncate') {
      await this.runTruncate(request);
      return;
    }
    const { task, options } = this;
    const { topic, partition } = { topic: task.entity.topic, partition: task.partition };
    const start = request.starts[topic]?.[String(partition)] ?? 0;
    const end = request.ends[topic]?.[String(partition)] ?? 0;
    const groupId = refreshGroupId(options.groupId, request.id);
    const committed = (await options.admin.fetchOffsets({ groupId, topics: [topic] }))[0]?.partitions.find((entry) => entry.partition === partition)?.offset;
    const emitFrom = Math.max(start, Number(committed ?? -1));
    const pacer = new RatePacer(options.maxRecordsPerSecond / replayRanges(request).length);
    const gate = options.gateFor(request);
    // The replay's state of each key is re-derived from the partition's start on every (re)start.
    await task.store.clearReplayState();
    const progress: RefreshProgress = {
      id: request.id,
      groupId: request.groupId,
      topic,
      partition,
      replayed: Math.max(0, emitFrom - start),
      total: Math.max(0, end - start),
      emitted: 0,
      reconciled: 0,
      startedAtMs: Date.now(),
      updatedAtMs: Date.now(),
      done: false,
    };
    let reportedAtMs = 0;
    const report = async (force = false): Promise<void> => {
      if (!force && Date.now() - reportedAtMs < PROGRESS_EVERY_MS) return;
      reportedAtMs = Date.now();
      options.metrics.recordRefreshProgress(task.entity.name, partition, progress.done || progress.total === 0 ? 1 : progress.replayed / progress.total);
      await options.control.reportProgress({ ...progress, updatedAtMs: reportedAtMs });
    };
    options.logger.info({ refresh: request.id, task: task.id, from: emitFrom, end, resumed: emitFrom > start }, 'refresh of a task started');
    await report(true);

    if (end > start) {
      const reader = await options.kafka.readPartitions({
        groupPrefix: 'erp-delta-refresh-replay',
        partitions: [{ topic, partition }],
        onBatch: async ({ messages, heartbeat }) => {
          if (this.halted()) return;
          const inRange = messages.filter((message) => Number(message.offset) < end);
          const size = pacer.pageSize(REPLAY_PAGE);
          for (let index = 0; index < inRange.length; index += size) {
            const page = inRange.slice(index, index + size);
            if (this.halted()) return;
            await this.replayPage(page, { refreshId: request.id, emitFrom, end, groupId, pacer, gate, heartbeat, progress });
            progress.replayed = Math.max(progress.replayed, Number((page.at(-1) as KafkaRecord).offset) + 1 - start);
            await report();
          }
        },
      });
      try {
        await this.unlessStopped(reader.caughtUp());
      } finally {
        await reader.stop();
      }
    }
    progress.replayed = progress.total;
    progress.reconcileChecked = 0;
    await report(true);

    const pages = { iterator: undefined as ReturnType<RefreshedTask['store']['recordPages']> | undefined };
    try {
      for (;;) {
        const result = await task.reconcilePage(
          async () => {
            pages.iterator ??= task.store.recordPages();
            return pages.iterator.next(RECONCILE_PAGE);
          },
          request.id,
          end,
        );
        if (result.checked === 0) break;
        progress.reconciled += result.deleted;
        // At 3,000,000 keys a task's reconcile took about a minute, which without this looked
        // like a refresh stuck just short of its end.
        progress.reconcileChecked = (progress.reconcileChecked ?? 0) + result.checked;
        await report();
      }
    } finally {
      await pages.iterator?.close().catch(() => undefined);
    }
    await task.store.clearReplayState();
    progress.done = true;
    await report(true);
    options.logger.info({ refresh: request.id, task: task.id, emitted: progress.emitted, reconciled: progress.reconciled, ms: Date.now() - progress.startedAtMs }, 'refresh of a task done');
  }

  /**
   * A full compare of this task's partition (DESIGN "Full compare"). Debezium's incremental
   * snapshot sends the table's rows, which the live path compares as they come (a row that
   * differs goes out as a CHANGE, an unchanged one emits nothing). Here: once Debezium said the
   * snapshot of the table is through, and the task has processed the partition up to where it
   * ended then, mark every key the compare's window holds (in the store, never in memory), then
   * delete (RECONCILE) the loaded keys it did not hold. Both steps resume after a crash: the marks
   * and how far they got are in the store, and the sweep only deletes what is still loaded.
   */
  private async runCompare(request: RefreshRequest): Promise<void> {
    const { task, options } = this;
    const { topic, partition } = { topic: task.entity.topic, partition: task.partition };
    const from = request.starts[topic]?.[String(partition)] ?? 0;
    // A task resumed (after a crash, or moved here) counts on from what it last reported; a retry
    // in the same task keeps its own count.
    const before = options.control.board.progressOf(request.id, topic, partition);
    const reads =
      this.reads?.compareId === request.id
        ? this.reads
        : new SnapshotReadCounter(request.id, from, before && { compared: before.compared ?? 0, changed: before.changed ?? 0, firstAtMs: before.comparedSinceMs });
    this.reads = reads;
    const progress: RefreshProgress = {
      id: request.id,
      groupId: request.groupId,
      topic,
      partition,
      replayed: 0,
      total: 0,
      emitted: 0,
      reconciled: 0,
      startedAtMs: before?.startedAtMs ?? Date.now(),
      updatedAtMs: Date.now(),
      done: false,
    };
    let reportedAtMs = 0;
    let reported = '';
    const report = async (force = true): Promise<void> => {
      const counts = `${reads.compared} ${reads.changed} ${progress.replayed} ${progress.reconciled}`;
      // A task whose table is not being read yet (Debezium reads one table after the other) has nothing new to say.
      if (!force && (Date.now() - reportedAtMs < PROGRESS_EVERY_MS || counts === reported)) return;
      reportedAtMs = Date.now();
      reported = counts;
      Object.assign(progress, { compared: reads.compared, changed: reads.changed, comparedSinceMs: reads.firstAtMs });
      options.metrics.recordRefreshProgress(task.entity.name, partition, progress.done ? 1 : progress.total === 0 ? 0 : progress.replayed / progress.total);
      await options.control.reportProgress({ ...progress, updatedAtMs: reportedAtMs });
    };
    task.countSnapshotReads(reads);
    try {
      await this.compareWindow(request, { from, progress, report, reads });
    } finally {
      task.countSnapshotReads(undefined);
    }
  }

  /** The compare of this task's window, once the snapshot of its table is through: marks, then the sweep. */
  private async compareWindow(request: RefreshRequest, run: { from: number; progress: RefreshProgress; report: (force?: boolean) => Promise<void>; reads: SnapshotReadCounter }): Promise<void> {
    const { task, options } = this;
    const { topic, partition } = { topic: task.entity.topic, partition: task.partition };
    const { from, progress, report } = run;
    // While the snapshot runs, its rows compared so far are reported every second or so.
    const end = await this.until(
      () => options.control.board.snapshotEndOf(request.id, topic),
      () => report(false),
    );
    if (end.incomplete !== undefined) {
      options.logger.error(
        { refresh: request.id, task: task.id, snapshot: end.incomplete },
        'the snapshot did not read the whole table: the compare deletes nothing (run it again once the cause is fixed)',
      );
      progress.done = true;
      await report();
      return;
    }
    const windowEnd = end.ends[String(partition)] ?? from;
    progress.total = Math.max(0, windowEnd - from);
    await report();
    // The snapshot's rows are compared by the live path: the marks and the sweep come after them.
    await this.until(
      async () => (await this.processedOffset()) >= windowEnd || undefined,
      () => report(false),
    );
    // A snapshot row can reach its partition after Debezium's notification (Connect's producer
    // sends partitions apart), so the marks cover everything the task has processed, not only the
    // window: records up to where it stands now are read back, and records it processes from now
    // on mark themselves, until the sweep is done.
    try {
      await task.startMarking(request.id);
      await this.compareTask(request, { from, windowEnd, progress, report, reads: run.reads });
    } finally {
      task.stopMarking();
    }
  }

  private async compareTask(
    request: RefreshRequest,
    run: { from: number; windowEnd: number; progress: RefreshProgress; report: (force?: boolean) => Promise<void>; reads: SnapshotReadCounter },
  ): Promise<void> {
    const { task, options } = this;
    const { topic, partition } = { topic: task.entity.topic, partition: task.partition };
    const { from, progress, report } = run;
    const readTo = Math.max(run.windowEnd, await this.processedOffset());
    const marks = await task.store.compareMarks();
    let markedTo = marks?.id === request.id && marks.markedTo !== undefined ? Number(marks.markedTo) : from;
    options.logger.info({ refresh: request.id, task: task.id, from, to: readTo, resumedAt: markedTo > from ? markedTo : undefined }, 'full compare of a task: marking the keys of its window');
    if (markedTo < readTo) {
      const reader = await options.kafka.readPartitions({
        groupPrefix: 'erp-delta-compare-marks',
        partitions: [{ topic, partition, from: String(markedTo) }],
        onBatch: async ({ messages, heartbeat }) => {
          const page = messages.filter((message) => Number(message.offset) < readTo);
          if (page.length === 0 || this.halted()) return;
          markedTo = Number((page.at(-1) as KafkaRecord).offset) + 1;
          await task.markSeen(page, request.id, String(markedTo), from);
          progress.replayed = markedTo - from;
          await heartbeat();
        },
      });
      try {
        // Caught up, the reader has passed readTo (the partition's end is beyond it).
        await this.unlessStopped(reader.caughtUp());
      } finally {
        await reader.stop();
      }
    }
    progress.replayed = progress.total;
    const counted = (await task.store.compareMarks())?.snapshotRows;
    if (counted !== undefined) run.reads.settle(counted);
    await report();

    const pacer = new RatePacer(options.maxRecordsPerSecond / Math.max(1, replayRanges(request).length));
    const gate = options.gateFor(request);
    const window = { id: request.id, topic, partition, from };
    const keys = task.store.recordKeyPages();
    try {
      for (;;) {
        if (this.halted()) throw new ErpDeltaError('TASK_CLOSED', `The compare of task ${task.id} stopped: the task is closing.`, { retriable: true });
        await gate.open(
          () => this.halted(),
          async () => undefined,
        );
        const result = await task.sweepPage(() => keys.next(RECONCILE_PAGE), window);
        if (result.checked === 0) break;
        progress.reconciled += result.deleted;
        await report(false);
        await pacer.take(result.deleted);
      }
    } finally {
      await keys.close().catch(() => undefined);
    }
    await task.store.clearSeen();
    progress.done = true;
    await report();
    options.logger.info({ refresh: request.id, task: task.id, deleted: progress.reconciled, ms: Date.now() - progress.startedAtMs }, 'full compare of a task done');
  }

  /**
   * A truncate event's sweep of this task's partition (RefreshKind `truncate`): once the task has
   * processed what its partition held when the sweep began (a row inserted before the truncate
   * may reach this partition later than the truncate reached its own), delete (RECONCILE) every
   * key loaded from before the truncate. Running it again deletes nothing twice: what it deleted
   * is no longer loaded.
   */
  private async runTruncate(request: RefreshRequest): Promise<void> {
    const { task, options } = this;
    const { topic, partition } = { topic: task.entity.topic, partition: task.partition };
    const truncate = request.truncate;
    const progress: RefreshProgress = {
      id: request.id,
      groupId: request.groupId,
      topic,
      partition,
      replayed: 0,
      total: 0,
      emitted: 0,
      reconciled: 0,
      startedAtMs: Date.now(),
      updatedAtMs: Date.now(),
      done: false,
    };
    if (truncate !== undefined) {
      const end = Number((await options.admin.fetchTopicOffsets(topic)).find((entry) => entry.partition === partition)?.high ?? 0);
      await this.until(async () => (await this.processedOffset()) >= end || undefined);
      const keys = task.store.recordKeyPages();
      let unplaced = 0;
      try {
        for (;;) {
          if (this.halted()) throw new ErpDeltaError('TASK_CLOSED', `The truncate sweep of task ${task.id} stopped: the task is closing.`, { retriable: true });
          const result = await task.truncatePage(() => keys.next(RECONCILE_PAGE), truncate);
          if (result.checked === 0) break;
          progress.replayed += result.checked;
          progress.reconciled += result.deleted;
          unplaced += result.unplaced;
        }
      } finally {
        await keys.close().catch(() => undefined);
      }
      if (unplaced > 0)
        options.logger.warn(
          { refresh: request.id, task: task.id, keys: unplaced },
          'truncate: keys whose source position cannot be placed against the truncate are kept; the next full compare settles them',
        );
    }
    progress.done = true;
    await options.control.reportProgress({ ...progress, updatedAtMs: Date.now() });
    options.logger.info({ refresh: request.id, task: task.id, deleted: progress.reconciled, ms: Date.now() - progress.startedAtMs }, 'truncate sweep of a task done');
  }

  /**
   * The offset up to which the tracker's group has processed this task's partition. A partition
   * the group never committed (no record of the table hashed to it yet) counts as processed up
   * to its log start: waiting for a commit there would wait for a row that may never come.
   */
  private async processedOffset(): Promise<number> {
    const { task, options } = this;
    const offsets = await options.admin.fetchOffsets({ groupId: options.groupId, topics: [task.entity.topic] });
    const committed = Number(offsets[0]?.partitions.find((entry) => entry.partition === task.partition)?.offset ?? -1);
    if (committed >= 0) return committed;
    const ends = await options.admin.fetchTopicOffsets(task.entity.topic);
    return Number(ends.find((entry) => entry.partition === task.partition)?.low ?? 0);
  }

  /** `work`, or TASK_CLOSED as soon as the task closes first. */
  private async unlessStopped<T>(work: Promise<T>): Promise<T> {
    let onStop: (() => void) | undefined;
    try {
      return await Promise.race([
        work,
        new Promise<never>((_, reject) => {
          onStop = () => reject(new ErpDeltaError('TASK_CLOSED', `The refresh of task ${this.task.id} stopped: the task is closing.`, { retriable: true }));
          this.stopListeners.add(onStop);
          if (this.halted()) onStop();
        }),
      ]);
    } finally {
      if (onStop) this.stopListeners.delete(onStop);
    }
  }

  /** Polls `check` until it gives a value, calling `tick` between polls; TASK_CLOSED when the task closes first. */
  private async until<T>(check: () => T | undefined | Promise<T | undefined>, tick?: () => Promise<void>): Promise<T> {
    for (;;) {
      if (this.halted()) throw new ErpDeltaError('TASK_CLOSED', `The refresh of task ${this.task.id} stopped: the task is closing.`, { retriable: true });
      const value = await check();
      if (value !== undefined) return value;
      await tick?.();
      await sleep(250);
    }
  }

  private async replayPage(
    page: readonly KafkaRecord[],
    run: {
      refreshId: string;
      emitFrom: number;
      end: number;
      groupId: string;
      pacer: RatePacer;
      gate: LoaderLagGate;
      heartbeat: () => Promise<void>;
      progress: RefreshProgress;
    },
  ): Promise<void> {
    const last = Number((page.at(-1) as KafkaRecord).offset);
    const toEmit = page.filter((message) => Number(message.offset) >= run.emitFrom).length;
    if (toEmit > 0) {
      await run.gate.open(() => this.halted(), run.heartbeat);
      await run.pacer.take(toEmit);
      await run.heartbeat();
    }
    const position = last + 1 > run.emitFrom ? { groupId: run.groupId, offset: String(last + 1) } : undefined;
    const result = await this.task.refreshPage(page, run.refreshId, { emitFrom: run.emitFrom, end: run.end }, position);
    run.progress.emitted += result.emitted;
  }
}
