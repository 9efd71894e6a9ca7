/**
 * DESIGN guarantees 1 and 4 against a zombie's fencing, on the real stack: while changes stream,
 * another producer takes each task's transactional id, as a task of the same partition started on
 * another instance after a rebalance does. The tracker's next transaction of each task fails
 * (PRODUCER_FENCED), nothing of it is committed, and the batch is read again by a new task, whose
 * store restores what the old one committed. A read_committed consumer must find each change
 * exactly once, in order.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { assertExactlyOnce, checkExactlyOnce, ProductWriter, useProductStream, waitForWriterChanges } from '../../support/product-writer.js';
import { testKafka } from '../../support/test-stack.js';
import { type LogLine, type TrackerProcess, uniqueCode, waitUntil } from '../../support/tracker-harness.js';

const ROWS = 300;
const FENCES = 3;

/** Takes a transactional id over, as a new owner of its task does: the producer holding it before is fenced. */
async function fence(transactionalId: string): Promise<void> {
  const producer = testKafka().producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    const transaction = await producer.transaction();
    await transaction.abort();
  } finally {
    await producer.disconnect();
  }
}

/** The batches that failed because the task's producer was fenced, as the tracker's log says them. */
function fencedLines(tracker: TrackerProcess): LogLine[] {
  return tracker.lines.filter((line) => JSON.stringify(line).includes('PRODUCER_FENCED'));
}

function fencedBatches(tracker: TrackerProcess): number {
  return fencedLines(tracker).length;
}

describe('tracker: its tasks fenced while changes stream', () => {
  const fixture = useProductStream('fenced');

  it('reads the fenced batch again with a new task, and emits each change exactly once', async () => {
    const { test, cdc, db } = fixture;
    const writer = (fixture.writer = await ProductWriter.insert(db, uniqueCode('F'), ROWS));
    await cdc.waitForEvents('products', writer.codes.at(-1) as string, 1);
    const tracker = await test.startCaughtUp();
    const admin = testKafka().admin();
    await admin.connect();
    const partitions = (await admin.fetchTopicOffsets(test.cdcTopics.products)).map(({ partition }) => partition);
    await admin.disconnect();
    writer.start();

    for (let round = 1; round <= FENCES; round += 1) {
      await sleep(700);
      const failedBefore = fencedBatches(tracker);
      const readyBefore = tracker.logs('tasks ready').length;
      for (const partition of partitions) await fence(`${test.groupId}-${test.cdcTopics.products}-${partition}`);
      await waitUntil(
        `a batch to fail, fenced, after fence ${round}`,
        () => fencedBatches(tracker) > failedBefore,
        60_000,
        () => tracker.tail(),
      );
      // The next fence must find a new task to fence.
      await waitUntil(
        `a new task to run after fence ${round}`,
        () => tracker.logs('tasks ready').length > readyBefore,
        60_000,
        () => tracker.tail(),
      );
    }
    const updatesAfterFences = writer.updates;
    await waitUntil('more updates after the last fence', () => writer.updates >= updatesAfterFences + 100, 60_000);
    await writer.stop();
    const changes = await waitForWriterChanges(cdc, writer);
    await test.waitCaughtUp(120_000);
    assert.ok(tracker.running, 'the tracker rode the fences out');
    await tracker.stop();

    const report = checkExactlyOnce(writer, await test.readDeltas(['products']));
    process.stderr.write(
      `${changes} changes over ${FENCES} fences of ${partitions.length} tasks: ${fencedBatches(tracker)} batches fenced; ${report.deltas} deltas, ${report.missing} missing, ${report.duplicates} duplicated\n`,
    );
    // A rebalance fences the tasks that moved away as a matter of course: a warning, not an error.
    assert.deepEqual([...new Set(fencedLines(tracker).map((line) => line['level']))], [40], 'a fenced batch is logged as a warning');
    assertExactlyOnce(report, changes);
  });
});
