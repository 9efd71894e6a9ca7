import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it, mock } from 'node:test';
import { onePassProduceRequest, type ProduceRequestFactory, type ProduceRequestInput } from '../../../src/kafka/produce-request-encoder.js';

const require = createRequire(import.meta.url);
// kafkajs's own request and parts (this test never loads kafkajs-replacements.ts).
const kafkajsProduceRequest = require('kafkajs/src/protocol/requests/produce/v3/request.js') as ProduceRequestFactory;
const KafkaEncoder = require('kafkajs/src/protocol/encoder.js') as { prototype: object };
const Long = require('kafkajs/src/utils/long.js') as { fromValue(value: unknown): { getHighBits(): number; getLowBits(): number }; fromNumber(value: number): unknown };
const crc32C = require('kafkajs/src/protocol/recordBatch/crc32C/index.js') as (bytes: Buffer) => number;

const onePass = onePassProduceRequest(kafkajsProduceRequest, {
  encoderPrototype: KafkaEncoder.prototype,
  crc32C,
  longBits: (value) => {
    const long = Long.fromValue(value);
    return { high: long.getHighBits(), low: long.getLowBits() };
  },
});

async function bytesOf(factory: ProduceRequestFactory, input: ProduceRequestInput): Promise<Buffer> {
  const encoded = await factory(input).encode();
  return encoded.buf.subarray(0, encoded.offset);
}

const avroDelta = (code: string) => Buffer.concat([Buffer.from([0, 0, 0, 0, 7]), Buffer.from(`UPSERT CHANGE ${code}`)]);

describe('one-pass Produce request encoder', () => {
  const cases: Array<[string, ProduceRequestInput]> = [
    ['a transaction\'s deltas with a tombstone', {
      acks: -1, timeout: 30_000, transactionalId: 'erp-delta-customers-2', producerId: Long.fromNumber(4_000_123_456), producerEpoch: 3,
      topicData: [{ topic: 'erp-delta.customers', partitions: [{ partition: 2, firstSequence: 17, messages: [
        { key: 'C-0001', value: avroDelta('C-0001') }, { key: 'C-0002', value: avroDelta('C-0002') }, { key: 'C-0002', value: null },
      ] }] }],
    }],
    ['an idempotent send without a transaction', {
      acks: -1, timeout: 30_000, transactionalId: null,
      topicData: [{ topic: 't', partitions: [{ partition: 0, messages: [{ key: null, value: 'text value' }] }] }],
    }],
    ['several topics and partitions, text and bytes, multi-byte keys', {
      acks: 1, timeout: 5_000, transactionalId: 'tx', producerId: Long.fromNumber(9), producerEpoch: 0,
      topicData: [
        { topic: 'a', partitions: [{ partition: 0, firstSequence: 0, messages: [{ key: 'Zoë — 東京', value: Buffer.from([1, 2, 3]) }] }, { partition: 5, firstSequence: 2_000_000, messages: [{ key: Buffer.from('k'), value: 'v' }] }] },
        { topic: 'b.ünicode', partitions: [{ partition: 1, messages: [{ key: 'x', value: '' }, { value: 'no key member' }] }] },
      ],
    }],
    ['300 records and a 70 KB value (varints of two and three bytes)', {
      acks: -1, timeout: 30_000, transactionalId: 'tx', producerId: Long.fromNumber(1), producerEpoch: 1,
      topicData: [{ topic: 'big', partitions: [{ partition: 0, firstSequence: 5, messages: [
        { key: 'long', value: Buffer.alloc(70_000, 7) },
        ...Array.from({ length: 299 }, (_, index) => ({ key: `K-${index}`, value: avroDelta(`K-${index}`) })),
      ] }] }],
    }],
    ['messages with headers (left to kafkajs)', {
      acks: -1, timeout: 30_000, transactionalId: 'tx',
      topicData: [{ topic: 'dlq', partitions: [{ partition: 0, messages: [{ key: 'k', value: 'v', headers: { reason: 'bad' } }] }] }],
    }],
    ['messages with timestamps (left to kafkajs)', {
      acks: -1, timeout: 30_000, transactionalId: null,
      topicData: [{ topic: 't', partitions: [{ partition: 0, messages: [{ key: 'k', value: 'v', timestamp: 1_700_000_000_123 }, { key: 'k', value: 'w', timestamp: '1700000000000' }] }] }],
    }],
    ['a compressed send (left to kafkajs)', {
      acks: -1, timeout: 30_000, transactionalId: null, compression: 1,
      topicData: [{ topic: 't', partitions: [{ partition: 0, messages: [{ key: 'k', value: 'v'.repeat(100) }] }] }],
    }],
  ];
  for (const [name, input] of cases) {
    it(`writes ${name} byte for byte as kafkajs does`, async (t) => {
      // Both stamp the batch with Date.now(): one instant for both.
      t.mock.method(Date, 'now', () => 1_795_712_284_783);
      assert.deepEqual(await bytesOf(onePass, input), await bytesOf(kafkajsProduceRequest, input));
    });
  }

  it('stamps the batch with the time of the encode, as kafkajs does', async () => {
    mock.method(Date, 'now', () => 1_795_712_284_783);
    try {
      const input = cases[1]?.[1] as ProduceRequestInput;
      const bytes = await bytesOf(onePass, input);
      // transactional id (2) + acks (2) + timeout (4) + topics (4) + "t" (3) + partitions (4) + partition, size (8),
      // then the batch: first offset (8), length (4), epoch (4), magic (1), crc (4), attributes (2), last offset delta (4).
      const firstTimestampAt = 2 + 2 + 4 + 4 + 3 + 4 + 8 + 8 + 4 + 4 + 1 + 4 + 2 + 4;
      assert.equal(bytes.readBigInt64BE(firstTimestampAt), 1_795_712_284_783n);
    } finally {
      mock.restoreAll();
    }
  });
});
