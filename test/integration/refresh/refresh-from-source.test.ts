/**
 * Issue 5, `refresh --from-source`, on the real stack: the CLI sends Debezium an incremental
 * snapshot signal through the connector's Kafka signal channel; the snapshot's records go through
 * the tracker like any other. The ERP's products table is the source.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { testKafka } from '../../support/test-stack.js';
import { CDC_TOPICS, uniqueCode, useCaughtUpTracker, type RawRecord } from '../../support/tracker-harness.js';

describe('refresh --from-source: compare the captured data with the ERP itself', () => {
  const fixture = useCaughtUpTracker('refresh-source', ['products']);
  const codes = [uniqueCode('FS'), uniqueCode('FS')];

  /** The products CDC partitions' ends now: a snapshot's records come after. */
  async function productEnds(): Promise<Map<number, number>> {
    const admin = testKafka().admin();
    await admin.connect();
    try {
      return new Map((await admin.fetchTopicOffsets(CDC_TOPICS.products)).map(({ partition, high }) => [partition, Number(high)]));
    } finally {
      await admin.disconnect();
    }
  }

  function snapshotRecords(records: readonly RawRecord[], ends: Map<number, number>): number {
    return records.filter((record) => {
      if (record.topic !== CDC_TOPICS.products || record.value === null || record.offset < (ends.get(record.partition) ?? 0)) return false;
      try {
        const value = JSON.parse(record.value.toString('utf8')) as { op?: string; source?: { snapshot?: string } };
        return value.op === 'r' && value.source?.snapshot === 'incremental';
      } catch {
        return false;
      }
    }).length;
  }

  /**
   * Runs `refresh --from-source` (a full compare) to its end, and checks that every row of the
   * table came back as op r and was read. One compare at a time: the next waits for this one.
   */
  async function snapshotFromSource(): Promise<void> {
    const ends = await productEnds();
    const rows = Number((await fixture.db.query<{ count: string }>('SELECT count(*) FROM products')).rows[0]?.count);
    const result = await fixture.test.cli(['refresh', '--from-source', '--entity', 'products', '--wait']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /incremental snapshot of public\.products requested/);
    await fixture.cdc.waitFor(`${rows} snapshot records of products`, (records) => snapshotRecords(records, ends) >= rows, 120_000);
    await fixture.test.waitCaughtUp();
  }

  it('on unchanged tables emits nothing', async () => {
    for (const code of codes) await fixture.db.query("INSERT INTO products (code, description, unit_price, active) VALUES ($1, 'From source', 2.50, true)", [code]);
    for (const code of codes) await fixture.cdc.waitForEvents('products', code, 1);
    await fixture.test.waitCaughtUp();
    const before = await fixture.test.readDeltas(['products']);
    await snapshotFromSource();
    assert.deepEqual(
      (await fixture.test.readDeltas(['products'])).since(before).all.map((record) => record.key),
      [],
    );
  });

  it('after an ERP change that capture missed, emits exactly that change', async () => {
    const [drifted] = codes as [string, string];
    // An UPDATE that logical decoding does not publish: what the captured data can miss
    // (a connector down past its slot's retention, a table left out for a while).
    await fixture.db.query("ALTER PUBLICATION erp_delta SET (publish = 'insert, delete, truncate')");
    try {
      await fixture.db.query('UPDATE products SET unit_price = 3.75 WHERE code = $1', [drifted]);
    } finally {
      await fixture.db.query("ALTER PUBLICATION erp_delta SET (publish = 'insert, update, delete, truncate')");
    }
    const before = await fixture.test.readDeltas(['products']);
    await snapshotFromSource();
    const deltas = (await fixture.test.readDeltas(['products'])).since(before);
    assert.deepEqual(
      deltas.all.map((record) => [record.key, record.delta?.reason, record.delta?.changedFields, record.delta?.data?.['unitPrice']]),
      [[drifted, 'CHANGE', ['unitPrice'], '3.75']],
    );
  });
});
