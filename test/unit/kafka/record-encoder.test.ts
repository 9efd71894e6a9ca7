import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { exactSizeRecordEncoder, type KafkaRecordEncoder, type KafkaRecordInput } from '../../../src/kafka/record-encoder.js';

const require = createRequire(import.meta.url);
// kafkajs's own record encoder and Encoder (this test never loads kafkajs-replacements.ts).
const kafkajsRecordEncoder = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as KafkaRecordEncoder;
const KafkaEncoder = require('kafkajs/src/protocol/encoder.js') as { prototype: object } & (new () => { writeEncoderArray(records: unknown[]): { buffer: Buffer } });

const encode = exactSizeRecordEncoder(kafkajsRecordEncoder, KafkaEncoder.prototype);

/** The bytes a record batch takes from a record encoder (kafkajs's writeEncoderArray). */
function bytesOf(record: KafkaRecordInput, encoder: KafkaRecordEncoder): Buffer {
  return new KafkaEncoder().writeEncoderArray([encoder(record)]).buffer;
}

describe('record encoder of exact size', () => {
  const long = 'x'.repeat(70_000);
  const cases: Array<[string, KafkaRecordInput]> = [
    ['a delta', { offsetDelta: 12, timestampDelta: 3, key: 'C-0001', value: Buffer.from([0, 0, 0, 0, 7, 2, 10, 65]) }],
    ['the first record of a send', { key: 'k', value: 'v' }],
    ['a tombstone', { offsetDelta: 1, timestampDelta: 0, key: 'C-0001', value: null }],
    ['no key', { offsetDelta: 300, timestampDelta: 200, key: null, value: 'v' }],
    ['a negative timestamp delta', { offsetDelta: 5, timestampDelta: -1_234_567, key: 'k', value: 'v' }],
    ['multi-byte text and a 70 KB value', { offsetDelta: 2 ** 20, timestampDelta: 2 ** 30, key: 'Zoë — 東京', value: long }],
    ['headers (left to kafkajs)', { offsetDelta: 1, key: 'k', value: 'v', headers: { a: '1', b: ['2', '3'] } }],
    ['a timestamp delta beyond 32 bits (left to kafkajs)', { offsetDelta: 1, timestampDelta: 2 ** 40, key: 'k', value: 'v' }],
  ];
  for (const [name, record] of cases) {
    it(`writes ${name} byte for byte as kafkajs does`, () => {
      assert.deepEqual(bytesOf(record, encode), bytesOf(record, kafkajsRecordEncoder));
    });
  }
});
