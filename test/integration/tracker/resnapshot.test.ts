/**
 * Issue 3, re-snapshots on the real stack: a Debezium incremental snapshot re-reads every row of
 * the tables as op r records. Rows the tracker has already loaded as they are emit nothing.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { testKafka } from '../../support/test-stack.js';
import { CDC_TOPICS, ENTITY_NAMES, type EntityName, useCaughtUpTracker } from '../../support/tracker-harness.js';

const TABLES: Readonly<Record<EntityName, string>> = { customers: 'public.customers', products: 'public.products', stock_levels: 'public.stock_levels' };

describe('tracker: a Debezium re-snapshot of unchanged tables', () => {
  const fixture = useCaughtUpTracker('resnapshot');

  it('emits nothing', async () => {
    const before = await fixture.test.readDeltas();
    assert.ok(before.count() > 0, 'the first load emitted the rows');

    // Where each CDC partition ends now: the snapshot's records come after.
    const admin = testKafka().admin();
    await admin.connect();
    const ends = new Map<string, number>();
    try {
      for (const topic of Object.values(CDC_TOPICS)) {
        for (const { partition, high } of await admin.fetchTopicOffsets(topic)) ends.set(`${topic}-${partition}`, Number(high));
      }
    } finally {
      await admin.disconnect();
    }
    const rows = new Map<EntityName, number>();
    for (const entity of ENTITY_NAMES) {
      const result = await fixture.db.query<{ count: string }>(`SELECT count(*) FROM ${TABLES[entity]}`);
      rows.set(entity, Number(result.rows[0]?.count));
    }

    // The source signalling channel (docs/local-stack/connect.md, section 5).
    await fixture.db.query(`INSERT INTO debezium_signal (id, type, data) VALUES ($1, 'execute-snapshot', $2)`, [
      `resnapshot-${randomUUID()}`,
      JSON.stringify({ 'data-collections': Object.values(TABLES), type: 'incremental' }),
    ]);

    const snapshotted = (): Map<EntityName, number> => {
      const counts = new Map<EntityName, number>(ENTITY_NAMES.map((entity) => [entity, 0]));
      for (const record of fixture.cdc.records) {
        if (record.value === null || record.offset < (ends.get(`${record.topic}-${record.partition}`) ?? 0)) continue;
        const entity = ENTITY_NAMES.find((name) => CDC_TOPICS[name] === record.topic);
        if (!entity) continue;
        let value: { op?: string; source?: { snapshot?: string } };
        try {
          value = JSON.parse(record.value.toString('utf8')) as typeof value;
        } catch {
          continue;
        }
        if (value.op === 'r' && value.source?.snapshot === 'incremental') counts.set(entity, (counts.get(entity) ?? 0) + 1);
      }
      return counts;
    };
    await fixture.cdc.waitFor(`op r records of every row (${JSON.stringify([...rows])})`, () => ENTITY_NAMES.every((entity) => (snapshotted().get(entity) ?? 0) >= (rows.get(entity) ?? 0)), 120_000);
    await fixture.test.waitCaughtUp();

    const afterSnapshot = await fixture.test.readDeltas();
    const fresh = afterSnapshot.since(before);
    assert.deepEqual(
      fresh.all.map((record) => `${record.entity} ${record.key}: ${JSON.stringify(record.delta?.changedFields)}`),
      [],
      `re-read ${JSON.stringify([...snapshotted()])} rows and emitted nothing`,
    );
    assert.equal(afterSnapshot.count(), before.count());
  });
});
