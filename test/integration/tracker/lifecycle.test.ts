/**
 * `erp-delta run` as a process manager sees it: SIGTERM stops it with exit code 0, having left
 * the consumer group (so that its partitions move at once, not after a session timeout) and
 * logged its counters.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { codes, ProductTopic } from '../../support/product-topic.js';
import { testKafka } from '../../support/test-stack.js';
import { TrackerTest, uniqueCode, waitUntil, type TrackerExit } from '../../support/tracker-harness.js';

describe('tracker process: SIGTERM', () => {
  const tests: TrackerTest[] = [];

  after(async () => {
    for (const test of tests) await test.cleanup();
  });

  it('stops a running tracker with exit code 0: it leaves the group and logs its counters', async () => {
    const test = new TrackerTest('lifecycle');
    tests.push(test);
    const tracker = await test.startCaughtUp();
    await tracker.stop();

    const stopping = tracker.lines.findIndex((line) => line.msg === 'stopping');
    assert.ok(stopping >= 0, 'it logs that it stops');
    const counters = tracker.lines.slice(stopping).find((line) => line.msg === 'counters');
    assert.ok(counters, 'it logs its counters at stop');
    assert.ok(Object.keys(counters['counters'] as object).some((name) => name.startsWith('erp_delta_records_seen_total')));

    const admin = testKafka().admin();
    await admin.connect();
    try {
      const { groups } = await admin.describeGroups([test.groupId]);
      assert.equal(groups[0]?.state, 'Empty', 'it left the group on its way out');
    } finally {
      await admin.disconnect();
    }
  });

  it('stops a tracker that is still starting with exit code 0', async () => {
    const test = new TrackerTest('lifecycle');
    tests.push(test);
    const tracker = test.start();
    // The test's topics are new: the tracker logs their creation early in its start-up.
    await tracker.waitForLog('created topics');
    const killed = tracker.exited;
    process.kill(tracker.pid as number, 'SIGTERM');
    const exit: TrackerExit = await killed;
    assert.deepEqual(exit, { code: 0, signal: null }, tracker.tail());
  });

  it('stops within 10 s in the middle of a large catch-up, and the restart emits each record once', async () => {
    const products = new ProductTopic();
    await products.create();
    const rows = codes(uniqueCode('Z'), 100_000);
    await products.upsert(rows);
    const test = new TrackerTest('lifecycle-busy', { cdcTopics: { products: products.topic } });
    tests.push(test);
    const tracker = test.start();
    await tracker.waitForLog('tasks ready');
    await waitUntil(
      'the catch-up to be under way',
      async () => (await test.readDeltas(['products'])).count() > 1_000,
      60_000,
      () => tracker.tail(),
    );
    const started = Date.now();
    await tracker.stop(10_000);
    const seconds = (Date.now() - started) / 1000;
    assert.ok(seconds <= 10, `stopped in ${seconds} s`);
    const atStop = (await test.readDeltas(['products'])).count();
    assert.ok(atStop < rows.length, `stopped in the middle (${atStop} of ${rows.length} loaded)`);

    const again = await test.startCaughtUp();
    await again.stop();
    const deltas = await test.readDeltas(['products']);
    const perKey = new Map<string, number>();
    for (const record of deltas.all) perKey.set(record.key, (perKey.get(record.key) ?? 0) + 1);
    assert.equal(perKey.size, rows.length, 'every record loaded');
    assert.deepEqual([...perKey].filter(([, count]) => count !== 1).slice(0, 5), [], `each once (${atStop} before the stop)`);
  });
});
