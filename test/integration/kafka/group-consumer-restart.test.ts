/**
 * The group consumer on the test stack's broker, when kafkajs gives up on it: after an error it
 * does not retry (a handler's non-retriable error here; a join that a broker just restarted
 * answers with UNKNOWN_MEMBER_ID in production), kafkajs stops its consumer for good. The
 * tracker and the loader would go on with nobody reading: /readyz says ready, the lag grows. The
 * consumer runs again by itself, rejoins, and reads on from the committed offsets.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Admin } from 'kafkajs';
import { kafkaClients } from '../../../src/kafka/kafka-client.js';
import type { GroupConsumer } from '../../../src/kafka/kafka-port.js';
import { testKafka, testStack } from '../../support/test-stack.js';
import { waitUntil } from '../../support/tracker-harness.js';

describe('a group consumer that kafkajs stopped for good', () => {
  const topic = `erp-delta.test.restart-${randomUUID()}`;
  let admin: Admin;
  let consumer: GroupConsumer | undefined;

  before(async () => {
    admin = testKafka().admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
  });
  after(async () => {
    await consumer?.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('runs again after a non-retriable error, rejoins its group and reads every record once past the failed batch', async () => {
    const producer = testKafka().producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ key: 'a', value: '1' }] });
    const clients = kafkaClients({ clientId: 'erp-delta-test-restart', brokers: [testStack().component('kafka').endpoint()] }, undefined);
    consumer = clients.deltaConsumer(`erp-delta-test-restart-${randomUUID()}`, { lingerMs: 0, partitions: 1 });
    const seen: string[] = [];
    const restarts: Array<{ message: string; inMs: number }> = [];
    const joins: string[] = [];
    let failed = false;
    const running = consumer;
    await running.run({
      topics: [topic],
      onAssignment: (_assignment, { memberId }) => joins.push(memberId),
      onRestart: (error, inMs) => restarts.push({ message: error.message, inMs }),
      eachBatch: async ({ batch, resolveOffset }) => {
        if (!failed) {
          failed = true;
          // What kafkajs's retrier treats as final: it wraps it in a KafkaJSNonRetriableError and stops the consumer.
          throw Object.assign(new Error('a failure no retry gets past'), { retriable: false });
        }
        for (const message of batch.messages) {
          seen.push(String(message.value));
          resolveOffset(message.offset);
        }
        const last = batch.messages.at(-1);
        if (last) await running.commitOffsets([{ topic, partition: batch.partition, offset: String(BigInt(last.offset) + 1n) }]);
      },
    });

    await waitUntil(
      'the consumer to run again and read the record it failed on',
      () => seen.includes('1'),
      30_000,
      () => JSON.stringify({ restarts, joins, seen }),
    );
    assert.equal(restarts.length, 1, JSON.stringify(restarts));
    assert.match(restarts[0]?.message ?? '', /a failure no retry gets past/);
    assert.equal(restarts[0]?.inMs, 1_000);
    assert.ok(joins.length >= 2, `joined again after the restart: ${JSON.stringify(joins)}`);

    await producer.send({ topic, messages: [{ key: 'b', value: '2' }] });
    await waitUntil(
      'the next record',
      () => seen.includes('2'),
      30_000,
      () => JSON.stringify({ restarts, joins, seen }),
    );
    assert.deepEqual(seen, ['1', '2'], 'each record once');
    await producer.disconnect();
  });
});
