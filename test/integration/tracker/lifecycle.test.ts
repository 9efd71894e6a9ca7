/**
 * `erp-delta run` as a process manager sees it: SIGTERM stops it with exit code 0, having left
 * the consumer group (so that its partitions move at once, not after a session timeout) and
 * logged its counters.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { testKafka } from '../../support/test-stack.js';
import { TrackerTest, type TrackerExit } from '../../support/tracker-harness.js';

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
});
