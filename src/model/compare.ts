import type { Delta, DeltaReason, DeltaSource } from './delta.js';
import type { DesiredRecord } from './desired-record.js';
import type { LoadedRecord } from './loaded-record.js';
import type { TrackedEntity } from './tracked-entity.js';

/** What the source says about one key at one position. */
export interface Observation {
  key: string;
  /** The desired record, or null: the source row no longer exists (deleted, gone at a refresh, or outside the entity's filter). */
  desired: DesiredRecord | null;
  source: DeltaSource;
}

/**
 * The tracker's one decision: the delta that makes the loaded record equal the desired one, or
 * undefined when they are already equal (DESIGN: converge, don't react).
 *
 * - Row exists, fields differ (or nothing loaded yet): UPSERT with the whole desired record and the
 *   differing fields in changedFields (every field for a key not loaded yet).
 * - Row exists, every field equal: nothing, which is how untracked-column updates, values equal
 *   after normalization and re-snapshots (op r) of unchanged rows are suppressed. Except for reason
 *   REFRESH, which re-sends the record anyway (changedFields then names what differed, often none).
 * - Row gone and loaded: DELETE. Row gone and never loaded: nothing, the target never had it.
 *
 * Fields in desired.unknownFields never count as changed: their value was not sent by the source.
 */
export function compareWithLoaded(entity: TrackedEntity, observed: Observation, loaded: LoadedRecord | undefined, reason: DeltaReason, emittedAtMs: number): Delta | undefined {
  if (observed.desired !== null && reason !== 'REFRESH' && loaded !== undefined && hasSameText(observed.desired, loaded)) return undefined;
  return compareFieldByField(entity, observed, loaded, reason, emittedAtMs);
}

/** compareWithLoaded without its text shortcut, for a caller that has just tried it (batch-decision.ts). */
export function compareFieldByField(entity: TrackedEntity, observed: Observation, loaded: LoadedRecord | undefined, reason: DeltaReason, emittedAtMs: number): Delta | undefined {
  const { key, desired, source } = observed;
  if (desired === null) {
    if (loaded === undefined) return undefined;
    return { op: 'DELETE', reason, changedFields: [], key, data: null, source, emittedAtMs };
  }
  const changedFields: string[] = [];
  for (const field of entity.recordFields) {
    if (desired.unknownFields.includes(field)) continue;
    if (loaded === undefined || (desired.data[field] ?? null) !== (loaded.data[field] ?? null)) changedFields.push(field);
  }
  if (changedFields.length === 0 && reason !== 'REFRESH') return undefined;
  return { op: 'UPSERT', reason, changedFields, key, data: desired.data, source, emittedAtMs };
}

/**
 * Whether the desired record is the loaded one by their JSON text, which settles most unchanged
 * records without reading the loaded one. The same JSON means the same value for every field; a
 * different one may still be equal (other member order), which only compareWithLoaded settles.
 */
export function hasSameText(desired: DesiredRecord, loaded: LoadedRecord): boolean {
  return loaded.dataJson !== undefined && desired.unknownFields.length === 0 && loaded.dataJson === JSON.stringify(desired.data);
}
