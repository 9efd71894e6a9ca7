/**
 * Kafka's variable-length integers (the record format's varint: zig-zag, then 7 bits per byte,
 * least significant first), for the encoders that write records without kafkajs's Encoder.
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
