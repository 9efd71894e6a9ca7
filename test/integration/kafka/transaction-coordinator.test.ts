/**
 * The transaction coordinator cache (src/kafka/transaction-coordinator-cache.ts) on the test
 * stack's broker: a transactional producer asks for its coordinator once, not before each request
 * of each transaction, and its transactions still commit.
 */
import '../../../src/kafka/kafkajs-replacements.js';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { testKafka } from '../../support/test-stack.js';

const TRANSACTIONS = 10;

describe('transaction coordinator lookups', () => {
  it('a producer looks its transaction coordinator up once, and every transaction commits', async (t) => {
    const kafka = testKafka();
    const topic = `erp-delta-test.coordinator-${randomUUID().slice(0, 8)}`;
    const admin = kafka.admin();
    await admin.connect();
    t.after(async () => {
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    });
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });

    const producer = kafka.producer({ transactionalId: `erp-delta-test-${randomUUID()}`, idempotent: true, maxInFlightRequests: 1 });
    const requests = new Map<string, number>();
    producer.on(producer.events.REQUEST, ({ payload }) => requests.set(payload.apiName, (requests.get(payload.apiName) ?? 0) + 1));
    await producer.connect();
    t.after(() => producer.disconnect());
    for (let index = 0; index < TRANSACTIONS; index += 1) {
      const transaction = await producer.transaction();
      await transaction.send({ topic, messages: [{ key: `k${index}`, value: `v${index}` }] });
      await transaction.sendOffsets({ consumerGroupId: `erp-delta-test-${randomUUID()}`, topics: [{ topic, partitions: [{ partition: 0, offset: String(index) }] }] });
      await transaction.commit();
    }

    assert.equal(requests.get('EndTxn'), TRANSACTIONS, 'every transaction ended');
    // kafkajs alone: four per transaction (three for the transaction coordinator, one for the
    // offsets' group coordinator). Cached: the group coordinator each time, the transaction's once.
    assert.equal(requests.get('GroupCoordinator'), TRANSACTIONS + 1, JSON.stringify(Object.fromEntries(requests)));

    const consumer = kafka.consumer({ groupId: `erp-delta-test-reader-${randomUUID()}`, readUncommitted: false });
    await consumer.connect();
    t.after(() => consumer.disconnect());
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const values: string[] = [];
    await new Promise<void>((done, failed) => {
      const timer = setTimeout(() => failed(new Error(`read ${values.length} of ${TRANSACTIONS} committed records in 30 s`)), 30_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          values.push(message.value?.toString() ?? '');
          if (values.length === TRANSACTIONS) {
            clearTimeout(timer);
            done();
          }
        },
      });
    });
    assert.deepEqual(values, Array.from({ length: TRANSACTIONS }, (_, index) => `v${index}`));
  });
});
