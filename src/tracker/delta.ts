import type { CanonicalRecord } from '../normalize/canonical-value.js';

export type DeltaOp = 'UPSERT' | 'DELETE';

/** Why a delta was emitted (DESIGN "Vocabulary"). */
export type DeltaReason = 'CHANGE' | 'ASSIGNMENT' | 'REFRESH' | 'RECONCILE';

export const DELTA_REASONS: readonly DeltaReason[] = ['CHANGE', 'ASSIGNMENT', 'REFRESH', 'RECONCILE'];

/** Where a source record sits in Kafka. Offsets fit a double exactly (< 2^53), as Avro longs do. */
export interface SourcePosition {
  topic: string;
  partition: number;
  offset: number;
}

/** The source record a delta answers, and when its change happened in the database. */
export interface DeltaSource extends SourcePosition {
  tsMs: number;
}

/**
 * An emitted record, as the Avro schemas in schemas/ write it. An UPSERT carries the whole desired
 * record; a DELETE carries none (data null, changedFields empty) and compaction later drops the key.
 */
export interface Delta {
  op: DeltaOp;
  reason: DeltaReason;
  /** Canonical names of the fields that differ from the loaded record, in the entity's field order. */
  changedFields: string[];
  key: string;
  data: CanonicalRecord | null;
  source: DeltaSource;
  emittedAtMs: number;
}
