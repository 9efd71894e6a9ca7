/**
 * A change of one source row, independent of the wire format it arrived in: the JSON decoder
 * produces it today, an Avro decoder (Confluent wire format through the registry) will produce the
 * same thing, and everything after decode only ever sees this.
 */
import { snapshotPhase } from '../capture/source-position.js';
import type { SourcePosition } from '../model/source-position.js';

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
  /** Where the ERP wrote the change, from the envelope's source block; undefined when it names none usable. */
  position: SourcePosition | undefined;
  /**
   * A row read by a snapshot rather than a change (source.snapshot): `initial` for the snapshot a
   * connector takes when it starts without offsets (also after a capture reset), `incremental`
   * for a re-read signalled while streaming; undefined for a streamed change.
   */
  snapshot?: SnapshotKind | undefined;
}

export type SnapshotKind = 'initial' | 'incremental';

/** The kind of snapshot a source block's `snapshot` member names (capture/source-position.ts reads it). */
export function snapshotKind(value: unknown): SnapshotKind | undefined {
  const phase = snapshotPhase(value);
  return phase === 'snapshot' ? 'initial' : phase === 'incremental' ? 'incremental' : undefined;
}

/**
 * The null value Debezium writes right after a delete event so that compaction can drop the key.
 * The delete before it carried the change; a tombstone alone (compaction removed its delete) still
 * deletes a loaded key (batch-decision.ts).
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
