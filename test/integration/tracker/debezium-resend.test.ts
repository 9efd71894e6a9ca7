/**
 * Issue 16 on the real stack: Debezium delivers at least once. Kafka Connect killed with SIGKILL
 * while the ERP changes rows loses the source offsets it had not flushed, and its restarted
 * connector sends those changes again, with their original source positions and new Kafka
 * offsets. Ordered by source position, the tracker emits each change once: no state twice, none
 * missing, and the target never flips back to an older value. The tracker itself is killed in
 * one round too, while the re-sent records arrive.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { runCli } from '../../support/cli.js';
import { checkExactlyOnce, ProductWriter, useProductStream } from '../../support/product-writer.js';
import { STACK_DIR_FLAG } from '../../support/test-stack.js';
import { componentPid, isProcessRunning } from '../../support/stack-process.js';
import { uniqueCode, waitUntil, type CdcRecorder, type TrackerProcess } from '../../support/tracker-harness.js';

const ROWS = 60;
const ROUNDS = 2;
const MAX_ROUNDS = 5;

/** CDC records of the rows that repeat an earlier record's source position: what Debezium sent again. */
function resent(cdc: CdcRecorder, codes: readonly string[]): number {
  let count = 0;
  for (const code of codes) {
    const seen = new Set<string>();
    for (const event of cdc.events('products', code)) {
      if (event.source === null) continue;
      const position = `${String(event.source['sequence'])}/${String(event.source['lsn'])}`;
      if (seen.has(position)) count += 1;
      seen.add(position);
    }
  }
  return count;
}

describe('tracker: Debezium re-sends what it sent after Kafka Connect is killed', () => {
  const fixture = useProductStream('resend');

  it('emits each change once, in order, without flipping back', async () => {
    const { test, cdc, db } = fixture;
    const writer = (fixture.writer = await ProductWriter.insert(db, uniqueCode('RS'), ROWS));
    await cdc.waitForEvents('products', writer.codes.at(-1) as string, 1);
    let tracker: TrackerProcess = await test.startCaughtUp();
    writer.start(3, 10);

    // Connect flushes its source offsets every second: a kill between two flushes makes Debezium
    // send again what it sent since the last one. A kill right after a flush makes it send
    // nothing again, so a round waits for the capture to go on, not for a re-send, and the kills
    // go on (up to MAX_ROUNDS) until one made Debezium send records again.
    for (let round = 1; round <= ROUNDS || (resent(cdc, writer.codes) === 0 && round <= MAX_ROUNDS); round += 1) {
      await sleep(1_500);
      const recorded = cdc.records.length;
      const pid = await componentPid('connect');
      process.kill(-pid, 'SIGKILL');
      await waitUntil('Kafka Connect to die', () => !isProcessRunning(pid), 30_000);
      const up = await runCli(['stack', 'up', ...STACK_DIR_FLAG]);
      assert.equal(up.code, 0, up.stderr);
      if (round === ROUNDS) {
        // A crash of the tracker among the re-sent records.
        await sleep(500);
        await tracker.kill();
        await test.evictGroupMembers();
        tracker = test.start();
      }
      await waitUntil(
        `the capture to go on after round ${round}`,
        () => cdc.records.length > recorded + 100,
        180_000,
        () => `re-sent so far: ${resent(cdc, writer.codes)}`,
      );
    }
    await writer.stop();
    // Re-sent records add to the count: wait for each row's last state itself.
    for (const [code, states] of writer.states) {
      const price = states.at(-1)?.unitPrice;
      await cdc.waitFor(`the last state of ${code}`, () => cdc.events('products', code).some((event) => event.after?.['unit_price'] === price), 120_000);
    }
    await test.waitCaughtUp(120_000);

    const report = checkExactlyOnce(writer, await test.readDeltas(['products']));
    assert.ok(resent(cdc, writer.codes) > 0, 'Debezium sent records again');
    assert.deepEqual(
      { missing: report.missing, duplicates: report.duplicates, unexpected: report.unexpected, wrongKeys: report.wrongKeys.length },
      { missing: 0, duplicates: 0, unexpected: [], wrongKeys: 0 },
      report.firstWrong,
    );
    assert.equal(report.deltas, writer.changes);
    await tracker.stop();
  });
});
