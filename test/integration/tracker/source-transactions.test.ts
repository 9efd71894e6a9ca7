/**
 * Issue 16, parts 4 and 5 on the real stack: the net effect of an ERP transaction counts (a row
 * deleted and inserted again unchanged, or updated and set back, in one transaction emits
 * nothing); a primary-key change stays a DELETE of the old key and an UPSERT of the new one with
 * the assignment join applied; a tombstone alone on a CDC topic deletes a loaded key.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CDC_TOPICS, produce, uniqueCode, useCaughtUpTracker } from '../../support/tracker-harness.js';

describe('tracker: the net effect of a source transaction', () => {
  // Debezium wrote the parts of one transaction up to 0.6 s apart on this two-core machine under
  // load (the default linger, 250 ms, is for a server): what is tested is that a transaction whose
  // parts arrive within the linger is decided whole, and that needs a linger the machine keeps to.
  const fixture = useCaughtUpTracker('source-transactions', ['products', 'customers'], { tracker: { transactionLingerMs: 2_000 } });

  it('emits nothing for a row deleted and inserted again unchanged, or updated and set back, in one transaction', async () => {
    const { test, db, cdc } = fixture;
    const rewritten = uniqueCode('RW');
    const setBack = uniqueCode('SB');
    const changed = uniqueCode('CH');
    await db.query(`INSERT INTO products (code, description, unit_price, active) VALUES ($1, 'Rewritten', 1.00, true), ($2, 'Set back', 2.00, true), ($3, 'Changed', 3.00, true)`, [
      rewritten,
      setBack,
      changed,
    ]);
    await cdc.waitForEvents('products', changed, 1);
    await test.waitCaughtUp();
    const before = await test.readDeltas(['products']);
    assert.equal(before.of('products', rewritten).length, 1, 'the insert was loaded');

    // What ERPs that save by rewriting rows do, and a correction undone before the commit.
    await db.query('BEGIN');
    await db.query('DELETE FROM products WHERE code = $1', [rewritten]);
    await db.query(`INSERT INTO products (code, description, unit_price, active) VALUES ($1, 'Rewritten', 1.00, true)`, [rewritten]);
    await db.query(`UPDATE products SET unit_price = 9.99 WHERE code = $1`, [setBack]);
    await db.query(`UPDATE products SET unit_price = 2.00 WHERE code = $1`, [setBack]);
    await db.query(`UPDATE products SET unit_price = 3.50 WHERE code = $1`, [changed]);
    await db.query('COMMIT');
    const events = await cdc.waitForEvents('products', rewritten, 4);
    assert.deepEqual(
      events.slice(1).map((event) => event.op),
      ['d', 'tombstone', 'c'],
      'Debezium sent the delete, its tombstone and the insert',
    );
    await cdc.waitForEvents('products', changed, 2);
    await test.waitCaughtUp();

    const fresh = (await test.readDeltas(['products'])).since(before);
    assert.deepEqual(
      fresh.all.map((record) => `${record.key} ${record.delta?.op} ${JSON.stringify(record.delta?.changedFields ?? null)}`),
      [`${changed} UPSERT ["unitPrice"]`],
    );
  });

  it("keeps a key change a DELETE of the old key and an UPSERT of the new one, joined with the new key's rep user", async () => {
    const { test, db, cdc } = fixture;
    const rep = uniqueCode('REP');
    const oldCode = uniqueCode('KO');
    const newCode = uniqueCode('KN');
    const assigned = await test.cli(['assign', rep, 'user-key-change']);
    assert.equal(assigned.code, 0, assigned.stderr);
    await db.query(`INSERT INTO customers (code, name, sales_rep_code) VALUES ($1, 'Key change', $2)`, [oldCode, rep]);
    await cdc.waitForEvents('customers', oldCode, 1);
    await test.waitCaughtUp();
    const before = await test.readDeltas(['customers']);

    await db.query('UPDATE customers SET code = $2 WHERE code = $1', [oldCode, newCode]);
    await cdc.waitForEvents('customers', newCode, 1);
    await test.waitCaughtUp();

    const fresh = (await test.readDeltas(['customers'])).since(before);
    // The two keys may sit in different partitions: their deltas in any order.
    const deltas = fresh.all.filter((record) => !record.tombstone).map((record) => [record.key, record.delta?.op, record.delta?.reason, record.delta?.data?.['assignedUserId'] ?? null]);
    assert.deepEqual(
      deltas.sort((a, b) => String(a[1]).localeCompare(String(b[1]))),
      [
        [oldCode, 'DELETE', 'CHANGE', null],
        [newCode, 'UPSERT', 'CHANGE', 'user-key-change'],
      ],
    );
  });

  it('deletes a loaded key on a tombstone alone, as compaction leaves one after removing its delete', async () => {
    const { test, db, cdc } = fixture;
    const code = uniqueCode('TA');
    await db.query(`INSERT INTO products (code, description, unit_price, active) VALUES ($1, 'Tombstone alone', 1.00, true)`, [code]);
    await cdc.waitForEvents('products', code, 1);
    await test.waitCaughtUp();
    const before = await test.readDeltas(['products']);

    // Debezium writes a tombstone only right after its delete; a compacted topic can hold the
    // tombstone alone, which no database change can produce on demand: written by hand.
    await produce(CDC_TOPICS.products, [{ key: JSON.stringify({ code }), value: null }]);
    await test.waitCaughtUp();

    const fresh = (await test.readDeltas(['products'])).since(before);
    assert.deepEqual(
      fresh.all.map((record) => [record.key, record.tombstone ? 'tombstone' : record.delta?.op, record.delta?.reason ?? null]),
      [
        [code, 'DELETE', 'CHANGE'],
        [code, 'tombstone', null],
      ],
    );
    await db.query('DELETE FROM products WHERE code = $1', [code]);
  });
});
