/**
 * Issue 3, TOAST on the real stack: PostgreSQL stores a long, incompressible value out of line
 * (TOAST); with REPLICA IDENTITY DEFAULT an UPDATE that leaves it unchanged does not write it to
 * the WAL, and Debezium sends "__debezium_unavailable_value" in its place. The tracker must keep
 * the loaded value: one delta naming only the changed column, with the long value in data.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { describe, it } from 'node:test';
import { type DeltaRecord, uniqueCode, useCaughtUpTracker } from '../../support/tracker-harness.js';

describe('tracker: an unchanged TOASTed column', () => {
  const fixture = useCaughtUpTracker('toast', ['customers']);

  let code: string;
  let longAddress: string;

  it('an UPDATE of another column emits one delta: changedFields names that column, data keeps the long value', async () => {
    code = uniqueCode('T');
    // 10,000 characters of random base64: pglz cannot shrink it under the ~2 kB TOAST threshold.
    longAddress = randomBytes(7_500).toString('base64');
    await fixture.db.query(`INSERT INTO customers (code, name, address, city, sales_rep_code, credit_limit) VALUES ($1, 'Toast Before', $2, 'Cape Town', 'SAL001', 250)`, [code, longAddress]);
    const stored = await fixture.db.query<{ external: boolean }>(`SELECT pg_column_size(address) >= 2000 AS external FROM customers WHERE code = $1`, [code]);
    assert.equal(stored.rows[0]?.external, true, 'the address stays over the TOAST threshold: PostgreSQL stores it out of line');

    await fixture.cdc.waitForEvents('customers', code, 1);
    await fixture.test.waitCaughtUp();
    const loaded = (await fixture.test.readDeltas(['customers'])).of('customers', code);
    assert.equal(loaded.length, 1);
    assert.equal(loaded[0]?.delta?.data?.['address'], longAddress);

    await fixture.db.query(`UPDATE customers SET name = 'Toast After' WHERE code = $1`, [code]);
    const events = await fixture.cdc.waitForEvents('customers', code, 2);
    assert.equal(events[1]?.op, 'u');
    assert.equal(events[1]?.after?.['address'], '__debezium_unavailable_value', 'Debezium sends the placeholder for the unchanged TOASTed column');
    assert.equal(events[1]?.after?.['name'], 'Toast After');
    await fixture.test.waitCaughtUp();

    const deltas = (await fixture.test.readDeltas(['customers'])).of('customers', code);
    assert.equal(deltas.length, 2, JSON.stringify(deltas.map((record) => record.delta?.changedFields)));
    const change = deltas[1] as DeltaRecord;
    assert.equal(change.delta?.op, 'UPSERT');
    assert.equal(change.delta.reason, 'CHANGE');
    assert.deepEqual(change.delta.changedFields, ['name']);
    assert.deepEqual(change.delta.data, {
      code,
      name: 'Toast After',
      address: longAddress,
      city: 'Cape Town',
      salesRepCode: 'SAL001',
      creditLimit: '250.00',
      assignedUserId: null,
    });
    assert.equal(fixture.tracker.logs('unchanged TOASTed columns with no loaded value: sent as null').length, 0);
  });

  it('keeps the long value through a restore: data dir deleted, then another column changes', async () => {
    assert.ok(code, 'runs after the first case');
    await fixture.tracker.stop();
    rmSync(fixture.test.dataDir(), { recursive: true, force: true });
    fixture.tracker = fixture.test.start();
    await fixture.tracker.waitForLog('tasks ready');

    await fixture.db.query(`UPDATE customers SET city = 'Durban' WHERE code = $1`, [code]);
    const events = await fixture.cdc.waitForEvents('customers', code, 3);
    assert.equal(events[2]?.after?.['address'], '__debezium_unavailable_value');
    await fixture.test.waitCaughtUp();

    const deltas = (await fixture.test.readDeltas(['customers'])).of('customers', code);
    assert.equal(deltas.length, 3, JSON.stringify(deltas.map((record) => record.delta?.changedFields)));
    assert.deepEqual(deltas[2]?.delta?.changedFields, ['city']);
    assert.equal(deltas[2]?.delta?.data?.['address'], longAddress, 'the loaded value came back from the changelog');
    assert.equal(deltas[2]?.delta?.data?.['name'], 'Toast After');
  });
});
