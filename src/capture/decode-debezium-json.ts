import { isRow, isTruncateEnvelope, sourceChangeFromEnvelope, sourceTruncateFromEnvelope } from './debezium-envelope.js';
import { readCompactEnvelope } from './compact-envelope.js';
import { CONFLUENT_MAGIC_BYTE } from '../registry/confluent-wire-format.js';
import { holdsInexactInteger, parseExactJson, rowHoldsInexactInteger } from './exact-json.js';
import { decodeFailed, type DecodedSourceRecord, type SourceRow } from '../model/source-change.js';

/**
 * Decodes a record written by Kafka Connect's JsonConverter from a Debezium source: key and value
 * with the schema part (`schemas.enable=true`: {schema, payload}) or without it (the bare key
 * columns and the bare envelope). A null value is a tombstone; a value without a key, Debezium's
 * truncate event (op t). Anything else that is not a c, u, d or r change of a keyed row throws
 * DECODE_FAILED saying what is wrong. The usual envelope is
 * read without parsing the parts the tracker does not use (compact-envelope.ts). Key columns and
 * rows hold an integer beyond 2^53 exactly, as a bigint (exact-json.ts).
 */
export function decodeDebeziumJson(key: Buffer | null, value: Buffer | null): DecodedSourceRecord {
  if ((key === null || key.length === 0) && value !== null) {
    const envelope = withoutSchemaPart(parseJson(textOf(value, 'value'), 'value'));
    if (isRow(envelope) && isTruncateEnvelope(envelope)) return sourceTruncateFromEnvelope(envelope);
  }
  const keyColumns = decodeKeyColumns(key);
  if (value === null) return { kind: 'tombstone', key: keyColumns };
  const text = textOf(value, 'value');
  const compact = readCompactEnvelope(text, keyColumns);
  if (compact !== undefined) return compact;
  const json = parseJson(text, 'value');
  const envelope = withExactRows(withoutSchemaPart(json), text);
  if (envelope === null) return { kind: 'tombstone', key: keyColumns };
  if (envelope === json && isRow(json) && !('op' in json)) {
    throw decodeFailed('the value has neither a payload (JsonConverter with schemas) nor an op (a bare Debezium envelope)');
  }
  return sourceChangeFromEnvelope(envelope, keyColumns);
}

/** A record's key columns (JSON); DECODE_FAILED when it has none. */
export function decodeKeyColumns(key: Buffer | null): SourceRow {
  if (key === null || key.length === 0) throw decodeFailed('the record has no key');
  const text = textOf(key, 'key');
  let columns = withoutSchemaPart(parseJson(text, 'key'));
  // A bigint key column beyond 2^53: read again exactly, or two rows would share a key.
  if (isRow(columns) && rowHoldsInexactInteger(columns)) columns = withoutSchemaPart(parseExactly(text, 'key'));
  if (!isRow(columns) || isEmpty(columns)) throw decodeFailed('the key is not an object of key columns');
  return columns;
}

/**
 * The envelope with its before and after rows read exactly (exact-json.ts): JSON.parse read the
 * whole record, and a row holding an integer beyond 2^53, rare, is taken from a second, exact
 * parse of `text`. The rest stays as JSON.parse read it, as the compact reading does (its source
 * block holds Debezium's ts_ns, beyond 2^53 in every record, and read by nothing).
 */
export function withExactRows(envelope: unknown, text: string): unknown {
  if (!isRow(envelope)) return envelope;
  const before = holdsInexactInteger(envelope['before']);
  const after = holdsInexactInteger(envelope['after']);
  if (!before && !after) return envelope;
  const exact = withoutSchemaPart(parseExactly(text, 'value'));
  if (!isRow(exact)) return envelope;
  // Replaced in place: the caller compares the envelope with the parse it came from.
  if (before) envelope['before'] = exact['before'];
  if (after) envelope['after'] = exact['after'];
  return envelope;
}

function textOf(bytes: Buffer, part: 'key' | 'value'): string {
  if (bytes.length === 0) throw decodeFailed(`the ${part} is empty`);
  if (bytes[0] === CONFLUENT_MAGIC_BYTE) {
    throw decodeFailed(`the ${part} starts with byte 0, the Confluent wire format (Avro); this decoder reads JSON`);
  }
  return bytes.toString('utf8');
}

function parseJson(text: string, part: 'key' | 'value'): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw decodeFailed(`the ${part} is not JSON (${(error as Error).message})`, error);
  }
}

/** JSON.parse read `text`, so only what an exact parse cannot do fails here: nesting deeper than its recursion. */
function parseExactly(text: string, part: 'key' | 'value'): unknown {
  try {
    return parseExactJson(text);
  } catch (error) {
    throw decodeFailed(`the ${part} holds an integer beyond 2^53 and cannot be read exactly (${(error as Error).message})`, error);
  }
}

/**
 * JsonConverter with schemas wraps every key and value as exactly {schema, payload}. Exactly those
 * two keys: a bare envelope never has them, and a bare key has them only if the table's key
 * columns are named "schema" and "payload".
 */
function withoutSchemaPart(json: unknown): unknown {
  if (!isRow(json)) return json;
  if ('schema' in json && 'payload' in json && memberCount(json) === 2) return json['payload'];
  if (isConnectSchema(json['schema']) && !('payload' in json)) throw decodeFailed('the JSON has a schema part but no payload');
  return json;
}

// Counting members without Object.keys: these run twice for every CDC record.
function memberCount(row: SourceRow): number {
  let count = 0;
  for (const _member in row) count += 1;
  return count;
}

function isEmpty(row: SourceRow): boolean {
  for (const _member in row) return false;
  return true;
}

/** A Kafka Connect schema as JsonConverter writes it: {type: "struct", fields: [...], ...}. */
function isConnectSchema(value: unknown): boolean {
  return isRow(value) && typeof value['type'] === 'string';
}
