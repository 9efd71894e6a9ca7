import avro, { type Schema, type Type } from 'avsc';

/**
 * An Avro long as erp-delta holds it: a JavaScript number while it is a safe integer
 * (|n| < 2^53), and its decimal text beyond ("9007199254740993"), the canonical value of an
 * integer field (normalize/integer.ts). Every long has exactly one such value, so values read
 * back compare with `===` to the ones written.
 */
export type ExactLong = number | string;

const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;
const TWO_TO_32 = 2 ** 32;
const SCRATCH = Buffer.alloc(8);

/** The decimal text of a long beyond 2^53: no plus, no leading zeros, 16 to 19 digits. */
const UNSAFE_LONG_TEXT = /^-?[1-9]\d{15,18}$/;

/**
 * avsc's own long type writes and reads only safe integers ("potential precision loss"), which
 * would refuse a bigint column's 9007199254740993 or round it (and, in avsc 5.7.9, reads the long
 * -(2^53 - 1) as 9007199254740990: its varint reading uses doubles). This one, built with avsc's public
 * API for custom longs (`LongType.__with`), writes a safe number, a bigint or the decimal text of
 * a long beyond 2^53, and reads back an ExactLong. avsc hands it the long as 8 bytes, little-endian
 * two's complement, and does the zigzag varint itself.
 *
 * The text form is accepted only for a long beyond 2^53, never for "42": so in an unwrapped union
 * of a long with a string (no delta schema has one) no text but those digits is taken for a long.
 */
export const exactLongType: Type = avro.types.LongType.__with({
  fromBuffer(bytes: Buffer): ExactLong {
    // Two halves as doubles: exact while the sum is safe, and no BigInt for the usual long.
    const value = bytes.readInt32LE(4) * TWO_TO_32 + bytes.readUInt32LE(0);
    return Number.isSafeInteger(value) ? value : bytes.readBigInt64LE(0).toString();
  },
  toBuffer(value: ExactLong | bigint): Buffer {
    // One buffer for every long: avsc packs it into the varint before it asks for the next one
    // (encoding is synchronous), and a buffer per long cost 300 ns per delta of four longs.
    const bytes = SCRATCH;
    if (typeof value === 'number') {
      const high = Math.floor(value / TWO_TO_32);
      bytes.writeInt32LE(high, 4);
      bytes.writeUInt32LE(value - high * TWO_TO_32, 0);
    } else {
      bytes.writeBigInt64LE(BigInt(value), 0);
    }
    return bytes;
  },
  fromJSON(any: unknown): ExactLong {
    const long = exactLongOf(any);
    // avsc's contract for a custom long: it reports this as an invalid default or value.
    if (long === undefined) throw new Error(`not a long: ${String(any)}`);
    return long;
  },
  toJSON(value: ExactLong | bigint): ExactLong {
    return typeof value === 'bigint' ? canonicalLong(value) : value;
  },
  isValid(value: unknown): boolean {
    if (typeof value === 'number') return Number.isSafeInteger(value);
    if (typeof value === 'bigint') return value >= LONG_MIN && value <= LONG_MAX;
    return typeof value === 'string' && isUnsafeLongText(value);
  },
  compare(left: ExactLong | bigint, right: ExactLong | bigint): number {
    const [a, b] = typeof left === 'number' && typeof right === 'number' ? [left, right] : [BigInt(left), BigInt(right)];
    return a < b ? -1 : a > b ? 1 : 0;
  },
});

/**
 * A custom type hook for avsc's `Type.forSchema` that makes every long exactLongType: `"long"` and
 * `{"type": "long", ...}` alike (Debezium's Avro schemas write a long with attributes such as
 * connect.name in the object form, which avsc's `registry` option never sees: it is consulted for
 * type names only). A long with a logicalType is left to avsc, so that a `logicalTypes` option
 * still applies to it.
 */
export function exactLongTypeHook(schema: Schema): Type | undefined {
  if (schema === 'long') return exactLongType;
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return undefined;
  const members = schema as { type?: unknown; logicalType?: unknown };
  return members.type === 'long' && members.logicalType === undefined ? exactLongType : undefined;
}

/** The ExactLong of a number, bigint or integer text, or undefined for anything that is not a long. */
function exactLongOf(any: unknown): ExactLong | undefined {
  if (typeof any === 'number') return Number.isSafeInteger(any) ? any : undefined;
  let value: bigint;
  if (typeof any === 'bigint') value = any;
  else if (typeof any === 'string' && /^-?\d{1,19}$/.test(any)) value = BigInt(any);
  else return undefined;
  return value >= LONG_MIN && value <= LONG_MAX ? canonicalLong(value) : undefined;
}

function canonicalLong(value: bigint): ExactLong {
  const number = Number(value);
  return Number.isSafeInteger(number) ? number : value.toString();
}

function isUnsafeLongText(text: string): boolean {
  if (!UNSAFE_LONG_TEXT.test(text)) return false;
  const value = BigInt(text);
  return value >= LONG_MIN && value <= LONG_MAX && !Number.isSafeInteger(Number(value));
}
