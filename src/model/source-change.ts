import { createHash } from 'node:crypto';

/**
 * A change of one source row, independent of the wire format it arrived in: the JSON decoder
 * produces it today, an Avro decoder (Confluent wire format through the registry) will produce the
 * same thing, and everything after decode only ever sees this.
 */
import { ErpDeltaError } from '../errors/erp-delta-error.js';
import type { SourcePosition } from './source-position.js';

/** Debezium's operations: create, update, delete, and read (a snapshot of an existing row). */
export type SourceOp = 'c' | 'u' | 'd' | 'r';

/** Column name -> raw column value, as Debezium sent it. */
export type SourceRow = Record<string, unknown>;

/** The error for a record the tracker cannot read; the caller dead-letters it with this reason. */
export function decodeFailed(reason: string, cause?: unknown): ErpDeltaError {
  return new ErpDeltaError('DECODE_FAILED', `Cannot decode the record: ${reason}.`, cause === undefined ? {} : { cause });
}

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

/**
 * The null value Debezium writes right after a delete event so that compaction can drop the key.
 * The delete before it carried the change; a tombstone alone (compaction removed its delete) still
 * deletes a loaded key (batch-decision.ts).
 */
export interface SourceTombstone {
  kind: 'tombstone';
  key: SourceRow;
}

/**
 * A TRUNCATE of the table, where the connector forwards them (`skipped.operations` without `t`):
 * it names no row, so it has no key; every row the table held before it is gone. The tracker has
 * every task of the entity delete what it loaded from before this source position (DESIGN "Full
 * compare", truncate events).
 */
export interface SourceTruncate {
  kind: 'truncate';
  sourceTsMs: number;
  position: SourcePosition | undefined;
}

export type DecodedSourceRecord = SourceChange | SourceTombstone | SourceTruncate;

/**
 * What Debezium sends instead of a TOASTed column an UPDATE left unchanged (with REPLICA IDENTITY
 * DEFAULT the old value is not in the WAL). It means "unchanged", never a new value.
 */
export const DEBEZIUM_UNAVAILABLE_VALUE = '__debezium_unavailable_value';

const PLACEHOLDER_BYTES = Buffer.from(DEBEZIUM_UNAVAILABLE_VALUE);

/**
 * The placeholder as text in every form JsonConverter writes it: Debezium converts it to the
 * column's type (its PostgreSQL connector's UnchangedToastedPlaceholder), so a bytea arrives as
 * the placeholder's bytes in base64 (binary.handling.mode bytes or base64) or base64-url-safe.
 * (In hex mode the test stack's Debezium 3.6 sends the placeholder text itself; its hex is kept
 * for a version that converts it.)
 */
const PLACEHOLDER_TEXTS: readonly string[] = [
  DEBEZIUM_UNAVAILABLE_VALUE,
  PLACEHOLDER_BYTES.toString('base64'),
  PLACEHOLDER_BYTES.toString('base64url'),
  `${PLACEHOLDER_BYTES.toString('base64url')}==`,
  PLACEHOLDER_BYTES.toString('hex'),
];

/**
 * Whether a text is the placeholder in one of its text forms. Compared one form at a time, not
 * looked up in a set: every text column of every record passes here, a comparison of texts of
 * different lengths or first characters ends at once, and a set would hash each text of a
 * placeholder's length (the bench's item names are 28 characters long, as the placeholder is:
 * the set's lookups were 2.4 % of the tracker's catch-up in a CPU profile).
 */
function isPlaceholderText(text: string): boolean {
  for (const form of PLACEHOLDER_TEXTS) if (text === form) return true;
  return false;
}

/** An int[] or bigint[] column's placeholder: the placeholder's bytes as numbers. */
const PLACEHOLDER_NUMBERS: readonly number[] = [...PLACEHOLDER_BYTES];

/** A uuid[] column's placeholder: Java's UUID.nameUUIDFromBytes of the placeholder (an MD5 UUID, version 3). */
const PLACEHOLDER_UUID = (() => {
  const md5 = createHash('md5').update(PLACEHOLDER_BYTES).digest();
  md5[6] = ((md5[6] ?? 0) & 0x0f) | 0x30;
  md5[8] = ((md5[8] ?? 0) & 0x3f) | 0x80;
  const hex = md5.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
})();

/**
 * Whether a column's value is Debezium's unavailable-value placeholder in any of the forms its
 * PostgreSQL connector gives it per column type: the text itself; a bytea's bytes (see
 * PLACEHOLDER_TEXTS); a one-element text[], bytea[] or uuid[] of it; an int[]/bigint[] of its
 * bytes; an hstore map from it to it. The forms other than the text cost nothing for other values:
 * they are checked only for a string of one of those lengths, an array, or an object.
 */
export function isUnavailableValue(raw: unknown): boolean {
  if (raw === DEBEZIUM_UNAVAILABLE_VALUE) return true;
  if (typeof raw === 'string') return isPlaceholderText(raw);
  if (Array.isArray(raw)) {
    if (raw.length === 1) return raw[0] === PLACEHOLDER_UUID || (typeof raw[0] === 'string' && isPlaceholderText(raw[0]));
    return raw.length === PLACEHOLDER_NUMBERS.length && raw.every((value, index) => value === PLACEHOLDER_NUMBERS[index]);
  }
  if (typeof raw === 'object' && raw !== null) {
    const members = Object.keys(raw);
    return members.length === 1 && members[0] === DEBEZIUM_UNAVAILABLE_VALUE && (raw as Record<string, unknown>)[DEBEZIUM_UNAVAILABLE_VALUE] === DEBEZIUM_UNAVAILABLE_VALUE;
  }
  return false;
}
