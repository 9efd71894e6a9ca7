/**
 * A task's transactional producer (@platformatic/kafka behind the port, platformatic-producer.ts)
 * on the test stack's broker: what DESIGN guarantee 1 rests on. A producer of a transactional id
 * fences every earlier one and aborts its open transaction; a transaction's records and its
 * consumer group offset are seen together or not at all; a task can start again on an id that
 * has a history (the client's own first InitProducerId names producer 0, epoch 0, which the
 * broker fences when the id's producer is another); keys, tombstones and headers arrive as sent.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import kafkajs, { type Admin } from 'kafkajs';
import { isErpDeltaError } from '../../../src/errors/erp-delta-error.js';
import { kafkaClients } from '../../../src/kafka/kafka-client.js';
import type { KafkaClients, KafkaRecord, TransactionalProducer } from '../../../src/kafka/kafka-port.js';
import { testKafka, testStack } from '../../support/test-stack.js';

describe('a task transactional producer', () => {
  const topic = `erp-delta.test.transactions-${randomUUID()}`;
  const input = `erp-delta.test.transactions-input-${randomUUID()}`;
  const groupId = `erp-delta-test-transactions-${randomUUID()}`;
  let admin: Admin;
  let clients: KafkaClients;
  const producers: TransactionalProducer[] = [];

  const open = async (transactionalId: string): Promise<TransactionalProducer> => {
    const producer = await clients.transactionalProducer(transactionalId);
    producers.push(producer);
    return producer;
  };

  /** Every committed record of the topic's partition 0, read by the port's own reader. */
  const committed = async (): Promise<KafkaRecord[]> => {
    const records: KafkaRecord[] = [];
    const reader = await clients.readPartitions({
      groupPrefix: 'erp-delta-test-transactions',
      partitions: [{ topic, partition: 0 }],
      onBatch: async ({ messages }) => {
        records.push(...messages);
      },
    });
    await reader.caughtUp();
    await reader.stop();
    return records;
  };

  before(async () => {
    admin = testKafka().admin();
    await admin.connect();
    await admin.createTopics({
      topics: [
        { topic, numPartitions: 3 },
        { topic: input, numPartitions: 1 },
      ],
      waitForLeaders: true,
    });
    clients = kafkaClients({ clientId: 'erp-delta-test-transactions', brokers: [testStack().component('kafka').endpoint()] }, undefined);
  });
  after(async () => {
    for (const producer of producers) await producer.disconnect();
    await admin.deleteTopics({ topics: [topic, input] }).catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  });

  it('fences an earlier producer of its id: the zombie cannot commit, and its open transaction is aborted', async () => {
    const transactionalId = `erp-delta-test-${randomUUID()}`;
    const zombie = await open(transactionalId);
    const open1 = await zombie.transaction();
    await open1.send({ topic, messages: [{ key: 'k', value: 'from the zombie', partition: 0 }] });

    const successor = await open(transactionalId);
    await assert.rejects(
      open1.commit(),
      (error: unknown) => isErpDeltaError(error, 'PRODUCER_FENCED') && error.message.includes(transactionalId),
      'the fenced producer must not commit, and says it was fenced',
    );
    const next = await successor.transaction();
    await next.send({ topic, messages: [{ key: 'k', value: 'from the successor', partition: 0 }] });
    await next.commit();

    assert.deepEqual(
      (await committed()).map((record) => String(record.value)),
      ['from the successor'],
    );
  });

  it('starts again on an id with a history, in a new client, and commits records and the group offset together', async () => {
    const transactionalId = `erp-delta-test-${randomUUID()}`;
    const first = await open(transactionalId);
    const one = await first.transaction();
    await one.send({ topic, messages: [{ key: 'a', value: '1', partition: 0 }] });
    await one.commit();
    await first.disconnect();

    // As a task reopened in another process would: a new client, the same transactional id.
    const again = await kafkaClients({ clientId: 'erp-delta-test-transactions-2', brokers: [testStack().component('kafka').endpoint()] }, undefined).transactionalProducer(transactionalId);
    producers.push(again);
    const two = await again.transaction();
    const written = await two.send({ topic, messages: [{ key: 'b', value: '2', partition: 0 }] });
    await two.sendOffsets({ consumerGroupId: groupId, topics: [{ topic: input, partitions: [{ partition: 0, offset: '42' }] }] });
    await two.commit();

    assert.equal(written.length, 1);
    assert.equal(written[0]?.topicName, topic);
    assert.equal(written[0]?.partition, 0);
    const values = (await committed()).map((record) => String(record.value));
    assert.ok(values.includes('1') && values.includes('2'), `both transactions' records are committed: ${values.join(', ')}`);
    const offsets = await admin.fetchOffsets({ groupId, topics: [input] });
    assert.equal(offsets[0]?.partitions.find((entry) => entry.partition === 0)?.offset, '42');
  });

  it('writes nothing of an aborted transaction, offsets included', async () => {
    const producer = await open(`erp-delta-test-${randomUUID()}`);
    const before = (await committed()).length;
    const aborted = await producer.transaction();
    await aborted.send({ topic, messages: [{ key: 'x', value: 'aborted', partition: 0 }] });
    await aborted.sendOffsets({ consumerGroupId: groupId, topics: [{ topic: input, partitions: [{ partition: 0, offset: '99' }] }] });
    await aborted.abort();
    // An empty transaction ends without a word to the broker, committed or aborted.
    await (await producer.transaction()).commit();
    await (await producer.transaction()).abort();

    assert.equal((await committed()).length, before);
    const offsets = await admin.fetchOffsets({ groupId, topics: [input] });
    assert.notEqual(offsets[0]?.partitions.find((entry) => entry.partition === 0)?.offset, '99');
  });

  it("writes keys, tombstones and headers as given, and a key without a partition where Kafka's own clients put it", async () => {
    const producer = await open(`erp-delta-test-${randomUUID()}`);
    const transaction = await producer.transaction();
    const start = (await committed()).length;
    const written = await transaction.send({
      topic,
      messages: [
        { key: Buffer.from('bytes-key'), value: Buffer.from([0, 1, 2]), partition: 0, headers: { reason: 'RECONCILE', trace: [Buffer.from('a'), 'b'] } },
        { key: 'deleted-key', value: null, partition: 0 },
      ],
    });
    // Its murmur2 is negative: made positive as Java's client does (the sign bit dropped) it goes to
    // partition 2 of 3; as an unsigned number, to partition 1.
    const routed = await transaction.send({ topic, messages: [{ key: 'key-3', value: 'routed' }] });
    await transaction.commit();

    const records = (await committed()).slice(start);
    assert.equal(records.length, 2);
    // The task keeps the offset after its deltas as its store's changelog checkpoint.
    assert.equal(written[0]?.baseOffset, records[0]?.offset, "a send's base offset is its first record's");
    assert.equal(String(records[0]?.key), 'bytes-key');
    assert.deepEqual([...(records[0]?.value ?? [])], [0, 1, 2]);
    assert.equal(String(records[0]?.headers?.['reason']), 'RECONCILE');
    assert.deepEqual(([] as Array<Buffer | string>).concat(records[0]?.headers?.['trace'] ?? []).map(String), ['a', 'b']);
    assert.equal(String(records[1]?.key), 'deleted-key');
    assert.equal(records[1]?.value, null, 'a tombstone is a record without a value');
    assert.equal(routed[0]?.partition, javaPartition('key-3', 3));
    assert.equal(routed[0]?.partition, 2);
  });
});

/** Where Kafka's Java client puts a key: kafkajs's default partitioner is its murmur2, made positive, modulo the count. */
function javaPartition(key: string, partitions: number): number {
  const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: 1, replicas: [1], isr: [1], partitionErrorCode: 0 }));
  return kafkajs.Partitioners.DefaultPartitioner()({ topic: 'any', partitionMetadata, message: { key, value: null } });
}
