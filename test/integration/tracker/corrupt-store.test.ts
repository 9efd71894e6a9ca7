/**
 * Issue 22 on the real stack: a corrupted task (task-manager.ts) is wiped and restored from its
 * changelog. With the tracker stopped, half its stores are left unable to open (a damaged CURRENT
 * file) and the others with a checkpoint past their changelog's end (as when the delta topic is
 * created again); restarted, it says which task and why, restores each from its changelog, emits
 * nothing new, and emits the next real change once, as a change of one field.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type pg from 'pg';
import { StateStore } from '../../../src/state/state-store.js';
import { erpDatabase } from '../../support/test-stack.js';
import { CdcRecorder, TrackerTest, uniqueCode, type TrackerProcess } from '../../support/tracker-harness.js';

describe('tracker: corrupted state stores', () => {
  let test: TrackerTest;
  let tracker: TrackerProcess | undefined;
  let cdc: CdcRecorder;
  let db: pg.Client;

  before(async () => {
    test = new TrackerTest('corrupt');
    db = await erpDatabase();
    cdc = await CdcRecorder.start(['customers']);
  });

  after(async () => {
    if (tracker?.running) await tracker.stop();
    await cdc?.stop();
    await db?.end();
    await test?.cleanup();
  });

  it('wipes each, restores it from its changelog, says why, emits nothing new, and emits the next real change once', async () => {
    const [quiet, touched] = [uniqueCode('T'), uniqueCode('T')];
    for (const code of [quiet, touched]) {
      await db.query(`INSERT INTO customers (code, name, address, city, sales_rep_code, credit_limit) VALUES ($1, 'Cache Hardware', '3 Main Road', 'Cape Town', 'SAL001', 99.9)`, [code]);
    }
    tracker = test.start();
    await tracker.waitForLog('tasks ready');
    await cdc.waitForEvents('customers', quiet, 1);
    await cdc.waitForEvents('customers', touched, 1);
    await test.waitCaughtUp();
    const loaded = await test.readDeltas();
    assert.equal(loaded.of('customers', quiet).length, 1);
    assert.equal(loaded.of('customers', touched).length, 1);

    await tracker.stop();
    assert.ok(existsSync(test.dataDir()), 'the tracker kept its stores in the data dir');
    const tasksDir = join(test.dataDir(), 'tasks');
    const stores = readdirSync(tasksDir).sort();
    assert.equal(stores.length, 9, `a store per task: ${stores.join(', ')}`);
    const pastEnd = stores.filter((_, index) => index % 2 === 1);
    for (const [index, store] of stores.entries()) {
      if (index % 2 === 0) {
        writeFileSync(join(tasksDir, store, 'CURRENT'), 'MANIFEST-0000');
        continue;
      }
      const opened = await StateStore.open(join(tasksDir, store));
      await opened.write({ put: [], delete: [], changelogNextOffset: '9000000000000' });
      await opened.close();
    }

    // Changes that change nothing, made while it is away: a tracker that lost its loaded records
    // and did not restore them would see these keys as new and emit them again.
    await db.query('UPDATE customers SET name = name WHERE code = $1', [touched]);
    await db.query(`UPDATE customers SET credit_limit = 99.90, updated_at = now() WHERE code = $1`, [touched]);
    await cdc.waitForEvents('customers', touched, 3);

    tracker = test.start();
    const restoring = await tracker.waitForLog('restoring state stores from their changelogs');
    const restored = await tracker.waitForLog('state stores restored');
    await tracker.waitForLog('tasks ready');
    const unopenable = tracker.logs('task corrupted: its state store cannot open; wiping the store and restoring it from the changelog');
    const pastTheEnd = tracker.logs(
      "task corrupted: its state store's checkpoint is past its changelog's end (was the delta topic created again?); wiping the store and restoring it from the changelog",
    );
    assert.deepEqual(
      unopenable.map((line) => line['task']).sort(),
      stores.filter((store) => !pastEnd.includes(store)),
      'each store that cannot open, named',
    );
    assert.ok(
      unopenable.every((line) => String(line['reason']).includes('Corruption')),
      JSON.stringify(unopenable),
    );
    assert.deepEqual(pastTheEnd.map((line) => line['task']).sort(), pastEnd, 'each store whose checkpoint is past the end, named');
    assert.ok(
      pastTheEnd.every((line) => line['checkpoint'] === '9000000000000' && BigInt(String(line['changelogEnd'])) < 9000000000000n),
      JSON.stringify(pastTheEnd),
    );
    assert.equal((restoring['partitions'] as string[]).length, 9, 'every changelog partition is restored');
    // At least: a batch fetched before the restore's seek landed may be read (and counted) twice.
    assert.ok((restored['records'] as number) >= loaded.count(), `every committed delta and tombstone (${loaded.count()}) was read back: ${restored['records']}`);
    await test.waitCaughtUp();

    const afterRestart = await test.readDeltas();
    assert.deepEqual(afterRestart.since(loaded).all, [], 'nothing new after the restart');
    assert.equal(afterRestart.count(), loaded.count());

    await db.query(`UPDATE customers SET city = 'Durban' WHERE code = $1`, [quiet]);
    await cdc.waitForEvents('customers', quiet, 2);
    await test.waitCaughtUp();
    const fresh = (await test.readDeltas()).since(loaded).all;
    assert.equal(fresh.length, 1, `exactly one delta: ${JSON.stringify(fresh)}`);
    assert.equal(fresh[0]?.key, quiet);
    assert.equal(fresh[0]?.delta?.op, 'UPSERT');
    assert.deepEqual(fresh[0]?.delta?.changedFields, ['city'], 'a change of one field, against the restored record');
    assert.equal(fresh[0]?.delta?.data?.['city'], 'Durban');

    await tracker.stop();
  });
});
