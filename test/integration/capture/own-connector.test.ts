/**
 * Issue 19 on the real stack, with a connector of the test's own (its table, slot, publication and
 * topic prefix, in a connectors directory of its own that the tracker watches), so that the
 * shipped connector stays untouched: the connector missing from Connect, then running; its table
 * rebuilt by an "upgrade script" (DROP and CREATE), which leaves the filtered publication; and its
 * slot dropped under the running connector, which fails its task. /readyz, the metrics, the status
 * page and the log say each state.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import type { Browser, Page } from 'playwright-core';
import { adminBase, loggedStates, metric, metricState, openStatusPage, testConnect, waitPageState, waitReadyz } from '../../support/capture-watch.js';
import { runCli } from '../../support/cli.js';
import { erpDatabase, STACK_DIR_FLAG, testKafka } from '../../support/test-stack.js';
import { TrackerTest, waitUntil, type TrackerProcess } from '../../support/tracker-harness.js';

const id = `o${Date.now().toString(36)}`;
const table = `capture_items_${id}`;
const prefix = `erpcapture${id}`;
const slot = `erp_delta_${id}`;
const name = `erp-capture-${id}`;
const topic = `${prefix}.public.${table}`;
const ENTITY = 'capture_items';

/** The test's connector file, with the placeholders `connectors apply` fills from the stack. */
function connectorFile(): object {
  return {
    name,
    config: {
      'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
      'tasks.max': '1',
      'plugin.name': 'pgoutput',
      'database.hostname': '${postgres.host}',
      'database.port': '${postgres.port}',
      'database.user': '${postgres.user}',
      'database.password': '${postgres.password}',
      'database.dbname': '${postgres.database}',
      'topic.prefix': prefix,
      'table.include.list': `public.${table}`,
      'slot.name': slot,
      'publication.name': slot,
      'publication.autocreate.mode': 'filtered',
      'snapshot.mode': 'initial',
      'heartbeat.interval.ms': '1000',
      'topic.creation.default.replication.factor': '-1',
      'topic.creation.default.partitions': '1',
      'topic.creation.default.cleanup.policy': 'compact',
    },
  };
}

async function dropSlot(db: pg.Client): Promise<void> {
  // A slot in use cannot be dropped: its walsender is ended first (Debezium reconnects quickly).
  await waitUntil(
    `slot ${slot} to be dropped`,
    async () => {
      const row = (await db.query<{ active_pid: number | null }>('SELECT active_pid FROM pg_replication_slots WHERE slot_name = $1', [slot])).rows[0];
      if (!row) return true;
      if (row.active_pid !== null) {
        await db.query('SELECT pg_terminate_backend($1)', [row.active_pid]);
        return false;
      }
      return db.query('SELECT pg_drop_replication_slot($1)', [slot]).then(
        () => true,
        () => false,
      );
    },
    60_000,
  );
}

describe("capture health: a connector of the test's own, missing, running, a table rebuilt, its slot dropped", () => {
  const connect = testConnect();
  const dir = mkdtempSync(join(tmpdir(), 'erp-delta-capture-connectors-'));
  let db: pg.Client;
  let test: TrackerTest;
  let tracker: TrackerProcess;
  let base: string;
  let browser: Browser;
  let page: Page;

  before(async () => {
    db = await erpDatabase();
    await db.query(`CREATE TABLE ${table} (code text PRIMARY KEY, name text)`);
    await db.query(`INSERT INTO ${table} VALUES ('A1', 'first'), ('A2', 'second')`);
    writeFileSync(join(dir, `${name}.json`), JSON.stringify(connectorFile(), null, 2));
    test = new TrackerTest('capture-own', { capture: { connectorsDir: dir, pollIntervalMs: 1_000, database: { checkIntervalMs: 2_000 } } });
    test.addEntity(ENTITY, { topic, keyFields: ['code'], fields: { code: { column: 'code', normalizer: 'text' }, name: { column: 'name', normalizer: 'text' } } });
    tracker = test.start();
    base = await adminBase(tracker);
    ({ browser, page } = await openStatusPage(base));
  });

  after(async () => {
    await browser?.close();
    await tracker?.kill();
    await connect.delete(name).catch(() => undefined);
    await dropSlot(db).catch(() => undefined);
    await db.query(`DROP PUBLICATION IF EXISTS ${slot}`).catch(() => undefined);
    await db.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    await db?.end();
    await test?.cleanup();
    const admin = testKafka().admin();
    await admin.connect();
    const heartbeats = (await admin.listTopics()).filter((candidate) => candidate === `__debezium-heartbeat.${prefix}`);
    if (heartbeats.length > 0) await admin.deleteTopics({ topics: heartbeats }).catch(() => undefined);
    await admin.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is not ready while the connector is missing from Kafka Connect', async () => {
    const answer = await waitReadyz(
      base,
      '/readyz to name the missing connector',
      (state) => state.reasons.includes(`connector ${name} is missing from Kafka Connect`),
      30_000,
      () => tracker.tail(),
    );
    assert.equal(answer.status, 503);
    assert.equal(await metricState(base, name), 'MISSING');
    await waitPageState(page, name, 'MISSING');
    assert.match(await page.locator(`#capture-rows tr[data-connector="${name}"] td.advice`).innerText(), /erp-delta connectors apply/);
  });

  it("is ready once `connectors apply` created it; heartbeats and the entity's newest change have an age", async () => {
    const applied = await runCli(['connectors', 'apply', '--dir', dir, ...STACK_DIR_FLAG]);
    assert.equal(applied.code, 0, applied.stderr);
    await tracker.waitForLog('tasks ready', 120_000);
    await test.waitCaughtUp(60_000);
    await waitReadyz(
      base,
      'the tracker to be ready',
      (state) => state.ready,
      60_000,
      () => tracker.tail(),
    );
    assert.equal(await metricState(base, name), 'RUNNING');
    await waitPageState(page, name, 'RUNNING');
    await waitUntil('a heartbeat to be seen', async () => ((await metric(base, 'erp_delta_capture_heartbeat_age_seconds', { connector: name })) ?? 99) <= 3, 30_000);
    await waitUntil('the table to be checked in the publication', async () => (await metric(base, 'erp_delta_capture_table_captured', { entity: ENTITY, connector: name })) === 1, 30_000);
    assert.ok((await metric(base, 'erp_delta_capture_slot_retained_wal_bytes', { connector: name, slot })) !== undefined, "the slot's retained WAL is measured");
    const deltas = await test.readEntityDeltas([ENTITY]);
    assert.deepEqual(
      ['A1', 'A2'].map((code) => deltas.of(ENTITY, code).length),
      [1, 1],
    );
    assert.ok((await metric(base, 'erp_delta_source_change_age_seconds', { entity: ENTITY })) !== undefined);
  });

  it('names a table rebuilt out of the publication, and is ready again after `connectors apply --restart`', async () => {
    // What an ERP upgrade script does: the table is dropped and created again, and so leaves the
    // connector's filtered publication; Debezium goes on running.
    await db.query(`DROP TABLE ${table}`);
    await db.query(`CREATE TABLE ${table} (code text PRIMARY KEY, name text)`);
    const reason = `table public.${table} of entity ${ENTITY} is not in publication ${slot} of connector ${name}: its changes are not captured`;
    const answer = await waitReadyz(
      base,
      '/readyz to name the table out of capture',
      (state) => state.reasons.includes(reason),
      30_000,
      () => tracker.tail(),
    );
    assert.deepEqual(answer.reasons, [reason]);
    assert.equal(await metric(base, 'erp_delta_capture_table_captured', { entity: ENTITY, connector: name }), 0);
    await waitUntil(
      'the page to show the table out of its publication',
      async () => /NOT in publication/.test(await page.locator(`#capture-entity-rows tr[data-entity="${ENTITY}"] td.publication`).innerText()),
      30_000,
    );
    assert.match(await page.locator(`#capture-rows tr[data-connector="${name}"] td.advice`).innerText(), /connectors apply --restart.*refresh --from-source/);
    assert.equal(
      tracker.logs("capture: a table of the config is not in its connector's publication: its changes are not captured").length,
      1,
      JSON.stringify(tracker.lines.filter((line) => String(line.msg).startsWith('capture:'))),
    );

    // A plain re-apply leaves an unchanged connector alone; --restart makes Debezium set its publication again.
    const applied = await runCli(['connectors', 'apply', '--restart', '--dir', dir, ...STACK_DIR_FLAG]);
    assert.equal(applied.code, 0, applied.stderr);
    await waitReadyz(
      base,
      '/readyz to be ready again',
      (state) => state.ready,
      60_000,
      () => tracker.tail(),
    );
    assert.equal(await metric(base, 'erp_delta_capture_table_captured', { entity: ENTITY, connector: name }), 1);
    assert.equal(tracker.logs('capture: table back in the publication').length, 1);
    await db.query(`INSERT INTO ${table} VALUES ('B1', 'after the rebuild')`);
    await waitUntil(
      'the row written after the restart to be captured',
      async () => (await test.readEntityDeltas([ENTITY])).of(ENTITY, 'B1').length === 1,
      120_000,
      () => tracker.tail(),
    );
  });

  it('says FAILED when the slot is dropped under the running connector: /readyz, the metrics, the page with the trace, the log', async () => {
    await dropSlot(db);
    const answer = await waitReadyz(
      base,
      '/readyz to say the connector failed',
      (state) => state.reasons.some((reason) => reason.startsWith(`connector ${name} is FAILED: task 0: `)),
      90_000,
      () => tracker.tail(),
    );
    assert.equal(answer.status, 503);
    assert.match(answer.reasons.join('\n'), /no longer available on the server/, "the first line of the task's trace");
    assert.equal(await metricState(base, name), 'FAILED');
    assert.equal(await metric(base, 'erp_delta_capture_connector_up', { connector: name }), 0);
    await waitPageState(page, name, 'FAILED');
    const row = page.locator(`#capture-rows tr[data-connector="${name}"]`);
    assert.match((await row.locator('pre.trace').textContent()) ?? '', /DebeziumException: The connector is trying to read change stream .* no longer available on the server/);
    assert.match(await row.locator('td.advice').innerText(), /a capture reset/);

    // Let a few polls pass: the state holds, and nothing more is said.
    await sleep(3_000);
    const states = loggedStates(tracker, name);
    assert.equal(states[0], 'MISSING');
    assert.equal(states.at(-1), 'FAILED');
    assert.ok(states.includes('RUNNING'));
    assert.ok(
      states.every((state, index) => index === 0 || state !== states[index - 1]),
      `one line per change: ${states.join(', ')}`,
    );
    const failed = tracker.lines.filter((line) => line.msg === 'capture: connector state changed' && line['connector'] === name && line['state'] === 'FAILED');
    assert.equal(failed.length, 1);
    assert.equal(failed[0]?.level, 50, 'an error');
    assert.match(String(failed[0]?.['trace']), /no longer available on the server/);
  });
});
