import type { CanonicalRecord } from '../normalize/canonical-value.js';
import type { Delta, SourcePosition } from './delta.js';

/**
 * What erp-delta last emitted for a key: what the target has or will have. Kept in the state store
 * and restorable from the changelog (the delta topic), since every UPSERT carries it whole.
 */
export interface LoadedRecord {
  key: string;
  data: CanonicalRecord;
  /** The source record it came from, so that an older version is never emitted after a newer one. */
  source: SourcePosition;
  /**
   * JSON.stringify(data), when the state store has it as text already: a desired record whose
   * JSON is the same has no changed field, which spares parsing the loaded one (compare.ts).
   */
  readonly dataJson?: string | undefined;
}

/**
 * The loaded record a delta leaves behind once it is committed: the UPSERT's record, or nothing
 * after a DELETE. Used after emitting and when restoring from the changelog alike.
 */
export function loadedRecordOf(delta: Delta): LoadedRecord | undefined {
  if (delta.op === 'DELETE' || delta.data === null) return undefined;
  const { topic, partition, offset } = delta.source;
  return { key: delta.key, data: delta.data, source: { topic, partition, offset } };
}
