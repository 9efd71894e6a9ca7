/**
 * kafkajs's decoder of one record of a fetched record batch (protocol/recordBatch/record/v0), with
 * the same result, without its Long arithmetic: kafkajs reads the timestamp delta as a Long and
 * adds both deltas with Longs, about ten objects per record, a tenth of everything the tracker
 * allocated (measured). Here the varints are read as numbers, which is exact while the values stay
 * within 2^53; a record outside that (a timestamp or offset no broker writes today) is handed to
 * kafkajs's own decoder, from where it started. kafkajs-replacements.ts puts this one in place.
 */

/** The part of kafkajs's Decoder (protocol/decoder.js) a record is read with. */
export interface KafkaRecordReader {
  buffer: Buffer;
  offset: number;
  readInt8(): number;
  readVarInt(): number;
  readVarIntBytes(): Buffer | null;
  readVarIntString(): string | null;
}

/** What kafkajs's record batch decoder passes for each of its records. */
export interface KafkaRecordBatchContext {
  firstOffset: string;
  firstTimestamp: string;
  maxTimestamp: string;
  magicByte?: number;
  isControlBatch?: boolean;
  timestampType?: number;
}

export interface DecodedKafkaRecord {
  magicByte: number | undefined;
  attributes: number;
  timestamp: string;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | null | Array<Buffer | null>>;
  isControlRecord: boolean;
  batchContext: KafkaRecordBatchContext;
}

export type KafkaRecordDecoder = (decoder: KafkaRecordReader, batchContext: KafkaRecordBatchContext) => DecodedKafkaRecord;

/** kafkajs's TimestampTypes.LOG_APPEND_TIME. */
const LOG_APPEND_TIME = 1;

/** A varint of more bytes than this may exceed 2^53: kafkajs's decoder reads it. */
const MAX_NUMBER_VARLONG_BYTES = 7;

/** Returns a decoder that reads records as kafkajs's `original` does, falling back to it when a number would not be exact. */
export function numberRecordDecoder(original: KafkaRecordDecoder): KafkaRecordDecoder {
  const decodeRecordWithNumbers: KafkaRecordDecoder = (decoder, batchContext) => {
    const start = decoder.offset;
    const attributes = decoder.readInt8();
    const timestampDelta = readZigZagVarLong(decoder);
    const timestampNumber = Number(batchContext.firstTimestamp) + (timestampDelta ?? 0);
    const offsetNumber = Number(batchContext.firstOffset) + decoder.readVarInt();
    if (timestampDelta === undefined || !Number.isSafeInteger(timestampNumber) || !Number.isSafeInteger(offsetNumber)) {
      decoder.offset = start;
      return original(decoder, batchContext);
    }
    const appendTime = batchContext.timestampType === LOG_APPEND_TIME && batchContext.maxTimestamp;
    const timestamp = appendTime ? batchContext.maxTimestamp : String(timestampNumber);
    const offset = String(offsetNumber);
    const key = decoder.readVarIntBytes();
    const value = decoder.readVarIntBytes();
    return {
      magicByte: batchContext.magicByte,
      attributes,
      timestamp,
      offset,
      key,
      value,
      headers: readHeaders(decoder),
      isControlRecord: batchContext.isControlBatch ?? false,
      batchContext,
    };
  };
  return decodeRecordWithNumbers;
}

/**
 * A zigzag varlong as a number, or undefined (nothing read) when it has more bytes than a number
 * holds exactly.
 */
function readZigZagVarLong(decoder: KafkaRecordReader): number | undefined {
  const { buffer } = decoder;
  let at = decoder.offset;
  let unsigned = 0;
  let scale = 1;
  for (let bytes = 1; ; bytes += 1) {
    if (bytes > MAX_NUMBER_VARLONG_BYTES || at >= buffer.length) return undefined;
    const byte = buffer[at] as number;
    at += 1;
    unsigned += (byte & 0x7f) * scale;
    if (byte < 0x80) break;
    scale *= 128;
  }
  decoder.offset = at;
  // Zigzag: even numbers are the non-negative values, odd ones the negative.
  return unsigned % 2 === 0 ? unsigned / 2 : -(unsigned + 1) / 2;
}

/** Headers as kafkajs gives them: by key, a repeated key's values in an array in their order. */
function readHeaders(decoder: KafkaRecordReader): DecodedKafkaRecord['headers'] {
  const headers: DecodedKafkaRecord['headers'] = {};
  const count = decoder.readVarInt();
  for (let index = 0; index < count; index += 1) {
    const key = decoder.readVarIntString() as string;
    const value = decoder.readVarIntBytes();
    const earlier = Object.hasOwn(headers, key) ? headers[key] : undefined;
    if (Array.isArray(earlier)) earlier.push(value);
    else setOwn(headers, key, earlier === undefined ? value : [earlier, value]);
  }
  return headers;
}

/** A header named "__proto__" is a header like any other, not the object's prototype. */
function setOwn(headers: DecodedKafkaRecord['headers'], key: string, value: DecodedKafkaRecord['headers'][string]): void {
  if (key === '__proto__') Object.defineProperty(headers, key, { value, enumerable: true, writable: true, configurable: true });
  else headers[key] = value;
}
