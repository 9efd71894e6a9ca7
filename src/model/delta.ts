import type { SourceConnector } from './source-position.js';
import type { CanonicalRecord } from '../normalize/canonical-value.js';

export type DeltaOp = 'UPSERT' | 'DELETE';

/** Why a delta was emitted (DESIGN "Vocabulary"). */
export type DeltaReason = 'CHANGE' | 'ASSIGNMENT' | 'REFRESH' | 'RECONCILE';

export const DELTA_REASONS: readonly DeltaReason[] = ['CHANGE', 'ASSIGNMENT', 'REFRESH', 'RECONCILE'];

/** Where a CDC record sits in Kafka. Offsets fit a double exactly (< 2^53), as Avro longs do. */
export interface KafkaPosition {
  topic: string;
  partition: number;
  offset: number;
}

/**
 * The source record a delta answers: where it sits in Kafka, when its change happened in the
 * database, and where the ERP wrote it (DESIGN "Source positions"), which orders a key's versions.
 * The members are the Avro `source` record's, so a delta is written as it is.
 */
export interface DeltaSource extends KafkaPosition {
  tsMs: number;
  /** The Debezium connector that read the change; null when the record carried no usable position. */
  connector: SourceConnector | null;
  /** The change's source position as its sortable text (model/source-position.ts); null with connector. */
  position: string | null;
  /** The source epoch the position belongs to: positions of different epochs are never compared. */
  epoch: number;
}

/**
 * An emitted record, as the Avro schema generated from the config (delta-schema.ts) writes it. An UPSERT carries the whole desired
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
