/**
 * Kafka's variable-length integers (the record format's varint: zig-zag, then 7 bits per byte,
 * least significant first) and the varint-prefixed bytes of a record's key and value, for the
 * encoders that write records without kafkajs's Encoder.
 */

function zigZag(value: number): number {
  return ((value << 1) ^ (value >> 31)) >>> 0;
}

/** How many bytes `value` (an int32) takes as a varint. */
export function varIntSize(value: number): number {
  let unsigned = zigZag(value);
  let size = 1;
  while (unsigned >= 0x80) {
    unsigned >>>= 7;
    size += 1;
  }
  return size;
}

/** Writes `value` (an int32) at `at`; returns where the next field starts. */
export function writeVarInt(buf: Buffer, at: number, value: number): number {
  let unsigned = zigZag(value);
  let next = at;
  while (unsigned >= 0x80) {
    buf[next] = (unsigned & 0x7f) | 0x80;
    unsigned >>>= 7;
    next += 1;
  }
  buf[next] = unsigned;
  return next + 1;
}

/** A record's key or value as kafkajs takes it: a Buffer is written as it is, anything else as the UTF-8 of its text. */
export type RecordBytes = Buffer | string | null | undefined;

/** The length a record's key or value is written with: -1 for none. */
export function recordBytesLength(value: RecordBytes): number {
  if (value === null || value === undefined) return -1;
  return Buffer.isBuffer(value) ? value.length : Buffer.byteLength(String(value), 'utf8');
}

/** How many bytes a key or value of `length` (recordBytesLength) takes: the varint length, then the bytes. */
export function recordBytesSize(length: number): number {
  return varIntSize(length) + Math.max(length, 0);
}

/** Writes a key or value whose recordBytesLength is `length`; returns where the next field starts. */
export function writeRecordBytes(buf: Buffer, at: number, value: RecordBytes, length: number): number {
  const start = writeVarInt(buf, at, length);
  if (value === null || value === undefined) return start;
  if (Buffer.isBuffer(value)) return start + value.copy(buf, start);
  return start + buf.write(String(value), start, length, 'utf8');
}
