/**
 * Issue 3, scale-out on the real stack: two instances in one consumer group (same config, own
 * data dirs) split the CDC partitions, and together emit each change exactly once, also while
 * partitions move: one instance stops in the middle of a stream of changes (the other takes its
 * partitions over and restores them from their changelogs), then comes back (partitions move
 * again, its stale stores catch up from their checkpoints).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertExactlyOnce, checkExactlyOnce, ProductWriter, useProductStream, waitForWriterChanges } from '../../support/product-writer.js';
import { TrackerTest, uniqueCode, waitUntil, type LogLine, type TrackerProcess } from '../../support/tracker-harness.js';

const ROWS = 200;
const ALL_PARTITIONS = ['customers', 'products', 'stock_levels'].flatMap((table) => [0, 1, 2].map((partition) => `erp.public.${table}-${partition}`)).sort();

/** Deltas an instance emitted, from the counters it logged when it stopped. */
function emittedBy(tracker: TrackerProcess): number {
  const last = tracker.logs('counters').at(-1) as LogLine | undefined;
  assert.ok(last, `${tracker.name} logged its counters at stop`);
  return Object.entries(last['counters'] as Record<string, number>)
    .filter(([name]) => name.startsWith('erp_delta_deltas_emitted_total'))
    .reduce((sum, [, value]) => sum + value, 0);
}

describe('tracker: two instances in one group', () => {
  const fixture = useProductStream('group');

  /** Waits until the group is stable with `members` members, each holding partitions, all 9 held once. */
  async function waitForSplit(members: number): Promise<Array<{ memberId: string; partitions: string[] }>> {
    let seen = '';
    return waitUntil(
      `${members} member(s) splitting the partitions`,
      async () => {
        const assignment = await fixture.test.groupAssignment();
        seen = JSON.stringify(assignment);
        const held = assignment.flatMap((member) => member.partitions).sort();
        return assignment.length === members && assignment.every((member) => member.partitions.length > 0) && JSON.stringify(held) === JSON.stringify(ALL_PARTITIONS) ? assignment : undefined;
      },
      60_000,
      () => `group: ${seen}\n${fixture.test.describeProcesses()}`,
    );
  }

  /** Lets the writer make `count` more changes. */
  async function changes(count: number): Promise<void> {
    const target = (fixture.writer?.updates ?? 0) + count;
    await waitUntil(`${count} more updates`, () => (fixture.writer?.updates ?? 0) >= target, 60_000);
  }

  it('split the partitions and together emit each change once, across rebalances', async () => {
    const { test, cdc, db } = fixture;
    const writer = (fixture.writer = await ProductWriter.insert(db, uniqueCode('G'), ROWS));
    // b starts once a has registered the delta schemas: two instances registering a new subject at
    // the same moment used to fail (see the last test).
    const a = test.start('a');
    await a.waitForLog('tracker running');
    const b = test.start('b');
    await waitForSplit(2);
    await a.waitForLog('tasks ready');
    await b.waitForLog('tasks ready');

    writer.start();
    await changes(300);
    // Rebalance 1: b leaves mid-stream, a takes over b's partitions and restores them.
    await b.stop();
    const [alone] = await waitForSplit(1);
    assert.equal(alone?.partitions.length, 9);
    await changes(300);
    // Rebalance 2: b comes back on its old data dir; partitions move back to it.
    const b2 = test.start('b');
    await waitForSplit(2);
    await b2.waitForLog('tasks ready');
    await changes(300);
    await writer.stop();

    const total = await waitForWriterChanges(cdc, writer);
    await test.waitCaughtUp(120_000);
    await a.stop();
    await b2.stop();

    const deltas = await test.readDeltas();
    const report = checkExactlyOnce(writer, deltas);
    process.stderr.write(
      `${total} changes: ${report.deltas} deltas, ${report.missing} missing, ${report.duplicates} duplicated; ` + `emitted by a: ${emittedBy(a)}, b: ${emittedBy(b)}, b again: ${emittedBy(b2)}\n`,
    );
    assertExactlyOnce(report, total);

    // Every committed delta was emitted by exactly one of the instances, and each took a share.
    assert.ok(emittedBy(a) > 0 && emittedBy(b) > 0 && emittedBy(b2) > 0, 'each instance emitted deltas');
    assert.equal(emittedBy(a) + emittedBy(b) + emittedBy(b2), deltas.all.filter((record) => !record.tombstone).length, "the instances' emitted counters add up to the committed deltas");
  });

  it('two instances starting at the same moment on new delta topics both run', async () => {
    const fresh = new TrackerTest('group-start');
    try {
      const instances = [fresh.start('a'), fresh.start('b')];
      await Promise.all(instances.map((instance) => instance.waitForLog('tasks ready')));
      for (const instance of instances) await instance.stop();
    } finally {
      await fresh.cleanup();
    }
  });
});
