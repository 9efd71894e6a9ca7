/**
 * A registry that takes a request and never answers must not hold the tracker's start-up forever:
 * the request times out (registry.requestTimeoutMs), the tracker says so and registers again.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { codes, ProductTopic } from '../../support/product-topic.js';
import { StallingProxy } from '../../support/stalling-proxy.js';
import { testStack } from '../../support/test-stack.js';
import { TrackerTest, uniqueCode } from '../../support/tracker-harness.js';

describe('tracker start-up against a registry that stops answering', () => {
  it('gives up on the unanswered request, registers again, and then emits its deltas', async (t) => {
    const registry = new URL(testStack().component('registry').endpoint());
    const proxy = await StallingProxy.start({ host: registry.hostname, port: Number(registry.port) }, 1);
    t.after(() => proxy.close());
    const proxied = new URL(registry);
    proxied.port = String(proxy.port);

    const products = new ProductTopic();
    await products.create();
    const rows = codes(uniqueCode('RS'), 5);
    await products.upsert(rows);
    const test = new TrackerTest('registry-stall', { cdcTopics: { products: products.topic }, registry: { url: proxied.toString().replace(/\/$/, ''), requestTimeoutMs: 1_000 } });
    t.after(() => test.cleanup());

    const tracker = await test.startCaughtUp();
    assert.equal(proxy.stalledConnections, 1, 'the first registry connection was held unanswered');
    const retries = tracker.logs('the schema registry did not answer; registering the delta schema again');
    assert.ok(retries.length >= 1, `the tracker said it registers again\n${tracker.tail()}`);
    assert.match(JSON.stringify(retries[0]), /Timeout \(1000ms\)/);

    const deltas = (await test.readDeltas(['products'])).all.filter((record) => !record.tombstone);
    assert.deepEqual(deltas.map((record) => record.key).sort(), [...rows].sort(), 'one delta per row, each read with its registered schema');
    for (const record of deltas) assert.equal(record.delta?.op, 'UPSERT');
  });
});
