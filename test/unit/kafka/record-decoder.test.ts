import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { numberRecordDecoder, type KafkaRecordBatchContext, type KafkaRecordDecoder, type KafkaRecordReader } from '../../../src/kafka/record-decoder.js';

const require = createRequire(import.meta.url);
// kafkajs's own encoder, decoder and record decoder (this test never loads kafkajs-replacements.ts).
const kafkajsRecordDecoder = require('kafkajs/src/protocol/recordBatch/record/v0/decoder.js') as KafkaRecordDecoder;
const encodeRecord = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (record: {
  offsetDelta?: number; timestampDelta?: number; key: Buffer | string | null; value: Buffer | string | null; headers?: Record<string, string | string[]>;
}) => { buffer: Buffer };
const KafkaDecoder = require('kafkajs/src/protocol/decoder.js') as new (buffer: Buffer) => KafkaRecordReader;

const decoder = numberRecordDecoder(kafkajsRecordDecoder);

/** Decodes one encoded record as kafkajs's batch decoder does: its length-prefixed bytes, then the record. */
function decodeWith(decode: KafkaRecordDecoder, encoded: Buffer, context: KafkaRecordBatchContext): { record: ReturnType<KafkaRecordDecoder>; consumed: number } {
  const outer = new KafkaDecoder(encoded);
  const reader = new KafkaDecoder(outer.readVarIntBytes() as Buffer);
  const record = decode(reader, context);
  return { record, consumed: reader.offset };
}

const context = (firstOffset: string, firstTimestamp: string, extra: Partial<KafkaRecordBatchContext> = {}): KafkaRecordBatchContext => ({
  firstOffset, firstTimestamp, maxTimestamp: '1735689999999', magicByte: 2, isControlBatch: false, timestampType: 0, ...extra,
});

describe('record decoder without Long arithmetic', () => {
  const cases: Array<{ name: string; record: Parameters<typeof encodeRecord>[0]; context: KafkaRecordBatchContext }> = [
    { name: 'a plain record', record: { offsetDelta: 17, timestampDelta: 250, key: '{"code":"A"}', value: '{"op":"u"}' }, context: context('1000', '1735689600000') },
    { name: 'the first record of a batch', record: { key: 'k', value: 'v' }, context: context('0', '1735689600000') },
    { name: 'a null key and a tombstone', record: { offsetDelta: 3, timestampDelta: 1, key: null, value: null }, context: context('5', '1735689600000') },
    { name: 'a negative timestamp delta', record: { offsetDelta: 1, timestampDelta: -4321, key: 'k', value: 'v' }, context: context('77', '1735689600000') },
    { name: 'no timestamp (-1)', record: { key: 'k', value: 'v' }, context: context('9', '-1') },
    { name: 'headers, one repeated', record: { offsetDelta: 2, key: 'k', value: 'v', headers: { a: '1', b: ['2', '3'] } }, context: context('10', '1735689600000') },
    { name: 'log append time', record: { offsetDelta: 1, timestampDelta: 5, key: 'k', value: 'v' }, context: context('10', '1735689600000', { timestampType: 1 }) },
    { name: 'a control batch', record: { key: 'k', value: 'v' }, context: context('10', '1735689600000', { isControlBatch: true }) },
    { name: 'a timestamp delta of 2^50 (read by kafkajs)', record: { offsetDelta: 1, timestampDelta: 2 ** 50, key: 'k', value: 'v' }, context: context('10', '1735689600000') },
    { name: 'an offset beyond 2^53 (read by kafkajs)', record: { offsetDelta: 5, key: 'k', value: 'v' }, context: context('9007199254740990', '1735689600000') },
  ];
  for (const { name, record, context: batchContext } of cases) {
    it(`decodes ${name} exactly as kafkajs does`, () => {
      const encoded = encodeRecord(record).buffer;
      const ours = decodeWith(decoder, encoded, batchContext);
      const theirs = decodeWith(kafkajsRecordDecoder, encoded, batchContext);
      assert.deepEqual(ours.record, theirs.record);
      assert.equal(ours.consumed, theirs.consumed, 'reads exactly the record\'s bytes');
      assert.equal(Object.getPrototypeOf(ours.record.headers), Object.prototype);
    });
  }

  it('keeps a header named __proto__ as a header (kafkajs wraps Object.prototype in an array with it)', () => {
    const headers = JSON.parse('{"__proto__":"x","a":"1"}') as Record<string, string>;
    const { record } = decodeWith(decoder, encodeRecord({ key: 'k', value: 'v', headers }).buffer, context('10', '1735689600000'));
    assert.deepEqual(Object.keys(record.headers), ['__proto__', 'a']);
    assert.deepEqual(Object.getOwnPropertyDescriptor(record.headers, '__proto__')?.value, Buffer.from('x'));
    assert.equal(Object.getPrototypeOf(record.headers), Object.prototype);
  });

  it('gives offsets and timestamps as exact decimal strings', () => {
    const { record } = decodeWith(decoder, encodeRecord({ offsetDelta: 41, timestampDelta: 1_000, key: 'k', value: 'v' }).buffer, context('123456789012', '1735689600000'));
    assert.equal(record.offset, '123456789053');
    assert.equal(record.timestamp, '1735689601000');
    assert.deepEqual(record.headers, {});
  });
});
