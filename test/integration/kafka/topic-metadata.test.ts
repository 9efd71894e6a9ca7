/**
 * servedTopicMetadata on the test stack's broker: what start-up waits on before it reads or
 * writes topics another instance may have just created.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Admin } from 'kafkajs';
import { isErpDeltaError } from '../../../src/errors/erp-delta-error.js';
import { servedTopicMetadata } from '../../../src/kafka/topic-metadata.js';
import { testKafka } from '../../support/test-stack.js';

describe('topics served by the broker', () => {
  let admin: Admin;
  const created: string[] = [];
  before(async () => {
    admin = testKafka().admin();
    await admin.connect();
  });
  after(async () => {
    if (created.length > 0) await admin.deleteTopics({ topics: created }).catch(() => undefined);
    await admin.disconnect();
  });

  it('waits for a topic created without waiting for its leaders, and returns every partition', async () => {
    const topic = `erp-delta.test.served-${randomUUID()}`;
    created.push(topic);
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: false });
    const [metadata] = await servedTopicMetadata(admin, [topic]);
    assert.equal(metadata?.name, topic);
    assert.deepEqual(metadata?.partitions.map((partition) => partition.partitionId).sort(), [0, 1, 2]);
    assert.ok(metadata?.partitions.every((partition) => partition.leader >= 0));
  });

  it('gives up on a topic nobody creates with a retriable error naming it', async () => {
    const topic = `erp-delta.test.never-${randomUUID()}`;
    const started = Date.now();
    await assert.rejects(servedTopicMetadata(admin, [topic], 1_000), (error) => isErpDeltaError(error, 'KAFKA_UNAVAILABLE') && error.retriable && error.message.includes(topic));
    assert.ok(Date.now() - started >= 1_000, 'it kept asking until its deadline');
  });
});
