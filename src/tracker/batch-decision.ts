import type { AssignmentJoin } from '../assignment/assigned-user.js';
import { type ErpDeltaError, isErpDeltaError } from '../errors/erp-delta-error.js';
import { placeVersion } from '../model/version-order.js';
import { type ColumnSightings, droppedColumnError, NO_SIGHTINGS, sightColumns } from '../model/column-sightings.js';
import { compareFieldByField, hasSameText } from '../model/compare.js';
import type { Delta, DeltaSource } from '../model/delta.js';
import { desiredRecord } from '../model/desired-record.js';
import { changeSource, type DecodedRecord, type KeyedRecord } from '../model/keyed-record.js';
import { isLoaded, loadedOf, loadedStateOf, type DeletedRecord, type LoadedRecord, type LoadedState } from '../model/loaded-record.js';
import { keepsRow } from '../model/row-filter.js';
import type { TrackedEntity } from '../model/tracked-entity.js';

/**
 * The record right before the next batch's first one in the partition, as far as the tombstone
 * rule needs it: Debezium writes a delete's tombstone right after the delete event.
 */
export interface PreviousRecord {
  key: string;
  op: 'd' | 'other';
  /** Whether it was a row of an initial snapshot (findCaptureRestart). */
  initialSnapshot?: boolean | undefined;
  /** That snapshot's source position: the rows of one snapshot share it. */
  snapshotPosition?: string | undefined;
}

/** A version held back because its source position is before the loaded one (VersionPlace "behind"). */
export interface BehindVersion {
  key: string;
  record: DeltaSource;
  loaded: DeltaSource;
}

export interface BatchDecision {
  deltas: Delta[];
  deadLetters: Array<{ record: DecodedRecord; error: ErpDeltaError }>;
  /** What each emitted key ends with: its loaded record, or where it was deleted. */
  loadedAfter: Map<string, LoadedRecord | DeletedRecord>;
  /** Changes that made no difference to the loaded record (DESIGN: noise is not change). */
  suppressed: number;
  /** Versions already reflected in the loaded record (Debezium re-sending, a re-read after a crash). */
  alreadyApplied: number;
  /** Changes another change of the same key in the same source transaction replaced. */
  superseded: number;
  /** Versions whose source position is before the loaded one though they are newer: not applied. */
  behind: BehindVersion[];
  /** Changes without a usable source position: ordered by Kafka offset, as before positions existed. */
  withoutPosition: number;
  /** Unchanged TOASTed columns with no loaded value: the target gets null for them. */
  unknownFieldRecords: number;
  /**
   * Per field, the records whose row lacks its column (desired-record.ts, absentColumns): written
   * before the column was added to the table, or the config names a column the table lacks.
   */
  absentColumns: Map<string, number> | undefined;
  /** Tracked columns this batch saw for the first time in the partition (column-sightings.ts). */
  columnsSighted: Map<string, DeltaSource> | undefined;
  /**
   * The table's truncates this batch read (connectors that forward them), where each happened:
   * every task of the entity deletes what it loaded from before it (refresh-runner.ts).
   */
  truncates: DeltaSource[];
  /** The batch's last record, for the next batch's tombstone rule. */
  last: PreviousRecord | undefined;
}

export interface BatchContext {
  emittedAtMs: number;
  /** The entity's source epoch now: the epoch of the versions this batch reads. */
  epoch: number;
  /** The record before the batch's first, when the task knows it. */
  previous?: PreviousRecord | undefined;
  /** For the assignment entity: the join with the assignment mapping. */
  join?: AssignmentJoin | undefined;
  /** Where the partition's rows first had each tracked column, before this batch. */
  columnsSeen?: ColumnSightings | undefined;
}

/**
 * The tracker's decision for one fetched batch, in source order: for each change, compare the
 * desired record with the loaded one (as earlier records of the same batch left it) and keep the
 * delta, if any.
 *
 * - A version at or before the loaded one by source position was already applied (DESIGN
 *   guarantee 7, model/version-order.ts): skipped, so per-key order holds whatever Kafka's order.
 * - Only the net effect of a source transaction counts: a change followed, in the same batch, by
 *   another change of the same key in the same transaction is replaced by it, so a row deleted and
 *   inserted again unchanged, or updated and set back, emits nothing. (The task keeps a
 *   transaction's records in one batch: task.ts.)
 * - A tombstone right after its key's delete event belongs to that delete and is skipped. A
 *   tombstone alone (compaction removed its delete) deletes a loaded key: a DELETE, reason CHANGE.
 * - A row outside the entity's filter (config `filter`) is a row that is not there: a loaded key
 *   whose row leaves the filter gets a DELETE, reason CHANGE, at the change's source position (so
 *   an older version sent again is still recognised as applied); a row that enters it is sent
 *   whole; one that stays out emits nothing.
 *
 * For the assignment entity, `join` sets the joined user from the assignment table as it is now:
 * a customer moved to another rep gets that rep's user in the same CHANGE delta.
 */
export function decideBatch(entity: TrackedEntity, records: readonly KeyedRecord[], loadedBefore: ReadonlyMap<string, LoadedState>, context: BatchContext): BatchDecision {
  const { emittedAtMs, epoch, join } = context;
  const columnsSeen = context.columnsSeen ?? NO_SIGHTINGS;
  const decision: BatchDecision = {
    deltas: [],
    deadLetters: [],
    loadedAfter: new Map(),
    suppressed: 0,
    alreadyApplied: 0,
    superseded: 0,
    behind: [],
    withoutPosition: 0,
    unknownFieldRecords: 0,
    absentColumns: undefined,
    columnsSighted: undefined,
    truncates: [],
    last: context.previous,
  };
  // What earlier records of this batch left, over what was loaded before it (no copy of the batch's lookup).
  const { loadedAfter } = decision;
  const current = (key: string): LoadedState => (loadedAfter.has(key) ? loadedAfter.get(key) : loadedBefore.get(key));
  const replaced = supersededChanges(records);
  for (let index = 0; index < records.length; index += 1) {
    const keyed = records[index] as KeyedRecord;
    if (keyed.kind === 'dead') {
      decision.deadLetters.push({ record: keyed.record, error: keyed.error });
      continue;
    }
    if (keyed.kind === 'truncate') {
      decision.truncates.push(changeSource(keyed.record.position, keyed.truncate, epoch));
      continue;
    }
    const { key, record } = keyed;
    if (keyed.kind === 'tombstone') {
      const before = index === 0 ? context.previous : records[index - 1];
      const followsItsDelete = before !== undefined && ('kind' in before ? before.kind === 'change' && before.key === key && before.change.op === 'd' : before.key === key && before.op === 'd');
      const loaded = current(key);
      if (followsItsDelete || !isLoaded(loaded)) continue;
      const delta = compareFieldByField(entity, { key, desired: null, source: { ...loaded.source, ...record.position } }, loaded, 'CHANGE', emittedAtMs);
      if (delta) emit(decision, delta);
      continue;
    }
    const { change } = keyed;
    if (replaced?.has(index)) {
      decision.superseded += 1;
      continue;
    }
    const source = changeSource(record.position, change, epoch);
    if (source.position === null) decision.withoutPosition += 1;
    const state = current(key);
    if (state !== undefined) {
      const place = placeVersion(source, state.source);
      if (place === 'behind') decision.behind.push({ key, record: source, loaded: state.source });
      if (place !== 'newer') {
        decision.alreadyApplied += 1;
        continue;
      }
    }
    const loaded = loadedOf(state);
    let desired;
    try {
      desired = change.op === 'd' || change.after === null ? null : desiredRecord(entity, change.after, loaded);
      if (desired?.absentColumns) {
        const dropped = droppedColumnError(entity, desired.absentColumns, source, (column) => decision.columnsSighted?.get(column) ?? columnsSeen.get(column));
        if (dropped) throw dropped;
      }
    } catch (error) {
      if (!isErpDeltaError(error)) throw error;
      decision.deadLetters.push({ record, error });
      continue;
    }
    if (change.after !== null) decision.columnsSighted = sightColumns(entity, change.after, source, columnsSeen, decision.columnsSighted);
    if (desired && join) desired.data[join.field] = join.userFor(desired.data, key);
    if (desired && desired.unknownFields.length > 0) decision.unknownFieldRecords += 1;
    if (desired?.absentColumns) {
      decision.absentColumns ??= new Map();
      for (const field of desired.absentColumns) decision.absentColumns.set(field, (decision.absentColumns.get(field) ?? 0) + 1);
    }
    // A row outside the entity's filter is a row that is not there (row-filter.ts): deleted at the
    // target if loaded, at this change's position. Counted above all the same: a filter field
    // whose column is missing must still be reported.
    if (desired && !keepsRow(entity, desired, loaded)) desired = null;
    // Most changes are noise: settled here, before building what only a delta needs.
    if (desired && loaded && hasSameText(desired, loaded)) {
      decision.suppressed += 1;
      continue;
    }
    const delta = compareFieldByField(entity, { key, desired, source }, loaded, 'CHANGE', emittedAtMs);
    if (!delta) {
      decision.suppressed += 1;
      continue;
    }
    emit(decision, delta);
  }
  decision.last = lastRecord(records, context.previous);
  return decision;
}

/** The batch's last record as the next batch's tombstone rule and capture-restart check need it. */
function lastRecord(records: readonly KeyedRecord[], previous: PreviousRecord | undefined): PreviousRecord | undefined {
  const last = records.at(-1);
  if (last === undefined) return previous;
  if (last.kind === 'dead' || last.kind === 'truncate') return undefined;
  if (last.kind === 'tombstone') return { key: last.key, op: 'other', initialSnapshot: false };
  const { change, key } = last;
  return change.snapshot === 'initial' ? { key, op: 'other', initialSnapshot: true, snapshotPosition: change.position?.order } : { key, op: change.op === 'd' ? 'd' : 'other', initialSnapshot: false };
}

/**
 * Where a new initial snapshot begins in the middle of what the task reads: the index of the first
 * row of an initial snapshot right after a streamed change, a tombstone or a row of another
 * snapshot (another source position; the batch's own record before it, or `previous` for the
 * first). Debezium takes an initial snapshot only when its
 * connector starts without offsets: a capture reset (its slot lost, its offsets reset), often
 * with the CDC topic deleted and created again. Then the task's input offset may point into the
 * middle of the new snapshot (a re-created topic's offsets start over), and the rows before it
 * were never read: the task must read the partition again from its start (task.ts). Reading
 * again is safe: what was applied is skipped by source position.
 */
export function findCaptureRestart(records: readonly KeyedRecord[], previous: PreviousRecord | undefined): number | undefined {
  // What came right before: unknown, a streamed record, or a row of the snapshot at this position.
  let before: { snapshotAt: string | undefined } | 'streamed' | undefined =
    previous === undefined ? undefined : previous.initialSnapshot === true ? { snapshotAt: previous.snapshotPosition } : 'streamed';
  for (let index = 0; index < records.length; index += 1) {
    const keyed = records[index] as KeyedRecord;
    if (keyed.kind === 'dead') {
      before = undefined;
      continue;
    }
    if (keyed.kind === 'tombstone' || keyed.kind === 'truncate' || keyed.change.snapshot !== 'initial') {
      before = 'streamed';
      continue;
    }
    const at = keyed.change.position?.order;
    if (before === 'streamed' || (before !== undefined && at !== undefined && before.snapshotAt !== undefined && at !== before.snapshotAt)) return index;
    before = { snapshotAt: at };
  }
  return undefined;
}

function emit(decision: BatchDecision, delta: Delta): void {
  decision.deltas.push(delta);
  decision.loadedAfter.set(delta.key, loadedStateOf(delta));
}

/**
 * The indexes of changes that a later change of the same key in the same source transaction
 * replaces; undefined when there are none (nearly every batch: no set is built then).
 */
function supersededChanges(records: readonly KeyedRecord[]): Set<number> | undefined {
  let replaced: Set<number> | undefined;
  // A transaction's records are contiguous in a partition. Most hold one change of the batch's
  // partition: a map of its keys is built only from a transaction's second change on.
  let transaction: string | undefined;
  let first: { key: string; index: number } | undefined;
  let lastOfKey: Map<string, number> | undefined;
  for (let index = 0; index < records.length; index += 1) {
    const keyed = records[index] as KeyedRecord;
    if (keyed.kind !== 'change') continue;
    const id = keyed.change.position?.transaction;
    if (id === undefined || id !== transaction) {
      transaction = id;
      first = id === undefined ? undefined : { key: keyed.key, index };
      lastOfKey = undefined;
      continue;
    }
    if (lastOfKey === undefined) {
      lastOfKey = new Map();
      if (first) lastOfKey.set(first.key, first.index);
    }
    const earlier = lastOfKey.get(keyed.key);
    if (earlier !== undefined) (replaced ??= new Set()).add(earlier);
    lastOfKey.set(keyed.key, index);
  }
  return replaced;
}
