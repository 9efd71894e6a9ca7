import { decodeFailed, isRow, sourceChangeFromEnvelope } from './debezium-envelope.js';
import { readCompactEnvelope } from './compact-envelope.js';
import { CONFLUENT_MAGIC_BYTE } from './confluent-wire-format.js';
import type { DecodedSourceRecord, SourceRow } from './source-change.js';

/**
 * Decodes a record written by Kafka Connect's JsonConverter from a Debezium source: key and value
 * with the schema part (`schemas.enable=true`: {schema, payload}) or without it (the bare key
 * columns and the bare envelope). A null value is a tombstone. Anything else that is not a c, u,
 * d or r change of a keyed row throws DECODE_FAILED saying what is wrong. The usual envelope is
 * read without parsing the parts the tracker does not use (compact-envelope.ts).
 */
export function decodeDebeziumJson(key: Buffer | null, value: Buffer | null): DecodedSourceRecord {
  const keyColumns = decodeKey(key);
  if (value === null) return { kind: 'tombstone', key: keyColumns };
  const text = textOf(value, 'value');
  const compact = readCompactEnvelope(text, keyColumns);
  if (compact !== undefined) return compact;
  const json = parseJson(text, 'value');
  const envelope = withoutSchemaPart(json);
  if (envelope === null) return { kind: 'tombstone', key: keyColumns };
  if (envelope === json && isRow(json) && !('op' in json)) {
    throw decodeFailed('the value has neither a payload (JsonConverter with schemas) nor an op (a bare Debezium envelope)');
  }
  return sourceChangeFromEnvelope(envelope, keyColumns);
}

function decodeKey(key: Buffer | null): SourceRow {
  if (key === null || key.length === 0) throw decodeFailed('the record has no key');
  const columns = withoutSchemaPart(parseJson(textOf(key, 'key'), 'key'));
  if (!isRow(columns) || isEmpty(columns)) throw decodeFailed('the key is not an object of key columns');
  return columns;
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
