/**
 * Issue 23 part 6 on the real stack: the filesystem of the data dir fills up while the tracker
 * runs. It stops with DISK_FULL naming the store's directory and exit code 1, rather than retry
 * forever; what its stores could not write is in their changelogs, so once there is space again
 * a restart catches up: every change that arrived meanwhile is emitted exactly once, and the
 * stores hold what was emitted.
 *
 * The data dir is a tmpfs of the test's own (so the test must run as root, as CI does): the
 * tracker loads what the CDC topics hold, then a file takes every byte left, then rows go into
 * the ERP and through Debezium.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, openSync, closeSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type pg from 'pg';
import { erpDatabase } from '../../support/test-stack.js';
import { CdcRecorder, TrackerTest, uniqueCode, type TrackerProcess } from '../../support/tracker-harness.js';

/** Room for what the shared CDC topics hold when the test starts, many times over. */
const FILESYSTEM_SIZE = '256m';
const NEW_CUSTOMERS = 200;

/** Writes `path` until the filesystem refuses a byte more; returns the bytes written. */
function fillUp(path: string): number {
  const fd = openSync(path, 'w');
  let written = 0;
  try {
    for (const chunk of [Buffer.alloc(1 << 20, 1), Buffer.alloc(4096, 1), Buffer.alloc(1, 1)]) {
      for (;;) {
        try {
          written += writeSync(fd, chunk);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw error;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return written;
}

describe('tracker: the data dir filesystem fills up', () => {
  let test: TrackerTest;
  let tracker: TrackerProcess | undefined;
  let cdc: CdcRecorder;
  let db: pg.Client;
  let mounted: string | undefined;

  before(async () => {
    test = new TrackerTest('diskfull');
    db = await erpDatabase();
    cdc = await CdcRecorder.start(['customers']);
    const dir = join(test.workDir, 'small-fs');
    mkdirSync(dir, { recursive: true });
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${FILESYSTEM_SIZE}`, 'erp-delta-disk-full', dir], { stdio: 'pipe' });
    } catch (error) {
      throw new Error(`This test mounts a small tmpfs for the data dir and must run as root (CI does): ${(error as { stderr?: Buffer }).stderr?.toString().trim() ?? String(error)}`);
    }
    mounted = dir;
  });

  after(async () => {
    if (tracker?.running) await tracker.kill();
    if (mounted) execFileSync('umount', ['--lazy', mounted]);
    await cdc?.stop();
    await db?.end();
    await test?.cleanup();
  });

  it('stops with DISK_FULL and exit code 1, and after space is freed, a restart emits each change once', async () => {
    const dataDir = join(mounted as string, 'data');
    const filler = join(mounted as string, 'filler');
    tracker = await test.startCaughtUp('a', dataDir);
    const loaded = await test.readDeltas(['customers']);

    const freed = fillUp(filler);
    assert.ok(freed > 0, 'the filler took what was left');
    const codes = Array.from({ length: NEW_CUSTOMERS }, () => uniqueCode('F'));
    await db.query(
      `INSERT INTO customers (code, name, address, city, sales_rep_code, credit_limit) SELECT code, 'Full Disk Traders', repeat('Long Road ', 20), 'Pretoria', 'SAL001', 10 FROM unnest($1::text[]) AS code`,
      [codes],
    );
    const exit = await Promise.race([tracker.exited, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 90_000).unref())]);
    assert.ok(exit, `the tracker kept running on a full disk\n${tracker.tail()}`);
    assert.equal(exit.code, 1, `exit code\n${tracker.tail()}`);
    const stopping = tracker.lines.find((line) => line.msg?.startsWith('stopping: '));
    assert.ok(stopping, tracker.tail());
    assert.equal(stopping['code'], 'DISK_FULL');
    assert.match(stopping.msg ?? '', new RegExp(`The state store in ${dataDir}/\\S+ cannot write: its filesystem is full`));
    assert.match(tracker.stderr, /erp-delta: The state store in .* cannot write: its filesystem is full[^\n]*\n {2}erp-delta stops here and loses nothing/);

    rmSync(filler);
    await cdc.waitForEvents('customers', codes.at(-1) as string, 1);
    tracker = await test.startCaughtUp('a', dataDir);
    const afterRestart = (await test.readDeltas(['customers'])).since(loaded);
    for (const code of codes)
      assert.deepEqual(
        afterRestart.of('customers', code).map((record) => record.delta?.op),
        ['UPSERT'],
        `${code}: emitted exactly once`,
      );
    assert.equal(afterRestart.all.filter((record) => !codes.includes(record.key)).length, 0, 'nothing else emitted');

    // The stores hold what was emitted: a change of one field is emitted as just that.
    const [changed] = codes as [string];
    await db.query(`UPDATE customers SET city = 'Durban' WHERE code = $1`, [changed]);
    await cdc.waitForEvents('customers', changed, 2);
    await test.waitCaughtUp();
    const fresh = (await test.readDeltas(['customers'])).since(loaded).of('customers', changed);
    assert.equal(fresh.length, 2, `the insert, then one change: ${JSON.stringify(fresh)}`);
    assert.deepEqual(fresh[1]?.delta?.changedFields, ['city']);
    await tracker.stop();
  });
});
