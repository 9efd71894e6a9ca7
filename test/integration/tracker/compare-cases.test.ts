/**
 * Issue 3, "Compare and emit", on the real stack: each case is a change made in the ERP database
 * (or, for a key the database never had, a Debezium record written to the CDC topic), carried by
 * Debezium, and judged by the exact deltas on the tracker's delta topic.
 *
 * "Nothing emitted" is checked after the tracker has provably read the change: the change's CDC
 * record is on the CDC topic, and the tracker's group has committed past the end of every CDC
 * partition (it commits input offsets in the transactions that carry the deltas).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { changeKey, changeValue } from '../../support/debezium-json.js';
import { type DeltaRecord, produce, uniqueCode, useCaughtUpTracker } from '../../support/tracker-harness.js';

const ALL_CUSTOMER_FIELDS = ['code', 'name', 'address', 'city', 'salesRepCode', 'creditLimit', 'assignedUserId'];

interface CustomerRow {
  name: string;
  address: string;
  city: string;
  sales_rep_code: string;
  credit_limit: string;
}

const ROW: CustomerRow = { name: 'Compare Hardware', address: '3 Main Road', city: 'Cape Town', sales_rep_code: 'SAL001', credit_limit: '1500.5' };

/** The desired record of a row as the tracker must emit it (trimmed text, 2-digit decimals). */
function customerRecord(code: string, row: CustomerRow): Record<string, unknown> {
  return {
    code,
    name: row.name.trim(),
    address: row.address.trim(),
    city: row.city.trim(),
    salesRepCode: row.sales_rep_code.trim(),
    creditLimit: Number(row.credit_limit).toFixed(2),
    // No mapping in this test's assignment topic: nobody is assigned.
    assignedUserId: null,
  };
}

/**
 * The source position a streamed PostgreSQL change carries in its delta, worked out here from the
 * event's own source block (docs/source-positions.md): the last commit before it or its LSN,
 * whichever is later, the last commit, then its LSN, 16 hex digits each.
 */
function streamedPosition(source: Record<string, unknown> | null | undefined): string {
  const [lastCommit] = JSON.parse(String(source?.['sequence'])) as [string | null, string];
  const lsn = BigInt(String(source?.['lsn']));
  const commit = lastCommit === null ? 0n : BigInt(lastCommit);
  const hex = (value: bigint): string => value.toString(16).padStart(16, '0');
  return `${hex(commit > lsn ? commit : lsn)}:${hex(commit)}:${hex(lsn)}`;
}

describe('tracker: compare cases driven through the ERP database', () => {
  const fixture = useCaughtUpTracker('compare', ['customers']);

  /** Waits until the row's `cdcRecords` CDC records are on Kafka and the tracker has read them; its deltas. */
  async function settle(code: string, cdcRecords: number): Promise<DeltaRecord[]> {
    await fixture.cdc.waitForEvents('customers', code, cdcRecords);
    await fixture.test.waitCaughtUp();
    return (await fixture.test.readDeltas(['customers'])).of('customers', code);
  }

  /** Inserts a customer and waits for its first delta (every field changed: the key is new). */
  async function insertLoaded(code: string, row: CustomerRow = ROW): Promise<DeltaRecord> {
    await fixture.db.query('INSERT INTO customers (code, name, address, city, sales_rep_code, credit_limit) VALUES ($1, $2, $3, $4, $5, $6)', [
      code,
      row.name,
      row.address,
      row.city,
      row.sales_rep_code,
      row.credit_limit,
    ]);
    const deltas = await settle(code, 1);
    assert.equal(deltas.length, 1, `one delta for the new row ${code}: ${JSON.stringify(deltas)}`);
    const [first] = deltas as [DeltaRecord];
    assert.equal(first.delta?.op, 'UPSERT');
    assert.equal(first.delta.reason, 'CHANGE');
    assert.deepEqual(first.delta.changedFields, ALL_CUSTOMER_FIELDS);
    assert.deepEqual(first.delta.data, customerRecord(code, row));
    return first;
  }

  it('a real change emits one UPSERT: changedFields names the changed field, data is the whole record', async () => {
    const code = uniqueCode('T');
    await insertLoaded(code);
    await fixture.db.query(`UPDATE customers SET city = 'Durban' WHERE code = $1`, [code]);
    const deltas = await settle(code, 2);

    assert.equal(deltas.length, 2, JSON.stringify(deltas));
    const change = deltas[1] as DeltaRecord;
    const event = fixture.cdc.events('customers', code)[1];
    assert.equal(event?.op, 'u');
    assert.equal(change.key, code, 'the Kafka key is the customer code');
    assert.equal(change.partition, event.partition, 'delta partition p answers CDC partition p');
    assert.deepEqual(change.delta, {
      op: 'UPSERT',
      reason: 'CHANGE',
      changedFields: ['city'],
      key: code,
      data: customerRecord(code, { ...ROW, city: 'Durban' }),
      source: {
        topic: 'erp.public.customers',
        partition: event.partition,
        offset: event.offset,
        tsMs: event.source?.['ts_ms'],
        connector: 'postgresql',
        position: streamedPosition(event.source),
        epoch: 0,
      },
      emittedAtMs: change.delta?.emittedAtMs,
    });
    assert.ok((change.delta?.emittedAtMs ?? 0) >= Number(event.source?.['ts_ms']), 'emitted after the database made the change');
  });

  it('an UPDATE of updated_at only (an untracked column) emits nothing', async () => {
    const code = uniqueCode('T');
    await insertLoaded(code);
    await fixture.db.query(`UPDATE customers SET updated_at = now() + interval '1 hour' WHERE code = $1`, [code]);
    const deltas = await settle(code, 2);

    const [created, updated] = fixture.cdc.events('customers', code);
    assert.equal(updated?.op, 'u', 'Debezium did send the update');
    assert.notEqual(updated.after?.['updated_at'], created?.after?.['updated_at']);
    assert.equal(deltas.length, 1, `no delta after the first: ${JSON.stringify(deltas.slice(1))}`);
  });

  it('UPDATE customers SET name = name emits nothing', async () => {
    const code = uniqueCode('T');
    await insertLoaded(code);
    await fixture.db.query('UPDATE customers SET name = name WHERE code = $1', [code]);
    const deltas = await settle(code, 2);

    assert.equal(fixture.cdc.events('customers', code)[1]?.op, 'u', 'a no-op UPDATE still produces an op u event');
    assert.equal(deltas.length, 1, `no delta after the first: ${JSON.stringify(deltas.slice(1))}`);
  });

  it('whitespace around text and another decimal formatting normalize equal: nothing is emitted', async () => {
    const code = uniqueCode('T');
    const row = { ...ROW, name: 'X' };
    await insertLoaded(code, row);
    await fixture.db.query(`UPDATE customers SET name = ' X ' WHERE code = $1`, [code]);
    await fixture.db.query(`UPDATE customers SET credit_limit = '1500.50' WHERE code = $1`, [code]);
    let deltas = await settle(code, 3);
    const events = fixture.cdc.events('customers', code);
    assert.equal(events[1]?.after?.['name'], ' X ', 'the source really holds the padded name');
    // numeric(12,2) stores 1500.5 and 1500.50 alike, so Debezium sends "1500.50" both times: this
    // UPDATE is a no-op at the source. The next record shows the tracker's own decimal normalizing.
    assert.equal(events[2]?.after?.['credit_limit'], '1500.50');
    assert.equal(deltas.length, 1, `no delta after the first: ${JSON.stringify(deltas.slice(1))}`);

    // What another source (or a column of another scale) sends for the same values: a shorter and a
    // longer decimal, padded text. Written to the row's own CDC partition, as Debezium would.
    const last = events[2];
    assert.ok(last?.after);
    await produce(
      'erp.public.customers',
      ['1500.5', '1500.500'].map((creditLimit) => {
        const after = { ...last.after, name: '  X\t', city: ` ${ROW.city}  `, credit_limit: creditLimit };
        return { partition: last.partition, key: changeKey('customers', after, false), value: changeValue({ table: 'customers', op: 'u', after, withSchema: false }) };
      }),
    );
    deltas = await settle(code, 5);
    assert.equal(deltas.length, 1, `no delta after the first: ${JSON.stringify(deltas.slice(1))}`);
  });

  it('a DELETE of a loaded row emits a DELETE delta, then a tombstone', async () => {
    const code = uniqueCode('T');
    const loaded = await insertLoaded(code);
    await fixture.db.query('DELETE FROM customers WHERE code = $1', [code]);
    const deltas = await settle(code, 3);

    const deleted = fixture.cdc.events('customers', code)[1];
    assert.equal(deleted?.op, 'd');
    assert.equal(deltas.length, 3, JSON.stringify(deltas));
    const [, deleteDelta, tombstone] = deltas as [DeltaRecord, DeltaRecord, DeltaRecord];
    assert.deepEqual(deleteDelta.delta, {
      op: 'DELETE',
      reason: 'CHANGE',
      changedFields: [],
      key: code,
      data: null,
      source: {
        topic: 'erp.public.customers',
        partition: deleted.partition,
        offset: deleted.offset,
        tsMs: deleted.source?.['ts_ms'],
        connector: 'postgresql',
        position: streamedPosition(deleted.source),
        epoch: 0,
      },
      emittedAtMs: deleteDelta.delta?.emittedAtMs,
    });
    assert.equal(tombstone.delta, null, 'a tombstone follows the DELETE');
    assert.equal(tombstone.key, code);
    assert.equal(tombstone.partition, loaded.partition);
    assert.equal(tombstone.offset, deleteDelta.offset + 1, 'the tombstone directly follows the DELETE');
  });

  it('a delete of a key never loaded emits nothing', async () => {
    // The database cannot delete a row Debezium never announced, so the delete (and its tombstone)
    // are written to the CDC topic as Debezium writes them, for a code the ERP never had.
    const code = uniqueCode('NEVER');
    const key = changeKey('customers', { code }, false);
    await produce('erp.public.customers', [
      { key, value: changeValue({ table: 'customers', op: 'd', before: { code }, after: null, withSchema: false }) },
      { key, value: null },
    ]);
    const deltas = await settle(code, 2);
    assert.deepEqual(deltas, []);
  });
});
