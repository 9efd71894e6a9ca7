/**
 * A change of one source row, independent of the wire format it arrived in: the JSON decoder
 * produces it today, an Avro decoder (Confluent wire format through the registry) will produce the
 * same thing, and everything after decode only ever sees this.
 */

/** Debezium's operations: create, update, delete, and read (a snapshot of an existing row). */
export type SourceOp = 'c' | 'u' | 'd' | 'r';

/** Column name -> raw column value, as Debezium sent it. */
export type SourceRow = Record<string, unknown>;

export interface SourceChange {
  kind: 'change';
  op: SourceOp;
  /** The key columns, from the record's key. */
  key: SourceRow;
  /** With REPLICA IDENTITY DEFAULT: null on update, the key columns only on delete. Never needed. */
  before: SourceRow | null;
  /** The row after the change; null for a delete. */
  after: SourceRow | null;
  /** When the change happened in the database (the envelope's source.ts_ms). */
  sourceTsMs: number;
}

/**
 * The null value Debezium writes after a delete so that compaction can drop the key. The delete
 * event before it already carried the delete, so the tracker ignores tombstones.
 */
export interface SourceTombstone {
  kind: 'tombstone';
  key: SourceRow;
}

export type DecodedSourceRecord = SourceChange | SourceTombstone;

/**
 * What Debezium sends instead of a TOASTed column an UPDATE left unchanged (with REPLICA IDENTITY
 * DEFAULT the old value is not in the WAL). It means "unchanged", never a new value.
 */
export const DEBEZIUM_UNAVAILABLE_VALUE = '__debezium_unavailable_value';
