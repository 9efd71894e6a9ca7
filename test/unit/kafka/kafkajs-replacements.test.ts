// First, as in the CLI: the replacements must be in place before kafkajs loads.
import '../../../src/kafka/kafkajs-replacements.js';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { groupMessagesPerPartition } from '../../../src/kafka/group-messages-per-partition.js';

const require = createRequire(import.meta.url);

describe('kafkajs replacements', () => {
  it('are what kafkajs loads once kafkajs-replacements is imported first', () => {
    require('kafkajs');
    assert.equal(require('kafkajs/src/producer/groupMessagesPerPartition.js'), groupMessagesPerPartition);
    assert.equal((require('kafkajs/src/protocol/recordBatch/record/v0/decoder.js') as { name: string }).name, 'decodeRecordWithNumbers');
    assert.equal((require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as { name: string }).name, 'encodeRecordExactSize');
    assert.equal((require('kafkajs/src/protocol/requests/produce/v3/request.js') as { name: string }).name, 'produceRequest');
  });

  it('leave kafkajs whole: a record batch encodes and decodes through kafkajs with them', async () => {
    const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js') as { RecordBatch: (input: object) => Promise<{ buffer: Buffer }> };
    const decodeBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder.js') as (decoder: object) => Promise<{ records: Array<{ offset: string; key: Buffer | null; value: Buffer | null; timestamp: string }> }>;
    const Record = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (record: object) => object;
    const Decoder = require('kafkajs/src/protocol/decoder.js') as new (buffer: Buffer) => object;
    const records = [Record({ offsetDelta: 0, timestampDelta: 0, key: 'A', value: 'one' }), Record({ offsetDelta: 1, timestampDelta: 7, key: 'B', value: null })];
    const encoded = await RecordBatch({ records, firstTimestamp: 1_735_689_600_000, maxTimestamp: 1_735_689_600_007, lastOffsetDelta: 1 });
    const { records: decoded } = await decodeBatch(new Decoder(encoded.buffer));
    assert.deepEqual(decoded.map(({ offset, key, value, timestamp }) => ({ offset, key: key?.toString(), value: value?.toString() ?? null, timestamp })), [
      { offset: '0', key: 'A', value: 'one', timestamp: '1735689600000' },
      { offset: '1', key: 'B', value: null, timestamp: '1735689600007' },
    ]);
  });

  it('leave kafkajs whole: a Produce request of the newest version kafkajs speaks carries a batch kafkajs decodes', async () => {
    const produceV7 = require('kafkajs/src/protocol/requests/produce/v7/request.js') as (input: object) => { apiVersion: number; encode(): Promise<{ buffer: Buffer }> };
    const decodeBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder.js') as (decoder: object) => Promise<{ records: Array<{ offset: string; key: Buffer | null; value: Buffer | null }>; inTransaction: boolean }>;
    const Decoder = require('kafkajs/src/protocol/decoder.js') as new (buffer: Buffer) => { readString(): string; readInt16(): number; readInt32(): number; readBytes(size: number): Buffer };
    const request = produceV7({
      acks: -1, timeout: 30_000, transactionalId: 'tx',
      topicData: [{ topic: 'erp-delta.customers', partitions: [{ partition: 1, firstSequence: 0, messages: [{ key: 'C-1', value: Buffer.from('delta') }, { key: 'C-1', value: null }] }] }],
    });
    assert.equal(request.apiVersion, 7);
    const body = new Decoder((await request.encode()).buffer);
    assert.deepEqual([body.readString(), body.readInt16(), body.readInt32(), body.readInt32(), body.readString(), body.readInt32(), body.readInt32()], ['tx', -1, 30_000, 1, 'erp-delta.customers', 1, 1]);
    const batch = await decodeBatch(new Decoder(body.readBytes(body.readInt32())));
    assert.equal(batch.inTransaction, true);
    assert.deepEqual(batch.records.map(({ offset, key, value }) => ({ offset, key: key?.toString(), value: value?.toString() ?? null })), [
      { offset: '0', key: 'C-1', value: 'delta' },
      { offset: '1', key: 'C-1', value: null },
    ]);
  });
});
