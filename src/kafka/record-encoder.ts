/**
 * kafkajs's encoder of one record of a produced record batch (protocol/recordBatch/record/v0),
 * writing the same bytes into one buffer of the exact size. kafkajs's own starts each record
 * with a zero-filled 512-byte buffer, builds every varint as an array copied into a new Buffer,
 * and computes the timestamp delta's varint with Longs: about 1.5 KB allocated per delta
 * (measured). Records with headers (dead letters) or deltas beyond 32 bits are left to kafkajs's
 * encoder; deltas have neither. kafkajs-replacements.ts puts this one in place.
 */
import { recordBytesLength, recordBytesSize, varIntSize, writeRecordBytes, writeVarInt } from './varint.js';

export interface KafkaRecordInput {
  offsetDelta?: number;
  timestampDelta?: number;
  key?: Buffer | string | null;
  value?: Buffer | string | null;
  headers?: Record<string, unknown>;
}

/** kafkajs's Encoder (protocol/encoder.js): what the record batch encoder copies a record from. */
export interface KafkaEncoder {
  buf: Buffer;
  offset: number;
}

export type KafkaRecordEncoder = (record: KafkaRecordInput) => KafkaEncoder;

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** Returns an encoder that writes records as kafkajs's `original` does; `encoderPrototype` is kafkajs's Encoder.prototype. */
export function exactSizeRecordEncoder(original: KafkaRecordEncoder, encoderPrototype: object): KafkaRecordEncoder {
  const encodeRecordExactSize: KafkaRecordEncoder = (record) => {
    const { offsetDelta = 0, timestampDelta = 0, key = null, value = null, headers } = record;
    if (!isInt32(offsetDelta) || !isInt32(timestampDelta) || (headers !== undefined && hasHeaders(headers))) return original(record);
    const keyLength = recordBytesLength(key);
    const valueLength = recordBytesLength(value);
    const bodySize = 1 + varIntSize(timestampDelta) + varIntSize(offsetDelta) + recordBytesSize(keyLength) + recordBytesSize(valueLength) + varIntSize(0);
    const buf = Buffer.allocUnsafe(varIntSize(bodySize) + bodySize);
    let at = writeVarInt(buf, 0, bodySize);
    buf[at] = 0; // attributes: none are used
    at = writeVarInt(buf, at + 1, timestampDelta);
    at = writeVarInt(buf, at, offsetDelta);
    at = writeRecordBytes(buf, at, key, keyLength);
    at = writeRecordBytes(buf, at, value, valueLength);
    at = writeVarInt(buf, at, 0); // no headers
    const encoder = Object.create(encoderPrototype) as KafkaEncoder;
    encoder.buf = buf;
    encoder.offset = at;
    return encoder;
  };
  return encodeRecordExactSize;
}

function isInt32(value: number): boolean {
  return Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX;
}

/** Whether a message's headers object has any header (kafkajs writes `{}` as none). */
export function hasHeaders(headers: object): boolean {
  for (const _name in headers) return true;
  return false;
}
