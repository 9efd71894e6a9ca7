import type { AssignmentJoin } from '../assignment/assigned-user.js';
import { ErpDeltaError, isErpDeltaError } from '../errors/erp-delta-error.js';
import { compareVersions } from '../model/version-order.js';
import { changeSource, type KeyedRecord } from '../model/keyed-record.js';
import { compareWithLoaded } from '../model/compare.js';
import type { Delta } from '../model/delta.js';
import { desiredRecord, type DesiredRecord } from '../model/desired-record.js';
import { loadedOf, loadedStateOf, type DeletedRecord, type LoadedRecord, type LoadedState } from '../model/loaded-record.js';
import { keepsRow } from '../model/row-filter.js';
import type { SourceRow } from '../model/source-change.js';
import type { TrackedEntity } from '../model/tracked-entity.js';

/**
 * What a task's replay has learnt so far, from the start of its CDC partition. It is rebuilt by
 * every (re)start of the replay, from the partition's first record: the decisions below depend
 * only on it, the records and the loaded records, so a replay resumed after a crash makes the same
 * decisions again, and emits only from where its committed position stood.
 */
export interface ReplayState {
  /** Keys whose REFRESH was emitted (or was not needed: a live change after the refresh began). */
  refreshed: Set<string>;
  /** Keys whose latest record so far is a row (not a delete) that the entity's filter keeps. */
  present: Set<string>;
}

export interface ReplayWindow {
  /** Records before this offset were handled before a crash: they update the state, emit nothing. */
  emitFrom: number;
  /** The end of the replay range: a loaded record from at or after it is a live change. */
  end: number;
}

export interface ReplayDecision {
  deltas: Delta[];
  loadedAfter: Map<string, LoadedRecord | DeletedRecord>;
  /** Records that cannot be decoded or normalized: the live path dead-lettered them already. */
  failed: number;
}

/**
 * The refresh's decision for one page of replayed CDC records (DESIGN "Refresh"): every key whose
 * row exists gets one UPSERT with reason REFRESH, its desired record recomputed under the current
 * config and assignment mapping, with changedFields naming what differs from the loaded record
 * (often nothing). Only loaded keys are refreshed: the target has nothing else. The record used is
 * the first one of the key at or after its loaded version, by source position (a replayed record
 * is placed in the loaded version's source epoch: it is a re-read, not a new change):
 * older versions are skipped, so nothing older than what was emitted is emitted again, and a key
 * changed live since the refresh began keeps its live delta. Deletes emit nothing here: the
 * reconcile pass deletes loaded keys that are not present at the end.
 *
 * A row outside the entity's filter counts as a delete (row-filter.ts), decided under the current
 * config like the rest: a loaded key whose row is now outside is not re-sent, and the reconcile
 * pass deletes it (RECONCILE), which is how a filter added or narrowed reaches the target. (A row
 * that a widened filter lets in is not loaded, so the replay cannot send it: `refresh
 * --from-source` re-reads the rows through the live path, which does.) With a filter, every row
 * is normalized to be tested, not only the one re-sent per key.
 */
export function decideReplay(
  entity: TrackedEntity,
  records: readonly KeyedRecord[],
  loadedBefore: ReadonlyMap<string, LoadedState>,
  state: ReplayState,
  window: ReplayWindow,
  emittedAtMs: number,
  join?: AssignmentJoin,
): ReplayDecision {
  const current = new Map<string, LoadedRecord | undefined>();
  for (const [key, loaded] of loadedBefore) current.set(key, loadedOf(loaded));
  const decision: ReplayDecision = { deltas: [], loadedAfter: new Map(), failed: 0 };
  for (const keyed of records) {
    // A truncate's deletes are the live path's (truncate events, refresh-runner.ts).
    if (keyed.kind === 'tombstone' || keyed.kind === 'truncate') continue;
    if (keyed.kind === 'dead') {
      decision.failed += 1;
      continue;
    }
    const { key, change, record } = keyed;
    if (change.op === 'd' || change.after === null) {
      state.present.delete(key);
      continue;
    }
    const loaded = current.get(key);
    let desired: DesiredRecord | ErpDeltaError | undefined;
    if (entity.filter !== undefined) {
      desired = desiredOrError(entity, change.after, loaded);
      // A row that cannot be read stays present, as without a filter: the live path dead-lettered it.
      if (!(desired instanceof ErpDeltaError) && !keepsRow(entity, desired, loaded)) {
        state.present.delete(key);
        continue;
      }
    }
    state.present.add(key);
    if (state.refreshed.has(key)) continue;
    const offset = record.position.offset;
    // Never loaded: deleted later in the partition, or a record the live path could not read (it
    // was dead-lettered), or one it has yet to reach, where its CHANGE will load it.
    if (!loaded) continue;
    const source = changeSource(record.position, change, loaded.source.epoch);
    if (compareVersions(source, loaded.source).order < 0) {
      if (loaded.source.topic === source.topic && loaded.source.partition === source.partition && loaded.source.offset >= window.end) state.refreshed.add(key);
      continue;
    }
    state.refreshed.add(key);
    if (offset < window.emitFrom) continue;
    desired ??= desiredOrError(entity, change.after, loaded);
    if (desired instanceof ErpDeltaError) {
      decision.failed += 1;
      continue;
    }
    if (join) desired.data[join.field] = join.userFor(desired.data, key);
    const delta = compareWithLoaded(entity, { key, desired, source }, loaded, 'REFRESH', emittedAtMs);
    if (!delta) continue;
    decision.deltas.push(delta);
    const after = loadedStateOf(delta);
    current.set(key, loadedOf(after));
    decision.loadedAfter.set(key, after);
  }
  return decision;
}

/** The desired record of a replayed row, or why the live path dead-lettered it. */
function desiredOrError(entity: TrackedEntity, row: SourceRow, loaded: LoadedRecord | undefined): DesiredRecord | ErpDeltaError {
  try {
    return desiredRecord(entity, row, loaded);
  } catch (error) {
    if (!isErpDeltaError(error)) throw error;
    return error;
  }
}

/**
 * The reconcile pass after the replay: a loaded key that is not present at the source any more
 * (its row vanished and the delete is long compacted away, or a delete the tracker never saw) gets
 * a DELETE with reason RECONCILE. A key loaded from a record at or after the end of the replay
 * range changed live since the refresh began: it exists.
 */
export function decideReconcile(entity: TrackedEntity, loaded: readonly LoadedRecord[], state: ReplayState, end: number, emittedAtMs: number): Delta[] {
  const deltas: Delta[] = [];
  for (const record of loaded) {
    if (state.present.has(record.key) || record.source.offset >= end) continue;
    const delta = compareWithLoaded(entity, { key: record.key, desired: null, source: { ...record.source, tsMs: emittedAtMs } }, record, 'RECONCILE', emittedAtMs);
    if (delta) deltas.push(delta);
  }
  return deltas;
}
