import { join } from 'node:path';
import type { AssignmentJoin } from '../assignment/assigned-user.js';
import { reassignmentDeltas } from '../assignment/reassign.js';
import { ErpDeltaError, isErpDeltaError } from '../errors/erp-delta-error.js';
import type { KafkaClients, KafkaRecord, OutgoingRecord, TransactionalProducer } from '../kafka/kafka-port.js';
import type { Logger } from '../logging/logger.js';
import type { TrackerMetrics } from '../metrics/tracker-metrics.js';
import type { SourceEpochs } from '../model/source-epoch.js';
import type { PositionReport } from './position-report.js';
import { decideReconcile, decideReplay, type ReplayState, type ReplayWindow } from '../refresh/replay-decision.js';
import { decideSweep, decideTruncateSweep, type CompareWindow } from '../refresh/compare-decision.js';
import { countSnapshotReads, type SnapshotReadCounter } from '../refresh/compare-progress.js';
import { type ColumnSightings, NO_SIGHTINGS } from '../model/column-sightings.js';
import { decideBatch, findCaptureRestart, type PreviousRecord } from './batch-decision.js';
import { keyRecords, rowKeyOf, type DecodedRecord, type KeyedRecord } from '../model/keyed-record.js';
import type { Delta, DeltaSource } from '../model/delta.js';
import type { DeltaCodec } from './delta-codec.js';
import type { TaskStore } from '../model/task-store.js';
import type { RecordDecoder, TrackerParts } from './tracker-parts.js';
import { deadLetter, sourceOffsetOf } from '../dead-letters/dead-letter.js';
import { loadedStateOf, type DeletedRecord, type LoadedRecord, type LoadedState } from '../model/loaded-record.js';
import type { TrackedEntity } from '../model/tracked-entity.js';
import { taskId } from './task-state.js';
import { trailingTransactionCut, type BatchBounds, type HeldBack, type TransactionCut } from './transaction-cut.js';

/**
 * A send to one partition is written as one record batch, and the broker refuses a batch
 * over message.max.bytes (1 MiB by default): a big fetched batch of first loads must be split.
 */
const MAX_SEND_BYTES = 512 * 1024;

function* chunksUnderBytes(messages: readonly OutgoingRecord[], maxBytes: number): Generator<OutgoingRecord[]> {
  let chunk: OutgoingRecord[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = (message.value as Buffer | null)?.length ?? 0;
    if (chunk.length > 0 && bytes + size > maxBytes) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(message);
    bytes += size + 64;
  }
  if (chunk.length > 0) yield chunk;
}

/** Where a task keeps its state store. */
export function taskStoreDir(dataDir: string, topic: string, partition: number): string {
  return join(dataDir, 'tasks', taskId(topic, partition));
}

export interface TaskContext {
  kafka: KafkaClients;
  groupId: string;
  dataDir: string;
  /** Where the task's store comes from, and goes when it is wiped (state/, through cli/). */
  stores: Pick<TrackerParts, 'openStore' | 'wipeStore'>;
  dlqTopic: string;
  codec: DeltaCodec;
  decoder: RecordDecoder;
  metrics: TrackerMetrics;
  logger: Logger;
  /** The assignment join, for the tasks of the entity it applies to. */
  assignment?: { entity: string; join: AssignmentJoin } | undefined;
  /** Each entity's source epoch now (DESIGN "source epoch"). */
  epochs: SourceEpochs;
  /** Reports what a batch found out of order or without a source position (position-report.ts). */
  positions: PositionReport;
  /** Whether a CDC partition holds records before `offset` written after `timestampMs` (Kafka timestamps). */
  newerRecordsBefore: (topic: string, partition: number, offset: string, timestampMs: number) => Promise<boolean>;
  /** A CDC partition's first offset. */
  partitionStart: (topic: string, partition: number) => Promise<string>;
  /**
   * The refresh topic's record that has every task of the entity delete what it loaded from before
   * a truncate event (refresh-runner.ts): committed with the batch that read the event.
   */
  truncateRequest: (entity: TrackedEntity, truncate: DeltaSource) => Promise<{ topic: string; message: OutgoingRecord }>;
}

/** What a processed batch asks of the consumer: where to go on from. */
export interface BatchOutcome {
  /** The input offset after what was decided. */
  nextOffset: string;
  /** A capture restart was found: read the partition again from this offset, its start (findCaptureRestart). */
  readFrom?: string | undefined;
  /**
   * The source transaction at the end of the partition was left for more of its records (from
   * nextOffset on): fetch again after this long, whether they came or not.
   */
  lingerMs?: number | undefined;
}

/**
 * The unit of work for one input partition (DESIGN "task"): it alone owns the loaded records of
 * that partition's keys, in its own state store, and writes its deltas to the same partition of
 * the entity's delta topic, which is therefore its changelog.
 *
 * Its transactional producer's id is derived from the input partition, so that a task started
 * elsewhere after a rebalance fences this one (Kafka aborts a zombie's open transaction), which is
 * how exactly-once holds with kafkajs's pre-KIP-447 transactional offset commit.
 */
export class Task {
  readonly id: string;
  /** The assignment join, when this task's entity is the one joined with the assignment mapping. */
  readonly join: AssignmentJoin | undefined;
  private closing: Promise<void> | undefined;
  /** Batches and re-checks run one at a time: each reads the store as the one before left it. */
  private turn: Promise<unknown> = Promise.resolve();
  /** The last record processed and the offset after it: a tombstone there belongs to it when it was a delete. */
  private previous: { record: PreviousRecord; nextOffset: string; timestamp: string } | undefined;
  /** A source transaction left to the next batch, and where the batch that left it ended. */
  private heldBack: HeldBack | undefined;
  /** Fields whose missing column this task has warned about: once each, not once a batch. */
  private readonly absentColumnsWarned = new Set<string>();
  /**
   * The full compare whose sweep is coming: every record processed meanwhile marks its key seen,
   * so that a row the live path took (and found unchanged) after the compare's marking read began
   * is not swept (refresh-runner.ts).
   */
  private markingFor: string | undefined;
  /** The running full compare's count of the snapshot rows this task compares (refresh-runner.ts reports it). */
  private snapshotReads: SnapshotReadCounter | undefined;
  /** Where the partition's rows first had each tracked column (column-sightings.ts), as stored. */
  private columnsSeen: ColumnSightings = NO_SIGHTINGS;

  private constructor(
    readonly entity: TrackedEntity,
    readonly partition: number,
    readonly store: TaskStore,
    private readonly producer: TransactionalProducer,
    private readonly context: TaskContext,
  ) {
    this.id = taskId(entity.topic, partition);
    this.join = joinOf(entity, context);
  }

  /** `tasksInProcess`: how many tasks this process has with this one, which share a memory budget. */
  static async open(entity: TrackedEntity, partition: number, context: TaskContext, tasksInProcess: number): Promise<Task> {
    const assignmentJoin = joinOf(entity, context);
    const store = await context.stores.openStore(taskStoreDir(context.dataDir, entity.topic, partition), {
      repIndex: assignmentJoin && { repField: assignmentJoin.repField, userField: assignmentJoin.field },
      tasksInProcess,
    });
    let producer: TransactionalProducer;
    try {
      // Fences a zombie of this task and settles its open transaction: before the restore reads the changelog's end.
      producer = await context.kafka.transactionalProducer(`${context.groupId}-${entity.topic}-${partition}`);
    } catch (error) {
      await store.close();
      throw error;
    }
    const task = new Task(entity, partition, store, producer, context);
    const lastInput = await store.lastInput();
    if (lastInput) {
      const { key, op, initialSnapshot, snapshotPosition, nextOffset, timestamp } = lastInput;
      task.previous = { record: { key, op, initialSnapshot, snapshotPosition }, nextOffset, timestamp };
    }
    task.columnsSeen = await store.columnsSeen();
    return task;
  }

  /** The offset of the next changelog record the store has not seen (0 for an empty store). */
  async changelogNextOffset(): Promise<string> {
    return (await this.store.changelogNextOffset()) ?? '0';
  }

  /**
   * Processes one fetched batch: decide, then commit deltas, dead letters and the input offset in
   * one Kafka transaction, and only then write the store (DESIGN guarantee 1: state is written
   * after the delta is acknowledged). Returns the next input offset to resume from: the batch's
   * end, or the start of a source transaction it left to the next batch (trailingTransaction).
   */
  processBatch(messages: readonly KafkaRecord[], bounds: BatchBounds = { moreAvailable: false }): Promise<BatchOutcome> {
    return this.inTurn(() => this.decideAndCommit(messages, bounds));
  }

  private async decideAndCommit(fetched: readonly KafkaRecord[], bounds: BatchBounds): Promise<BatchOutcome> {
    const { entity, partition, context } = this;
    const first = fetched[0];
    if (!first) throw new Error('processBatch needs at least one message');
    const { keyed: fetchedKeyed, loadedBefore } = await this.readBatch(fetched);
    const restart = await this.captureRestart(fetched, fetchedKeyed);
    const held = restart ? undefined : this.trailingTransaction(fetched, fetchedKeyed, bounds);
    const cut = restart?.index ?? held?.start;
    const messages = cut === undefined ? fetched : fetched.slice(0, cut);
    const keyed = cut === undefined ? fetchedKeyed : fetchedKeyed.slice(0, cut);
    const last = messages.at(-1);
    if (!last && held) return { nextOffset: first.offset, lingerMs: held.lingerMs };
    if (!last) {
      // Nothing before the restart: only the partition's position moves back to its start.
      await this.commitTransaction([], [], { groupId: context.groupId, offset: (restart as CaptureRestart).readFrom });
      return { nextOffset: first.offset, readFrom: restart?.readFrom };
    }
    const decision = decideBatch(entity, keyed, loadedBefore, {
      emittedAtMs: Date.now(),
      epoch: context.epochs.epochOf(entity.name),
      previous: this.previousFor(messages),
      join: this.join,
      columnsSeen: this.columnsSeen,
    });
    const columnsSeen = decision.columnsSighted && new Map([...this.columnsSeen, ...decision.columnsSighted]);
    const previous = new Map<string, LoadedState>();
    for (const key of decision.loadedAfter.keys()) previous.set(key, loadedBefore.get(key));
    const nextOffset = String(Number(last.offset) + 1);
    const deadLetters = decision.deadLetters.map(({ record, error }) => deadLetter(entity.name, record.position, record.raw, error));
    // After a capture restart the partition is read again from its start: that position commits
    // with the records before the restart, so a crash cannot lose it.
    const truncates = await Promise.all(decision.truncates.map((truncate) => context.truncateRequest(entity, truncate)));
    const changelogNextOffset = await this.commitTransaction(this.deltaMessages(decision.deltas), deadLetters, { groupId: context.groupId, offset: restart?.readFrom ?? nextOffset }, truncates);
    await this.store.write({
      put: [...decision.loadedAfter.values()],
      delete: [],
      changelogNextOffset,
      previous,
      lastInput: decision.last && { ...decision.last, initialSnapshot: decision.last.initialSnapshot === true, nextOffset, timestamp: last.timestamp },
      columnsSeen,
    });
    if (columnsSeen) this.columnsSeen = columnsSeen;
    if (this.markingFor !== undefined)
      await this.store.markSeen(
        this.markingFor,
        keyed.flatMap((record) => rowKeyOf(record) ?? []),
      );
    this.snapshotReads?.add(keyed, decision.deltas, Date.now());
    this.previous = decision.last && { record: decision.last, nextOffset, timestamp: last.timestamp };

    context.metrics.recordBatch(entity.name, {
      seen: messages.length,
      suppressed: decision.suppressed + decision.superseded,
      deadLettered: decision.deadLetters.length,
      emitted: decision.deltas,
    });
    context.positions.report(entity, partition, decision);
    let newestSourceChange = 0;
    for (const record of keyed) if (record.kind === 'change' && record.change.sourceTsMs > newestSourceChange) newestSourceChange = record.change.sourceTsMs;
    if (newestSourceChange > 0) context.metrics.recordSourceChange(entity.name, newestSourceChange);
    for (const { record, error } of decision.deadLetters) {
      context.logger.warn({ entity: entity.name, topic: record.position.topic, partition, offset: record.position.offset, code: error.code, reason: error.message }, 'record dead-lettered');
    }
    for (const truncate of decision.truncates) {
      context.logger.warn(
        { entity: entity.name, topic: truncate.topic, partition, offset: truncate.offset, position: truncate.position },
        'the ERP truncated the table: every task of the entity deletes (RECONCILE) the keys it loaded from before it',
      );
    }
    if (decision.absentColumns) this.reportAbsentColumns(decision.absentColumns);
    if (decision.unknownFieldRecords > 0) {
      context.logger.warn({ entity: entity.name, partition, records: decision.unknownFieldRecords }, 'unchanged TOASTed columns with no loaded value: sent as null');
    }
    return { nextOffset, readFrom: restart?.readFrom, lingerMs: held?.lingerMs };
  }

  /**
   * A row without a tracked field's column is not bad input (DESIGN guarantee 8): most often the
   * record was written before the column was added to the ERP table. But a column the table never
   * had (a typo in the config) looks the same, and would leave the field null for ever, so it is
   * said once per field and counted.
   */
  private reportAbsentColumns(recordsPerField: ReadonlyMap<string, number>): void {
    this.context.metrics.recordAbsentColumns(this.entity.name, recordsPerField);
    for (const [field, records] of recordsPerField) {
      if (this.absentColumnsWarned.has(field)) continue;
      this.absentColumnsWarned.add(field);
      const column = this.entity.fields.find((tracked) => tracked.name === field)?.column;
      this.context.logger.warn(
        { entity: this.entity.name, partition: this.partition, field, column, records },
        "CDC records without a tracked field's column: written before the column was added to the table, they keep the loaded value (null for a key not loaded yet). If the table has no such column, fix the field's column in the config. Counted in erp_delta_columns_absent_total",
      );
    }
  }

  /**
   * A capture restart whose records before it the task has not read (findCaptureRestart): the
   * partition holds records before it that are newer than the last one the task read, which
   * happens when the topic was created again and the task went on at its old offset. Then the
   * partition is read again from its start; on the way, the restart's record follows the new
   * snapshot's records before it, and is no restart any more. A new snapshot appended after what
   * the task read needs nothing: it is read in order.
   */
  private async captureRestart(messages: readonly KafkaRecord[], keyed: readonly KeyedRecord[]): Promise<CaptureRestart | undefined> {
    const index = findCaptureRestart(keyed, this.previousFor(messages));
    if (index === undefined) return undefined;
    const restart = messages[index] as KafkaRecord;
    const lastRead = index > 0 ? (messages[index - 1] as KafkaRecord).timestamp : (this.previous?.timestamp ?? '0');
    const { topic } = this.entity;
    const missed = await this.context.newerRecordsBefore(topic, this.partition, restart.offset, Number(lastRead));
    this.context.logger.warn(
      { entity: this.entity.name, task: this.id, offset: restart.offset, readAgain: missed },
      missed
        ? 'a new initial snapshot (a capture reset) starts in the middle of the CDC partition, which was created again: reading it again from its start; what was applied is skipped by source position'
        : 'a new initial snapshot (a capture reset) follows what the task read: reading it in order',
    );
    return missed ? { index, readFrom: await this.context.partitionStart(topic, this.partition) } : undefined;
  }

  /** Where to cut the batch so that the source transaction at its end is decided whole (transaction-cut.ts). */
  private trailingTransaction(messages: readonly KafkaRecord[], keyed: readonly KeyedRecord[], bounds: BatchBounds): TransactionCut | undefined {
    const cut = trailingTransactionCut(messages, keyed, bounds, this.heldBack);
    if (cut) this.heldBack = cut.heldBack;
    return cut;
  }

  /** The record before this batch's first, when the task (or its store) knows it. */
  private previousFor(messages: readonly KafkaRecord[]): PreviousRecord | undefined {
    const { previous } = this;
    return previous !== undefined && previous.nextOffset === messages[0]?.offset ? previous.record : undefined;
  }

  /**
   * Decodes fetched CDC records, keys them, and reads the loaded records of their keys at once. A
   * re-driven dead letter is placed at its original offset (sourceOffsetOf); the input offset the
   * batch commits stays the real one.
   */
  private async readBatch(messages: readonly KafkaRecord[]): Promise<{ keyed: KeyedRecord[]; loadedBefore: Map<string, LoadedState> }> {
    const { entity, partition, context } = this;
    const decoded: DecodedRecord[] = [];
    for (const message of messages) {
      const position = { topic: entity.topic, partition, offset: sourceOffsetOf(Number(message.offset), message.headers) };
      // The message itself is the record's raw key and value: no object of its own per record.
      const raw = message;
      try {
        const change = context.decoder.decode(message.key, message.value);
        decoded.push({ position, raw, decoded: change instanceof Promise ? await change : change });
      } catch (error) {
        // The registry refusing erp-delta's credentials or certificate is no fault of the record:
        // it stops the batch as an unreachable registry does, and nothing is dead-lettered.
        if (!isErpDeltaError(error) || error.retriable || error.code === 'REGISTRY_AUTH_FAILED' || error.code === 'REGISTRY_TLS_FAILED') throw error;
        decoded.push({ position, raw, decoded: error });
      }
    }
    const keyed = keyRecords(entity, decoded);
    const unique = new Set<string>();
    for (const record of keyed) {
      const key = rowKeyOf(record);
      if (key !== undefined) unique.add(key);
    }
    const keys = [...unique];
    const loadedValues = await this.store.lookUp(keys);
    const loadedBefore = new Map<string, LoadedState>();
    for (let index = 0; index < keys.length; index += 1) loadedBefore.set(keys[index] as string, loadedValues[index]);
    return { keyed, loadedBefore };
  }

  /** The Kafka records of some deltas: a DELETE is followed by a tombstone, so that compaction drops the key. */
  private deltaMessages(deltas: readonly Delta[]): OutgoingRecord[] {
    const messages: OutgoingRecord[] = [];
    for (const delta of deltas) {
      messages.push({ key: delta.key, value: this.context.codec.encode(this.entity.name, delta), partition: this.partition });
      if (delta.op === 'DELETE') messages.push({ key: delta.key, value: null, partition: this.partition });
    }
    return messages;
  }

  /**
   * One page of a refresh's replay of this task's CDC partition (DESIGN "Refresh"), in the task's
   * turn, so that it never races live changes: REFRESH upserts, committed together with the
   * replay's position (the offset `commitOffset` of the refresh's own consumer group), then the
   * store. A page entirely before the committed position only updates the replay's state of its
   * keys, which the store keeps (TaskStore.replayState).
   */
  refreshPage(messages: readonly KafkaRecord[], refreshId: string, window: ReplayWindow, position: { groupId: string; offset: string } | undefined): Promise<{ emitted: number; failed: number }> {
    return this.inTurn(async () => {
      const { entity } = this;
      const { keyed, loadedBefore } = await this.readBatch(messages);
      // The replay's state of the page's keys, from the store (page-sized sets for the decision).
      const keys = [...new Set(keyed.flatMap((record) => rowKeyOf(record) ?? []))];
      const known = await this.store.replayState(refreshId, keys);
      const state: ReplayState = { present: new Set(), refreshed: new Set() };
      keys.forEach((key, index) => {
        if (known[index]?.present) state.present.add(key);
        if (known[index]?.refreshed) state.refreshed.add(key);
      });
      const decision = decideReplay(entity, keyed, loadedBefore, state, window, Date.now(), this.join);
      await this.store.writeReplayState(refreshId, new Map(keys.map((key) => [key, { present: state.present.has(key), refreshed: state.refreshed.has(key) }])));
      if (position !== undefined) {
        const changelogNextOffset = await this.commitTransaction(this.deltaMessages(decision.deltas), [], position);
        await this.writeLoaded(decision.loadedAfter, changelogNextOffset, loadedBefore);
      }
      this.context.metrics.recordRefresh(entity.name, { replayed: messages.length, emitted: decision.deltas });
      return { emitted: decision.deltas.length, failed: decision.failed };
    });
  }

  /**
   * One page of a refresh's reconcile pass: RECONCILE deletes of the loaded keys `nextRecords`
   * returns (read in the task's turn) that the replay did not find present at the source.
   */
  reconcilePage(nextRecords: () => Promise<readonly LoadedRecord[]>, refreshId: string, end: number): Promise<{ checked: number; deleted: number }> {
    return this.inTurn(async () => {
      const loaded = await nextRecords();
      if (loaded.length === 0) return { checked: 0, deleted: 0 };
      const known = await this.store.replayState(
        refreshId,
        loaded.map((record) => record.key),
      );
      const present = new Set(loaded.flatMap((record, index) => (known[index]?.present ? [record.key] : [])));
      const deltas = decideReconcile(this.entity, loaded, { present, refreshed: new Set() }, end, Date.now());
      if (deltas.length > 0) {
        const changelogNextOffset = await this.commitTransaction(this.deltaMessages(deltas), [], undefined);
        await this.writeLoaded(new Map(deltas.map((delta) => [delta.key, loadedStateOf(delta)])), changelogNextOffset, new Map(loaded.map((record) => [record.key, record])));
      }
      this.context.metrics.recordRefresh(this.entity.name, { replayed: 0, emitted: deltas });
      return { checked: loaded.length, deleted: deltas.length };
    });
  }

  /**
   * A full compare's marking (DESIGN "Full compare"): the keys of a page of the compare's window
   * of this task's CDC partition, any op, marked seen in the store with how far the window is
   * read. Only the keys are read: a record that cannot be decoded has no key to mark (the live
   * path dead-lettered it), and is not the row of a loaded key either.
   */
  markSeen(messages: readonly KafkaRecord[], compareId: string, markedTo: string, windowFrom: number): Promise<void> {
    return this.inTurn(async () => {
      const { keyed } = await this.readBatch(messages);
      const keys = keyed.flatMap((record) => rowKeyOf(record) ?? []);
      await this.store.markSeen(compareId, keys, markedTo, countSnapshotReads(keyed, [], windowFrom).compared);
    });
  }

  /** From now on until stopMarking, every key the task processes is marked seen by the compare `compareId`. */
  startMarking(compareId: string): Promise<void> {
    return this.inTurn(async () => {
      this.markingFor = compareId;
    });
  }

  stopMarking(): void {
    this.markingFor = undefined;
  }

  /** Until called with undefined, every batch this task commits adds its snapshot rows to `counter`. */
  countSnapshotReads(counter: SnapshotReadCounter | undefined): void {
    this.snapshotReads = counter;
  }

  /**
   * One page of a full compare's sweep: the loaded keys `nextKeys` returns (read in the task's
   * turn), as they are now, deleted (RECONCILE) where the compare did not see them
   * (compare-decision.ts); the deletes committed in one transaction, then the store.
   */
  sweepPage(nextKeys: () => Promise<readonly string[]>, window: CompareWindow): Promise<{ checked: number; deleted: number }> {
    return this.inTurn(async () => {
      const keys = await nextKeys();
      if (keys.length === 0) return { checked: 0, deleted: 0 };
      const [current, seen] = await Promise.all([this.store.lookUp(keys), this.store.seenBy(window.id, keys)]);
      const deltas = decideSweep(this.entity, keys, current, seen, window, Date.now());
      if (deltas.length > 0) {
        const changelogNextOffset = await this.commitTransaction(this.deltaMessages(deltas), [], undefined);
        await this.writeLoaded(new Map(deltas.map((delta) => [delta.key, loadedStateOf(delta)])), changelogNextOffset, new Map(keys.map((key, index) => [key, current[index]])));
      }
      this.context.metrics.recordRefresh(this.entity.name, { replayed: 0, emitted: deltas });
      return { checked: keys.length, deleted: deltas.length };
    });
  }

  /**
   * One page of a truncate event's sweep: the keys `nextKeys` gives (read in the task's turn), as
   * they are now, deleted (RECONCILE) where loaded from before the truncate (compare-decision.ts,
   * decideTruncateSweep); the deletes committed in one transaction, then the store.
   */
  truncatePage(nextKeys: () => Promise<readonly string[]>, truncate: DeltaSource): Promise<{ checked: number; deleted: number; unplaced: number }> {
    return this.inTurn(async () => {
      const keys = await nextKeys();
      if (keys.length === 0) return { checked: 0, deleted: 0, unplaced: 0 };
      const current = await this.store.lookUp(keys);
      const { deltas, unplaced } = decideTruncateSweep(this.entity, keys, current, truncate, Date.now());
      if (deltas.length > 0) {
        const changelogNextOffset = await this.commitTransaction(this.deltaMessages(deltas), [], undefined);
        await this.writeLoaded(new Map(deltas.map((delta) => [delta.key, loadedStateOf(delta)])), changelogNextOffset, new Map(keys.map((key, index) => [key, current[index]])));
      }
      this.context.metrics.recordRefresh(this.entity.name, { replayed: 0, emitted: deltas });
      return { checked: keys.length, deleted: deltas.length, unplaced };
    });
  }

  /**
   * Re-checks the loaded records of some keys against the assignment table as it is now, and
   * commits the ASSIGNMENT deltas of those whose user differs (keys not loaded are skipped).
   * `nextKeys` is called in the task's turn, so that the keys it reads from the store's index
   * include everything the batches before wrote. Returns how many keys it re-checked: 0 at the end.
   */
  recheck(nextKeys: () => Promise<readonly string[]>, tsMs: number): Promise<{ checked: number; emitted: number }> {
    return this.inTurn(async () => {
      const { entity, context } = this;
      if (!this.join) throw new Error(`task ${this.id} has no assignment join`);
      const keys = await nextKeys();
      if (keys.length === 0) return { checked: 0, emitted: 0 };
      const loaded = (await this.store.getMany(keys)).filter((record): record is LoadedRecord => record !== undefined);
      const deltas = reassignmentDeltas(entity, this.join, loaded, tsMs, Date.now());
      if (deltas.length > 0) {
        const changelogNextOffset = await this.commitTransaction(this.deltaMessages(deltas), [], undefined);
        await this.writeLoaded(new Map(deltas.map((delta) => [delta.key, loadedStateOf(delta)])), changelogNextOffset, new Map(loaded.map((record) => [record.key, record])));
      }
      context.metrics.recordRecheck(entity.name, { checked: keys.length, emitted: deltas });
      return { checked: keys.length, emitted: deltas.length };
    });
  }

  /** Runs `work` after everything queued before it; a failure does not block what comes after. */
  private inTurn<T>(work: () => Promise<T>): Promise<T> {
    const result = this.turn.then(() => {
      if (this.closing !== undefined) throw new ErpDeltaError('TASK_CLOSED', `Task ${this.id} is closed: its partition moved away or it failed.`, { retriable: true });
      return work();
    });
    this.turn = result.catch(() => undefined);
    return result;
  }

  get closed(): boolean {
    return this.closing !== undefined;
  }

  private async writeLoaded(loadedAfter: ReadonlyMap<string, LoadedRecord | DeletedRecord>, changelogNextOffset: string | undefined, previous: ReadonlyMap<string, LoadedState>): Promise<void> {
    await this.store.write({ put: [...loadedAfter.values()], delete: [], changelogNextOffset, previous });
  }

  /**
   * Returns the changelog offset after this transaction's deltas, if it wrote any. `position`, the
   * offset of this task's CDC partition to resume from, for the live group or a refresh's group,
   * is committed with them; a re-check has none.
   */
  private async commitTransaction(
    deltas: OutgoingRecord[],
    deadLetters: OutgoingRecord[],
    position: { groupId: string; offset: string } | undefined,
    others: ReadonlyArray<{ topic: string; message: OutgoingRecord }> = [],
  ): Promise<string | undefined> {
    const { entity, partition, context } = this;
    const transaction = await this.producer.transaction();
    try {
      let changelogNextOffset: string | undefined;
      for (const chunk of chunksUnderBytes(deltas, MAX_SEND_BYTES)) {
        const metadata = await transaction.send({ topic: entity.deltaTopic, messages: chunk });
        const written = metadata.find((entry) => entry.topicName === entity.deltaTopic && entry.partition === partition);
        if (!written?.baseOffset) throw new ErpDeltaError('KAFKA_UNAVAILABLE', `No offset came back for the deltas written to ${entity.deltaTopic}-${partition}`, { retriable: true });
        changelogNextOffset = String(Number(written.baseOffset) + chunk.length);
      }
      for (const chunk of chunksUnderBytes(deadLetters, MAX_SEND_BYTES)) await transaction.send({ topic: context.dlqTopic, messages: chunk });
      for (const { topic, message } of others) await transaction.send({ topic, messages: [message] });
      if (position !== undefined) {
        await transaction.sendOffsets({
          consumerGroupId: position.groupId,
          topics: [{ topic: entity.topic, partitions: [{ partition, offset: position.offset }] }],
        });
      }
      await transaction.commit();
      return changelogNextOffset;
    } catch (error) {
      await transaction.abort().catch(() => undefined);
      throw error;
    }
  }

  /** Waits for the batch or re-check in its turn, then closes; later work is refused. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.turn;
      await this.producer.disconnect().catch(() => undefined);
      await this.store.close();
    })();
    return this.closing;
  }
}

/** Where a batch found a capture restart that makes the task read its partition again, and from where. */
interface CaptureRestart {
  index: number;
  readFrom: string;
}

function joinOf(entity: TrackedEntity, context: TaskContext): AssignmentJoin | undefined {
  return context.assignment?.entity === entity.name ? context.assignment.join : undefined;
}
