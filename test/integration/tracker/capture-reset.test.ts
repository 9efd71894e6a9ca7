/**
 * Issue 16 on the real stack: a capture reset. The connector's replication slot is lost, the
 * connector starts again without offsets, and its CDC topic is deleted and created again by a new
 * initial snapshot, whose Kafka offsets start over. Rows changed while capture was gone come out
 * once, unchanged rows emit nothing, and every later change comes out once.
 *
 * Kafka forgets a group's offsets of a deleted topic, so a tracker started afterwards reads the new
 * topic from its start. A tracker that kept its position across the re-creation (a consumer that
 * never rejoined) would go on at its old offset, in the middle of the new snapshot: the test puts
 * the group there, and the tracker must find that it missed the rows before and read them. It is
 * killed with SIGKILL while it reads the new snapshot, and started again.
 *
 * The test has a table, a connector (slot, publication, topic prefix) and a CDC topic of its own,
 * so that deleting the topic touches nothing another test reads.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type pg from 'pg';
import { ConnectRestClient } from '../../../src/capture/connect-rest.js';
import { waitConnectorRunning } from '../../support/capture-watch.js';
import { copyOfShippedConnector, removeTestCapture } from '../../support/connector-copy.js';
import { erpDatabase, testKafka, testStack } from '../../support/test-stack.js';
import { TrackerTest, waitUntil, type Deltas, type TrackerProcess } from '../../support/tracker-harness.js';

const id = `r${Date.now().toString(36)}`;
const table = `reset_products_${id}`;
const prefix = `erpreset${id}`;
const topic = `${prefix}.public.${table}`;
const slot = `erp_delta_${id}`;

function connectorConfig(): Record<string, string> {
  return copyOfShippedConnector({ prefix, slot, postgres: new URL(testStack().component('postgres').endpoint()), tables: [`public.${table}`] });
}

/** Waits until the CDC topic exists and holds at least `count` records. */
async function waitForRecords(count: number): Promise<void> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    await waitUntil(
      `${count} records on ${topic}`,
      async () => {
        if (!(await admin.listTopics()).includes(topic)) return false;
        const offsets = await admin.fetchTopicOffsets(topic).catch(() => []);
        return offsets.reduce((sum, { high }) => sum + Number(high), 0) >= count;
      },
      120_000,
    );
  } finally {
    await admin.disconnect();
  }
}

function codes(from: number, to: number): string[] {
  return Array.from({ length: to - from }, (_, index) => `${id}-${String(from + index).padStart(3, '0')}`);
}

function states(deltas: Deltas, code: string): string[] {
  return deltas
    .of('products', code)
    .filter((record) => !record.tombstone)
    .map((record) => `${record.delta?.op} ${record.delta?.data?.['unitPrice'] ?? ''}`);
}

describe('tracker: a capture reset that creates the CDC topic again', () => {
  const connect = new ConnectRestClient(testStack().component('connect').endpoint());
  let db: pg.Client;
  let test: TrackerTest;
  let tracker: TrackerProcess | undefined;
  const connectors: string[] = [];

  before(async () => {
    db = await erpDatabase();
    await db.query(`CREATE TABLE ${table} (code text PRIMARY KEY, description text, unit_price numeric(12,2), active boolean, updated_at timestamptz DEFAULT now())`);
  });
  after(async () => {
    await tracker?.kill();
    for (const name of connectors) await connect.delete(name).catch(() => undefined);
    await removeTestCapture(connect, db, { connector: connectors.at(-1) ?? 'none', slot, topics: [topic] }).catch(() => undefined);
    await db.query(`DROP TABLE IF EXISTS ${table}`);
    await db.end();
    await test?.cleanup();
  });

  it('emits the rows changed while capture was gone once, nothing for the others, and every later change once', async () => {
    const first = codes(0, 6);
    await db.query(`INSERT INTO ${table} (code, description, unit_price, active) SELECT code, 'Product ' || code, 1.00, true FROM unnest($1::text[]) AS code`, [first]);
    connectors.push(`erp-reset-${id}-1`);
    await connect.putConfig(connectors[0] as string, connectorConfig());
    await waitConnectorRunning(connect, connectors[0] as string);
    await waitForRecords(first.length);

    test = new TrackerTest('capture-reset', { cdcTopics: { products: topic } });
    tracker = await test.startCaughtUp();
    await db.query(`UPDATE ${table} SET unit_price = 1.50 WHERE code = $1`, [first[0]]);
    await waitUntil('the change before the reset', async () => states(await test.readDeltas(['products']), first[0] as string).length === 2, 60_000);

    await test.waitCaughtUp();
    await tracker.stop();
    const admin = testKafka().admin();
    await admin.connect();
    const oldPositions = (await admin.fetchOffsets({ groupId: test.groupId, topics: [topic] }))[0]?.partitions ?? [];
    await admin.disconnect();
    assert.ok(
      oldPositions.some(({ offset }) => Number(offset) > 0),
      'the tracker had read the old topic',
    );

    // Capture reset: the slot and the topic go, and the ERP changes meanwhile.
    await removeTestCapture(connect, db, { connector: connectors[0] as string, slot, topics: [topic] });
    const added = codes(6, 60);
    await db.query(`UPDATE ${table} SET unit_price = 2.50 WHERE code = $1`, [first[1]]);
    await db.query(`UPDATE ${table} SET updated_at = now() WHERE code = $1`, [first[2]]);
    await db.query(`INSERT INTO ${table} (code, description, unit_price, active) SELECT code, 'Product ' || code, 3.00, true FROM unnest($1::text[]) AS code`, [added]);

    // A new connector without offsets: a new initial snapshot into a new topic of the same name.
    connectors.push(`erp-reset-${id}-2`);
    await connect.putConfig(connectors[1] as string, connectorConfig());
    await waitConnectorRunning(connect, connectors[1] as string);
    await waitForRecords(first.length + added.length);
    // Where a consumer that kept its position would go on: its old offsets, now inside the snapshot.
    const setter = testKafka().admin();
    await setter.connect();
    await setter.setOffsets({ groupId: test.groupId, topic, partitions: oldPositions.map(({ partition, offset }) => ({ partition, offset })) });
    await setter.disconnect();
    tracker = test.start();
    const reread = await tracker.waitForLog((line) => String(line.msg).startsWith('a new initial snapshot (a capture reset) starts in the middle'), 60_000);
    assert.equal(reread['readAgain'], true);
    // Killed while it reads the new snapshot, and started again on its data dir.
    await tracker.kill();
    await test.evictGroupMembers();
    tracker = test.start();

    await waitUntil(
      'every added row loaded',
      async () => {
        const deltas = await test.readDeltas(['products']);
        return added.every((code) => states(deltas, code).length > 0) && states(deltas, first[1] as string).length >= 2;
      },
      180_000,
      () => test.describeProcesses(),
    );
    await db.query(`UPDATE ${table} SET unit_price = 4.50 WHERE code = $1`, [first[3]]);
    await waitUntil(
      'the change after the reset',
      async () => states(await test.readDeltas(['products']), first[3] as string).length === 2,
      120_000,
      () => test.describeProcesses(),
    );
    await test.waitCaughtUp(60_000);

    const deltas = await test.readDeltas(['products']);
    assert.deepEqual(states(deltas, first[0] as string), ['UPSERT 1.00', 'UPSERT 1.50'], 'changed before the reset: nothing new');
    assert.deepEqual(states(deltas, first[1] as string), ['UPSERT 1.00', 'UPSERT 2.50'], 'changed while capture was gone: once');
    assert.deepEqual(states(deltas, first[2] as string), ['UPSERT 1.00'], 'only an untracked column changed');
    assert.deepEqual(states(deltas, first[3] as string), ['UPSERT 1.00', 'UPSERT 4.50'], 'changed after the reset: once');
    for (const code of [first[4], first[5]] as string[]) assert.deepEqual(states(deltas, code), ['UPSERT 1.00'], `${code} unchanged`);
    for (const code of added) assert.deepEqual(states(deltas, code), ['UPSERT 3.00'], `${code} inserted while capture was gone: once`);
  });
});
