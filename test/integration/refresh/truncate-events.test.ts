/**
 * Issue 17, Deliver 2, on the real stack: a connector that forwards truncate events
 * (`skipped.operations: none`). Its CDC topic cannot be compacted (a truncate event has no key,
 * which a compacted topic refuses), so it has topics of the delete policy, as a user who wants
 * truncate events must configure. The ERP truncates the table between two inserts: every key
 * loaded before the truncate is deleted (RECONCILE) right away, without a full compare, whichever
 * partition its rows travelled in, and the row inserted after it stays.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type pg from 'pg';
import { waitConnectorRunning, testConnect } from '../../support/capture-watch.js';
import { copyOfShippedConnector, removeTestCapture } from '../../support/connector-copy.js';
import { erpDatabase, testStack } from '../../support/test-stack.js';
import { TrackerTest, waitUntil, type Deltas, type TrackerProcess } from '../../support/tracker-harness.js';

const id = `t${Date.now().toString(36)}`;
const table = `truncated_products_${id}`;
const prefix = `erptruncate${id}`;
const topic = `${prefix}.public.${table}`;
const slot = `erp_delta_${id}`;
const connectorName = `erp-truncate-${id}`;

/** The deltas of the test's products: `<op> <reason>` per key, in order. */
function emitted(deltas: Deltas): Map<string, string[]> {
  const byKey = new Map<string, string[]>();
  for (const record of deltas.all) {
    if (record.entity !== 'products' || record.tombstone) continue;
    byKey.set(record.key, [...(byKey.get(record.key) ?? []), `${record.delta?.op} ${record.delta?.reason}`]);
  }
  return byKey;
}

describe('truncate events forwarded by the connector', () => {
  const connect = testConnect();
  const codes = Array.from({ length: 30 }, (_, index) => `${id}-${String(index).padStart(2, '0')}`);
  let db: pg.Client;
  let test: TrackerTest;
  let tracker: TrackerProcess | undefined;

  before(async () => {
    db = await erpDatabase();
    await db.query(`CREATE TABLE ${table} (code text PRIMARY KEY, description text, unit_price numeric(12,2), active boolean, updated_at timestamptz DEFAULT now())`);
    await db.query(`INSERT INTO ${table} (code, description, unit_price, active) SELECT code, 'Product', 10, true FROM unnest($1::text[]) AS code`, [codes]);
    await connect.putConfig(
      connectorName,
      copyOfShippedConnector({
        prefix,
        slot,
        postgres: new URL(testStack().component('postgres').endpoint()),
        tables: [`public.${table}`],
        overrides: { 'skipped.operations': 'none', 'topic.creation.default.cleanup.policy': 'delete' },
      }),
    );
    await waitConnectorRunning(connect, connectorName);
    test = new TrackerTest('truncate', { cdcTopics: { products: topic } });
    tracker = test.start();
    await tracker.waitForLog('tasks ready');
    await waitUntil('the initial snapshot loaded', async () => emitted(await test.readDeltas(['products'], 5_000)).size === codes.length, 90_000);
  });

  after(async () => {
    await tracker?.kill();
    await removeTestCapture(connect, db, { connector: connectorName, slot, topics: [topic] }).catch(() => undefined);
    await db.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    await db.end();
    await test?.cleanup();
  });

  it('deletes every key loaded before the truncate right away, and keeps the row inserted after it', async () => {
    const before = await test.readDeltas(['products']);
    const justBefore = `${id}-before`;
    const after = `${id}-after`;
    await db.query(`INSERT INTO ${table} (code, description, unit_price, active) VALUES ($1, 'Inserted just before the truncate', 5, true)`, [justBefore]);
    await db.query(`TRUNCATE ${table}`);
    await db.query(`INSERT INTO ${table} (code, description, unit_price, active) VALUES ($1, 'Inserted after the truncate', 6, true)`, [after]);

    // The row inserted after the truncate is on a partition of its own, whose task may commit its
    // delta after the other tasks' deletes: wait for both before the exact lists are checked.
    await waitUntil(
      'every key loaded before the truncate deleted, and the row inserted after it emitted',
      async () => {
        const since = emitted((await test.readDeltas(['products'], 5_000)).since(before));
        return [...codes, justBefore].every((code) => since.get(code)?.at(-1) === 'DELETE RECONCILE') && since.get(after) !== undefined;
      },
      120_000,
      () => tracker?.tail() ?? '',
    );
    const line = await (tracker as TrackerProcess).waitForLog('refresh completed');
    assert.match(String(line['refresh']), new RegExp(`^truncate-${topic}-\\d-\\d+$`));

    const since = emitted((await test.readDeltas(['products'])).since(before));
    for (const code of codes) assert.deepEqual(since.get(code), ['DELETE RECONCILE'], `${code}: deleted once`);
    assert.deepEqual(since.get(justBefore), ['UPSERT CHANGE', 'DELETE RECONCILE'], 'inserted, then truncated');
    assert.deepEqual(since.get(after), ['UPSERT CHANGE'], 'inserted after the truncate: kept');
    const deadLetters = (tracker as TrackerProcess).lines.filter((entry) => entry.msg === 'record dead-lettered' && entry['entity'] === 'products');
    assert.deepEqual(deadLetters, [], 'the truncate event is no dead letter');
    const status = await test.cli(['refresh', 'status']);
    assert.match(status.stdout, /last completed: truncate-.*\(truncate event at /);
  });
});
