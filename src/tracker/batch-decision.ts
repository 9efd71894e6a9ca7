import type { AssignmentJoin } from '../assignment/assigned-user.js';
import { ErpDeltaError, isErpDeltaError } from '../errors/erp-delta-error.js';
import { compareFieldByField, hasSameText } from './compare.js';
import type { Delta, SourcePosition } from './delta.js';
import { desiredRecord } from './desired-record.js';
import { entityKey } from './entity-key.js';
import { loadedRecordOf, type LoadedRecord } from './loaded-record.js';
import type { DecodedSourceRecord } from './source-change.js';
import type { TrackedEntity } from './tracked-entity.js';

/** One fetched CDC record after decoding: its change, or why it could not be read. */
export interface DecodedRecord {
  position: SourcePosition;
  raw: { key: Buffer | null; value: Buffer | null };
  decoded: DecodedSourceRecord | ErpDeltaError;
}

/** A decoded record with its entity key, ready for the store lookup. */
export type KeyedRecord =
  | { kind: 'change'; record: DecodedRecord; change: Extract<DecodedSourceRecord, { kind: 'change' }>; key: string }
  | { kind: 'tombstone'; record: DecodedRecord }
  | { kind: 'dead'; record: DecodedRecord; error: ErpDeltaError };

export interface BatchDecision {
  deltas: Delta[];
  deadLetters: Array<{ record: DecodedRecord; error: ErpDeltaError }>;
  /** The loaded record each emitted key ends with: a record, or undefined once deleted. */
  loadedAfter: Map<string, LoadedRecord | undefined>;
  /** Changes that made no difference to the loaded record (DESIGN: noise is not change). */
  suppressed: number;
  /** Records already reflected in the loaded record (re-read after a rebalance or a crash). */
  alreadyApplied: number;
  /** Unchanged TOASTed columns with no loaded value: the target gets null for them. */
  unknownFieldRecords: number;
}

/** First pass: the entity key of each record, so that the whole batch is looked up at once. */
export function keyRecords(entity: TrackedEntity, records: readonly DecodedRecord[]): KeyedRecord[] {
  return records.map((record): KeyedRecord => {
    if (record.decoded instanceof ErpDeltaError) return { kind: 'dead', record, error: record.decoded };
    if (record.decoded.kind === 'tombstone') return { kind: 'tombstone', record };
    try {
      return { kind: 'change', record, change: record.decoded, key: entityKey(entity, record.decoded.key) };
    } catch (error) {
      if (isErpDeltaError(error)) return { kind: 'dead', record, error };
      throw error;
    }
  });
}

/**
 * The tracker's decision for one fetched batch, in source order: for each change, compare the
 * desired record with the loaded one (as earlier records of the same batch left it) and keep the
 * delta, if any. A record at or before the position of the loaded record was already applied (a
 * re-read after a rebalance or a crash) and is skipped: that keeps per-key order, and nothing older
 * than what was emitted is ever emitted again. Tombstones are skipped: the delete before them
 * already carried the change.
 *
 * For the assignment entity, `join` sets the joined user from the assignment table as it is now:
 * a customer moved to another rep gets that rep's user in the same CHANGE delta.
 */
export function decideBatch(
  entity: TrackedEntity,
  records: readonly KeyedRecord[],
  loadedBefore: ReadonlyMap<string, LoadedRecord | undefined>,
  emittedAtMs: number,
  join?: AssignmentJoin,
): BatchDecision {
  const decision: BatchDecision = { deltas: [], deadLetters: [], loadedAfter: new Map(), suppressed: 0, alreadyApplied: 0, unknownFieldRecords: 0 };
  // What earlier records of this batch left, over what was loaded before it (no copy of the batch's lookup).
  const { loadedAfter } = decision;
  const current = (key: string): LoadedRecord | undefined => (loadedAfter.has(key) ? loadedAfter.get(key) : loadedBefore.get(key));
  for (const keyed of records) {
    if (keyed.kind === 'tombstone') continue;
    if (keyed.kind === 'dead') {
      decision.deadLetters.push({ record: keyed.record, error: keyed.error });
      continue;
    }
    const { change, key, record } = keyed;
    const loaded = current(key);
    if (loaded && isAtOrBefore(record.position, loaded.source)) {
      decision.alreadyApplied += 1;
      continue;
    }
    let desired;
    try {
      desired = change.op === 'd' || change.after === null ? null : desiredRecord(entity, change.after, loaded);
    } catch (error) {
      if (!isErpDeltaError(error)) throw error;
      decision.deadLetters.push({ record, error });
      continue;
    }
    if (desired && join) desired.data[join.field] = join.userFor(desired.data, key);
    if (desired && desired.unknownFields.length > 0) decision.unknownFieldRecords += 1;
    // Most changes are noise: settled here, before building what only a delta needs.
    if (desired && loaded && hasSameText(desired, loaded)) {
      decision.suppressed += 1;
      continue;
    }
    const delta = compareFieldByField(entity, { key, desired, source: { ...record.position, tsMs: change.sourceTsMs } }, loaded, 'CHANGE', emittedAtMs);
    if (!delta) {
      decision.suppressed += 1;
      continue;
    }
    decision.deltas.push(delta);
    loadedAfter.set(key, loadedRecordOf(delta));
  }
  return decision;
}

function isAtOrBefore(position: SourcePosition, loadedFrom: SourcePosition): boolean {
  return position.topic === loadedFrom.topic && position.partition === loadedFrom.partition && position.offset <= loadedFrom.offset;
}
