/**
 * Issue 3, exactly-once on the real stack (DESIGN guarantees 1, 2 and 4): the tracker is killed
 * with SIGKILL at random points while a writer changes products rows in the ERP database, and
 * restarted on the same data dir each time; some kills are made to land inside a transaction. A
 * read_committed consumer of the delta topic must then find, per key, exactly the sequence of
 * states the row went through: none missing, none twice, in order.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin } from 'kafkajs';
import { assertExactlyOnce, checkExactlyOnce, ProductWriter, useProductStream, waitForWriterChanges } from '../../support/product-writer.js';
import { testKafka } from '../../support/test-stack.js';
import { readToEnd, TopicRecorder, uniqueCode, waitUntil, type TrackerProcess } from '../../support/tracker-harness.js';

const ROWS = 300;
/**
 * Where each kill lands: a random moment while it processes the stream; a random moment from the
 * start (registering schemas, joining the group, restoring its stores, or processing); inside a
 * transaction, with deltas written but not committed (see freezeInsideTransaction).
 */
const KILL_POINTS = ['processing', 'anywhere', 'in a transaction', 'processing', 'in a transaction'] as const;

function randomBetween(min: number, max: number): number {
  return min + Math.floor(Math.random() * (max - min));
}

/**
 * Freezes the tracker (SIGSTOP) the moment one of its deltas shows up uncommitted, until it is
 * frozen with deltas written in a transaction it has not committed: the delta topic then holds
 * records past its last stable offset. The caller kills it there. (A kill at a random moment lands
 * there only now and then: a transaction lasts a few milliseconds.) Returns the attempts it took.
 */
async function freezeInsideTransaction(tracker: TrackerProcess, uncommitted: TopicRecorder, admin: Admin, deltaTopic: string, keys: ReadonlySet<string>): Promise<number> {
  for (let attempt = 1; attempt <= 100; attempt += 1) {
    await uncommitted.nextRecord(30_000);
    tracker.freeze();
    // Requests already sent complete (a commit in flight commits), and the reader reaches the end.
    await sleep(150);
    const stable = new Map((await admin.fetchTopicOffsets(deltaTopic)).map(({ partition, offset }) => [partition, Number(offset)])); // read committed: last stable offsets
    const open = uncommitted.records.filter((record) => record.offset >= (stable.get(record.partition) ?? Infinity) && keys.has(record.key?.toString('utf8') ?? ''));
    if (open.length > 0) return attempt;
    tracker.thaw();
  }
  throw new Error(`${tracker.name} was never frozen inside a transaction`);
}

describe('tracker: kill -9 during a stream of changes, then restart, repeated', () => {
  const fixture = useProductStream('kill');

  it('a read_committed consumer finds each change exactly once, in order', async () => {
    const { test, cdc, db } = fixture;
    const writer = (fixture.writer = await ProductWriter.insert(db, uniqueCode('K'), ROWS));
    const codes = new Set(writer.codes);
    // The first load (the whole CDC history) is done before the stream starts: the kills land
    // among the stream's changes, whatever history an older test stack holds.
    await cdc.waitForEvents('products', writer.codes.at(-1) as string, 1);
    let tracker: TrackerProcess = await test.startCaughtUp();
    writer.start();

    // Sees deltas as soon as they are written, before their transaction commits.
    const uncommitted = await TopicRecorder.start([test.deltaTopics.products], { readUncommitted: true });
    const admin = testKafka().admin();
    await admin.connect();
    try {
      for (const [round, point] of KILL_POINTS.entries()) {
        const startedAt = Date.now();
        let detail = '';
        if (point === 'processing') {
          await tracker.waitForLog('tasks ready');
          await sleep(randomBetween(100, 2_000));
        } else if (point === 'anywhere') {
          await sleep(randomBetween(300, 2_500));
        } else {
          await tracker.waitForLog('tasks ready');
          const attempts = await freezeInsideTransaction(tracker, uncommitted, admin, test.deltaTopics.products, codes);
          detail = ` (frozen on attempt ${attempts})`;
        }
        const phase = tracker.logs('tasks ready').length > 0 ? 'processing' : tracker.logs('tracker running').length > 0 ? 'restoring' : 'starting';
        await tracker.kill();
        process.stderr.write(`kill -9 #${round + 1} (${point}${detail}): ${Date.now() - startedAt} ms after start, while ${phase}; ${writer.updates} updates so far\n`);
        await test.evictGroupMembers();
        tracker = test.start();
      }
    } finally {
      await admin.disconnect();
      await uncommitted.stop();
    }

    // The last instance also processes live changes before the stream ends.
    await tracker.waitForLog('tasks ready');
    const updatesAtReady = writer.updates;
    await waitUntil('more updates after the last restart', () => writer.updates >= updatesAtReady + 200, 60_000);
    await writer.stop();
    const changes = await waitForWriterChanges(cdc, writer);
    await test.waitCaughtUp(120_000);
    await tracker.stop();

    const deltas = await test.readDeltas(['products']);
    const report = checkExactlyOnce(writer, deltas);
    // Deltas the kills left in aborted transactions: written, but hidden from read_committed readers.
    const aborted = (await readToEnd([test.deltaTopics.products], 60_000, { readUncommitted: true })).filter((record) => codes.has(record.key?.toString('utf8') ?? '')).length - report.deltas;
    process.stderr.write(
      `${changes} changes (${ROWS} inserts, ${writer.updates} updates) over ${KILL_POINTS.length} kills: ${report.deltas} deltas, `
        + `${report.missing} missing, ${report.duplicates} duplicated; ${aborted} deltas in aborted transactions\n`,
    );
    assert.ok(aborted > 0, 'the kills inside a transaction left deltas that read_committed readers skip');
    assertExactlyOnce(report, changes);
  });
});
