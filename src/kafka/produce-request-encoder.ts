/**
 * kafkajs's Produce request (protocol/requests/produce/v3, which v4 to v7 reuse), with an encode
 * that writes the request body in one pass into one buffer of the exact size. kafkajs builds each
 * record in a buffer of its own (from a copy of the message with two more members), copies the
 * records into a growing record batch, the batch into another buffer for its length prefix, that
 * into the partition's, the topic's and the request's: about a third of what an emitted delta
 * cost the tracker more than a suppressed event (bench/HISTORY.md). The bytes are the same; a send
 * this does not handle (compression, message headers or timestamps, an empty partition) is left to
 * kafkajs.
 *
 * kafkajs-replacements.ts puts it in place.
 */
import { hasHeaders } from './record-encoder.js';
import { recordBytesLength, recordBytesSize, varIntSize, writeRecordBytes, writeVarInt, type RecordBytes } from './varint.js';

export interface ProduceMessage {
  key?: RecordBytes;
  value?: RecordBytes;
  headers?: Record<string, unknown>;
  timestamp?: number | string | null;
}

export interface ProduceRequestInput {
  acks: number;
  timeout: number;
  transactionalId?: string | null;
  /** A kafkajs Long (utils/long.js); the request's default is -1. */
  producerId?: unknown;
  producerEpoch?: number;
  compression?: number;
  topicData: Array<{ topic: string; partitions: Array<{ partition: number; firstSequence?: number; messages: ProduceMessage[] }> }>;
}

/** kafkajs's request object: its encode yields a kafkajs Encoder (buf, offset). */
export interface ProduceRequest {
  encode(): Promise<{ buf: Buffer; offset: number }>;
  [member: string]: unknown;
}

export type ProduceRequestFactory = (input: ProduceRequestInput) => ProduceRequest;

/** What the encoder needs of kafkajs: its Encoder's prototype, its CRC-32C and its Long. */
export interface KafkajsParts {
  encoderPrototype: object;
  crc32C: (bytes: Buffer) => number;
  longBits: (value: unknown) => { high: number; low: number };
}

const NO_COMPRESSION = 0;
const MAGIC_BYTE = 2;
const TRANSACTIONAL_ATTRIBUTE = 16;
/** int64 first offset + int32 length + int32 partition leader epoch + int8 magic + uint32 crc. */
const BATCH_HEADER_BYTES = 8 + 4 + 4 + 1 + 4;
/** attributes, last offset delta, first and max timestamp, producer id and epoch, first sequence, record count. */
const BATCH_BODY_FIXED_BYTES = 2 + 4 + 8 + 8 + 8 + 2 + 4 + 4;
const INT32_MAX = 2 ** 31 - 1;

/** Returns kafkajs's v3 request factory with the one-pass encode wherever it applies. */
export function onePassProduceRequest(original: ProduceRequestFactory, kafkajs: KafkajsParts): ProduceRequestFactory {
  const produceRequest: ProduceRequestFactory = (input) => {
    const request = original(input);
    if (!isOnePassEncodable(input)) return request;
    return { ...request, encode: () => Promise.resolve(encodeProduceRequest(input, kafkajs)) };
  };
  return produceRequest;
}

function isOnePassEncodable(input: ProduceRequestInput): boolean {
  if ((input.compression ?? NO_COMPRESSION) !== NO_COMPRESSION) return false;
  if (!Number.isInteger(input.acks) || !Number.isInteger(input.timeout)) return false;
  for (const { partitions } of input.topicData) {
    for (const { messages, firstSequence } of partitions) {
      if (messages.length === 0 || messages.length > INT32_MAX) return false;
      if (firstSequence !== undefined && !Number.isInteger(firstSequence)) return false;
      for (const message of messages) {
        if (message.timestamp != null || (message.headers !== undefined && hasHeaders(message.headers))) return false;
      }
    }
  }
  return true;
}

/** One partition's records as measured before writing: each record's key, value and body sizes, and the batch's whole size. */
interface MeasuredRecords {
  keyLengths: Int32Array;
  valueLengths: Int32Array;
  bodySizes: Int32Array;
  batchBytes: number;
}

function encodeProduceRequest(input: ProduceRequestInput, kafkajs: KafkajsParts): { buf: Buffer; offset: number } {
  // kafkajs stamps each batch with Date.now() when it has no message timestamps; so does this.
  const now = Date.now();
  const transactionalId = input.transactionalId ?? null;
  const measured = input.topicData.map(({ partitions }) => partitions.map(({ messages }) => measure(messages)));
  let size = stringBytes(transactionalId) + 2 + 4 + 4;
  input.topicData.forEach(({ topic, partitions }, topicIndex) => {
    size += stringBytes(topic) + 4;
    partitions.forEach((_partition, partitionIndex) => {
      size += 4 + 4 + (measured[topicIndex]?.[partitionIndex]?.batchBytes ?? 0);
    });
  });

  const buf = Buffer.allocUnsafe(size);
  let at = writeString(buf, 0, transactionalId);
  at = buf.writeInt16BE(input.acks, at);
  at = buf.writeInt32BE(input.timeout, at);
  at = buf.writeInt32BE(input.topicData.length, at);
  const producerId = kafkajs.longBits(input.producerId ?? -1);
  input.topicData.forEach(({ topic, partitions }, topicIndex) => {
    at = writeString(buf, at, topic);
    at = buf.writeInt32BE(partitions.length, at);
    partitions.forEach(({ partition, firstSequence, messages }, partitionIndex) => {
      const records = measured[topicIndex]?.[partitionIndex];
      if (!records) throw new Error('a partition was not measured');
      at = buf.writeInt32BE(partition, at);
      at = buf.writeInt32BE(records.batchBytes, at);
      at = writeRecordBatch(buf, at, messages, records, {
        attributes: transactionalId === null ? 0 : TRANSACTIONAL_ATTRIBUTE,
        timestamp: now,
        producerId,
        producerEpoch: input.producerEpoch ?? 0,
        firstSequence: firstSequence ?? 0,
      }, kafkajs.crc32C);
    });
  });
  if (at !== size) throw new Error(`produce request encoded in ${at} bytes, ${size} expected`);
  const encoder = Object.create(kafkajs.encoderPrototype) as { buf: Buffer; offset: number };
  encoder.buf = buf;
  encoder.offset = at;
  return encoder;
}

interface BatchFields {
  attributes: number;
  timestamp: number;
  producerId: { high: number; low: number };
  producerEpoch: number;
  firstSequence: number;
}

/** kafkajs's RecordBatch v0: first offset 0, then the length-prefixed batch. */
function writeRecordBatch(buf: Buffer, start: number, messages: readonly ProduceMessage[], records: MeasuredRecords, fields: BatchFields, crc32C: (bytes: Buffer) => number): number {
  let at = writeInt64(buf, start, 0, 0);
  at = buf.writeInt32BE(records.batchBytes - 12, at);
  at = buf.writeInt32BE(0, at); // partition leader epoch
  at = buf.writeInt8(MAGIC_BYTE, at);
  const crcAt = at;
  at += 4;
  const bodyStart = at;
  at = buf.writeInt16BE(fields.attributes, at);
  at = buf.writeInt32BE(messages.length - 1, at);
  at = writeInt64(buf, at, Math.floor(fields.timestamp / 2 ** 32), fields.timestamp >>> 0);
  at = writeInt64(buf, at, Math.floor(fields.timestamp / 2 ** 32), fields.timestamp >>> 0);
  at = writeInt64(buf, at, fields.producerId.high, fields.producerId.low);
  at = buf.writeInt16BE(fields.producerEpoch, at);
  at = buf.writeInt32BE(fields.firstSequence, at);
  at = buf.writeInt32BE(messages.length, at);
  for (let index = 0; index < messages.length; index += 1) {
    const message = messages[index] as ProduceMessage;
    at = writeVarInt(buf, at, records.bodySizes[index] ?? 0);
    buf[at] = 0; // record attributes: none
    buf[at + 1] = 0; // timestamp delta: every record has the batch's timestamp
    at = writeVarInt(buf, at + 2, index); // offset delta
    at = writeRecordBytes(buf, at, message.key, records.keyLengths[index] ?? -1);
    at = writeRecordBytes(buf, at, message.value, records.valueLengths[index] ?? -1);
    buf[at] = 0; // no headers
    at += 1;
  }
  buf.writeUInt32BE(crc32C(buf.subarray(bodyStart, at)) >>> 0, crcAt);
  if (at - start !== records.batchBytes) throw new Error(`record batch encoded in ${at - start} bytes, ${records.batchBytes} expected`);
  return at;
}

function measure(messages: readonly ProduceMessage[]): MeasuredRecords {
  const keyLengths = new Int32Array(messages.length);
  const valueLengths = new Int32Array(messages.length);
  const bodySizes = new Int32Array(messages.length);
  let batchBytes = BATCH_HEADER_BYTES + BATCH_BODY_FIXED_BYTES;
  for (let index = 0; index < messages.length; index += 1) {
    const message = messages[index] as ProduceMessage;
    const keyLength = recordBytesLength(message.key);
    const valueLength = recordBytesLength(message.value);
    keyLengths[index] = keyLength;
    valueLengths[index] = valueLength;
    // attributes, timestamp delta (0), offset delta, key, value, header count (0)
    const body = 1 + 1 + varIntSize(index) + recordBytesSize(keyLength) + recordBytesSize(valueLength) + 1;
    bodySizes[index] = body;
    batchBytes += varIntSize(body) + body;
  }
  return { keyLengths, valueLengths, bodySizes, batchBytes };
}

function stringBytes(value: string | null): number {
  return value === null ? 2 : 2 + Buffer.byteLength(value, 'utf8');
}

function writeString(buf: Buffer, at: number, value: string | null): number {
  if (value === null) return buf.writeInt16BE(-1, at);
  const start = buf.writeInt16BE(Buffer.byteLength(value, 'utf8'), at);
  return start + buf.write(value, start, 'utf8');
}

function writeInt64(buf: Buffer, at: number, high: number, low: number): number {
  return buf.writeInt32BE(low | 0, buf.writeInt32BE(high | 0, at));
}
