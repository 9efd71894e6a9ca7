/**
 * Issue 18, part 5, row filters on the real stack: products filtered on `active equals true`.
 * Through the ERP database and Debezium, a product made inactive is deleted at the target and
 * made active again is sent whole; rows outside the filter emit nothing. Then the refresh, on a
 * CDC topic of the test's own (so that "every loaded key" is a number the test knows): a filter
 * added to an entity deletes its loaded rows now outside with reason RECONCILE.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type pg from 'pg';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { changeKey, changeValue } from '../../support/debezium-json.js';
import { byKey, codes, ProductTopic, refreshAndWait } from '../../support/product-topic.js';
import { erpDatabase } from '../../support/test-stack.js';
import { CdcRecorder, produce, TrackerTest, uniqueCode, type DeltaRecord, type TrackerProcess } from '../../support/tracker-harness.js';

const ALL_PRODUCT_FIELDS = ['code', 'description', 'unitPrice', 'active'];
const ACTIVE_ONLY = [{ field: 'active', equals: true }];

/** Sets (or removes, with undefined) the products entity's filter in the test's config file. */
function setProductsFilter(test: TrackerTest, filter: unknown): void {
  const config = parseYaml(readFileSync(test.configPath, 'utf8')) as { entities: Record<string, Record<string, unknown>> };
  const products = config.entities['products'];
  assert.ok(products);
  if (filter === undefined) delete products['filter'];
  else products['filter'] = filter;
  writeFileSync(test.configPath, stringifyYaml(config));
}

/** A delta topic's records of one key as `op reason [changedFields]`, a tombstone as `tombstone`. */
function summary(records: readonly DeltaRecord[]): string[] {
  return records.map((record) => (record.tombstone ? 'tombstone' : `${record.delta?.op} ${record.delta?.reason} [${record.delta?.changedFields.join(',')}]`));
}

describe('tracker: a row filter (active products only), through the ERP database', () => {
  let test: TrackerTest;
  let tracker: TrackerProcess;
  let cdc: CdcRecorder;
  let db: pg.Client;
  const written: string[] = [];

  before(async () => {
    test = new TrackerTest('row-filter');
    setProductsFilter(test, ACTIVE_ONLY);
    db = await erpDatabase();
    cdc = await CdcRecorder.start(['products']);
    tracker = await test.startCaughtUp();
  });
  after(async () => {
    await tracker?.stop();
    await cdc?.stop();
    if (written.length > 0) await db?.query('DELETE FROM products WHERE code = ANY($1::text[])', [written]);
    await db?.end();
    await test?.cleanup();
  });

  /** Waits until the row's `cdcRecords` CDC records are on Kafka and the tracker has read them; its deltas. */
  async function settle(code: string, cdcRecords: number): Promise<DeltaRecord[]> {
    await cdc.waitForEvents('products', code, cdcRecords);
    await test.waitCaughtUp();
    return (await test.readDeltas(['products'])).of('products', code);
  }

  async function insert(code: string, active: boolean): Promise<void> {
    written.push(code);
    await db.query(`INSERT INTO products (code, description, unit_price, active) VALUES ($1, 'Filtered product', 10.5, $2)`, [code, active]);
  }

  it('a product made inactive gets a DELETE; changed while inactive, nothing; made active again, an UPSERT of every field', async () => {
    const code = uniqueCode('F');
    await insert(code, true);
    assert.deepEqual(summary(await settle(code, 1)), [`UPSERT CHANGE [${ALL_PRODUCT_FIELDS}]`]);

    await db.query('UPDATE products SET active = false WHERE code = $1', [code]);
    let deltas = await settle(code, 2);
    assert.deepEqual(summary(deltas), [`UPSERT CHANGE [${ALL_PRODUCT_FIELDS}]`, 'DELETE CHANGE []', 'tombstone']);
    const left = cdc.events('products', code)[1];
    const deleted = deltas[1]?.delta;
    assert.equal(deleted?.data, null);
    assert.equal(deltas[1]?.partition, left?.partition, 'delta partition p answers CDC partition p');
    assert.deepEqual(
      [deleted?.source.offset, deleted?.source.connector, deleted?.source.tsMs],
      [left?.offset, 'postgresql', left?.source?.['ts_ms']],
      'the delete answers the UPDATE that took the row out',
    );
    assert.ok(deleted?.source.position, "at that UPDATE's source position");

    await db.query(`UPDATE products SET unit_price = 11.75, description = 'Still inactive' WHERE code = $1`, [code]);
    deltas = await settle(code, 3);
    assert.equal(deltas.length, 3, `nothing for a change outside the filter: ${JSON.stringify(deltas.slice(3))}`);

    await db.query('UPDATE products SET active = true WHERE code = $1', [code]);
    deltas = await settle(code, 4);
    assert.deepEqual(summary(deltas).slice(3), [`UPSERT CHANGE [${ALL_PRODUCT_FIELDS}]`]);
    assert.deepEqual(deltas[3]?.delta?.data, { code, description: 'Still inactive', unitPrice: '11.75', active: true });
  });

  it('a product inserted inactive emits nothing, nor its changes, nor its delete', async () => {
    const code = uniqueCode('F');
    await insert(code, false);
    await db.query(`UPDATE products SET unit_price = 12 WHERE code = $1`, [code]);
    await db.query('DELETE FROM products WHERE code = $1', [code]);
    // insert, update, delete and its tombstone
    assert.deepEqual(await settle(code, 4), []);
  });

  it('a product that stays active emits its changes as without a filter', async () => {
    const code = uniqueCode('F');
    await insert(code, true);
    await db.query(`UPDATE products SET unit_price = 10.50 WHERE code = $1`, [code]);
    await db.query(`UPDATE products SET unit_price = 13 WHERE code = $1`, [code]);
    const deltas = await settle(code, 3);
    assert.deepEqual(summary(deltas), [`UPSERT CHANGE [${ALL_PRODUCT_FIELDS}]`, 'UPSERT CHANGE [unitPrice]']);
    assert.equal(deltas[1]?.delta?.data?.['unitPrice'], '13.00');
  });
});

describe('refresh: a filter added to an entity deletes its loaded rows now outside (RECONCILE)', () => {
  const products = new ProductTopic();
  let test: TrackerTest;
  let tracker: TrackerProcess;
  const active = codes(uniqueCode('A'), 6);
  const inactive = codes(uniqueCode('I'), 4);

  /** Writes a version of each row with `active` as given, as Debezium would (no source position: Kafka order). */
  async function writeRows(rowCodes: readonly string[], isActive: boolean, op: 'r' | 'u'): Promise<void> {
    await produce(
      products.topic,
      rowCodes.map((code) => {
        const after = { code, description: `Product ${code}`, unit_price: '4.20', active: isActive, updated_at: '2026-11-25T10:00:00Z' };
        return { key: changeKey('products', after, false), value: changeValue({ table: 'products', op, after, withSchema: false }) };
      }),
    );
  }

  before(async () => {
    await products.create();
    await writeRows(active, true, 'r');
    await writeRows(inactive, false, 'r');
    test = new TrackerTest('row-filter-refresh', { cdcTopics: { products: products.topic } });
    tracker = await test.startCaughtUp();
  });
  after(async () => {
    await tracker?.stop().catch(() => undefined);
    await test?.cleanup();
  });

  it('loads every row without a filter, emits nothing when one is added, and the refresh deletes the rows outside it', async () => {
    const loads = byKey((await test.readDeltas(['products'])).all, 'CHANGE');
    assert.deepEqual([...loads.keys()].sort(), [...active, ...inactive].sort(), 'without a filter every row is loaded');

    await tracker.stop();
    setProductsFilter(test, ACTIVE_ONLY);
    tracker = await test.startCaughtUp();
    const before = await test.readDeltas(['products']);
    assert.equal(before.count(), active.length + inactive.length, 'a new filter alone emits nothing: it applies to changes, and to the next refresh');

    await refreshAndWait(test, tracker);
    const deltas = (await test.readDeltas(['products'])).since(before);
    const refreshed = byKey(deltas.all, 'REFRESH');
    assert.deepEqual([...refreshed.keys()].sort(), [...active].sort(), 'only the rows inside the filter are re-sent');
    for (const code of active) assert.deepEqual(summary(deltas.of('products', code)), ['UPSERT REFRESH []'], code);
    for (const code of inactive) assert.deepEqual(summary(deltas.of('products', code)), ['DELETE RECONCILE []', 'tombstone'], code);
    assert.equal(deltas.count(), active.length + 2 * inactive.length, 'nothing else');
  });

  it('a row deleted by the refresh comes back whole when it enters the filter', async () => {
    const before = await test.readDeltas(['products']);
    const [back] = inactive as [string];
    await writeRows([back], true, 'u');
    await test.waitCaughtUp();
    const deltas = (await test.readDeltas(['products'])).since(before);
    assert.deepEqual(summary(deltas.all), [`UPSERT CHANGE [${ALL_PRODUCT_FIELDS}]`]);
    assert.equal(deltas.all[0]?.key, back);
  });
});
