/**
 * Issue 17 on the real stack: `refresh --from-source` is a full compare with the ERP. Debezium's
 * incremental snapshot re-reads the table; rows that differ from what was loaded go out as CHANGE,
 * loaded keys the table no longer holds are deleted (RECONCILE), unchanged rows emit nothing.
 *
 * Capture misses changes here the ways it does in production: the table leaves the connector's
 * publication for a while (rows deleted and updated meanwhile are never sent), and a TRUNCATE,
 * which Debezium skips by default. The test owns its table, connector (slot, publication, topic
 * prefix) and CDC topic; the tracker reads them as its products entity.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import kafkajs from 'kafkajs';
import type pg from 'pg';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { ConnectRestClient } from '../../../src/capture/connect-rest.js';
import { projectFiles } from '../../../src/project-files.js';
import { adminBase, metric, openStatusPage } from '../../support/capture-watch.js';
import { copyOfShippedConnector, removeTestCapture } from '../../support/connector-copy.js';
import { erpDatabase, testKafka, testStack } from '../../support/test-stack.js';
import { TrackerTest, waitUntil, type Deltas, type TrackerProcess } from '../../support/tracker-harness.js';

/** The CDC topic's partitions (the shipped connector's topic.creation.default.partitions). */
const CDC_PARTITIONS = 3;

/**
 * The partition Connect's producer gives a row's key (JsonConverter without schemas, then the
 * Java client's murmur2, which kafkajs's DefaultPartitioner reproduces).
 */
function partitionOfCode(code: string): number {
  const partitionMetadata = Array.from({ length: CDC_PARTITIONS }, (_, partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));
  return kafkajs.Partitioners.DefaultPartitioner()({ topic: 'cdc', partitionMetadata, message: { key: Buffer.from(JSON.stringify({ code })), value: null } });
}

/**
 * An id whose first ten codes (the table's initial rows) leave the last partition empty, as a
 * small table does: that partition's task has no row to wait for, and its compare must still end.
 * Later tests add rows that reach it.
 */
function idLeavingLastPartitionEmpty(): string {
  for (let attempt = Date.now(); ; attempt += 1) {
    const candidate = `c${attempt.toString(36)}`;
    if (Array.from({ length: 10 }, (_, index) => partitionOfCode(`${candidate}-${String(index).padStart(3, '0')}`)).every((partition) => partition !== CDC_PARTITIONS - 1)) return candidate;
  }
}

const id = idLeavingLastPartitionEmpty();
const table = `compare_products_${id}`;
const prefix = `erpcompare${id}`;
const topic = `${prefix}.public.${table}`;
const slot = `erp_delta_${id}`;
const connectorName = `erp-compare-${id}`;

/** The shipped connector's settings, for a table, slot, publication and topic prefix of the test's own. */
function connectorConfig(): Record<string, string> {
  const stack = testStack();
  // Each connector reads the signal topic in a group of its own: in a shared one only one would get each signal.
  const signals = { bootstrap: stack.component('kafka').endpoint(), groupId: `erp-delta-signals-${id}` };
  return copyOfShippedConnector({ prefix, slot, postgres: new URL(stack.component('postgres').endpoint()), tables: [`public.${table}`], signals });
}

function codes(count: number): string[] {
  return Array.from({ length: count }, (_, index) => `${id}-${String(index).padStart(3, '0')}`);
}

/** An entity's compare as `refresh status --json` and /api/status show it (refresh-status.ts). */
interface ShownCompare {
  phase: string;
  compared: number;
  estimate: number | null;
  estimateUnknown?: string;
  percent: number | null;
  changed: number;
  deleted: number;
  rowsPerSecond: number;
  etaSeconds: number | null;
}

interface ShownRefresh {
  id: string;
  kind: string;
  totals: Record<string, number>;
  entities: Array<{ entity: string; compare?: ShownCompare }>;
}

/** What the compare emitted for the test's products: `<op> <reason> <price>` per key. */
function emitted(deltas: Deltas): Map<string, string[]> {
  const byKey = new Map<string, string[]>();
  for (const record of deltas.all) {
    if (record.entity !== 'products' || record.tombstone) continue;
    byKey.set(record.key, [...(byKey.get(record.key) ?? []), `${record.delta?.op} ${record.delta?.reason}${record.delta?.data ? ` ${record.delta.data['unitPrice']}` : ''}`]);
  }
  return byKey;
}

describe('refresh --from-source: a full compare with the ERP', () => {
  const connect = new ConnectRestClient(testStack().component('connect').endpoint());
  let db: pg.Client;
  let test: TrackerTest;
  let tracker: TrackerProcess | undefined;

  before(async () => {
    db = await erpDatabase();
    await db.query(`CREATE TABLE ${table} (code text PRIMARY KEY, description text, unit_price numeric(12,2), active boolean, updated_at timestamptz DEFAULT now())`);
    // Incremental snapshots on PostgreSQL write their window marks to the signal table, which the publication must carry.
    await db.query(`INSERT INTO ${table} (code, description, unit_price, active) SELECT code, 'Compared product', 10, true FROM unnest($1::text[]) AS code`, [codes(10)]);
    test = new TrackerTest('compare', { cdcTopics: { products: topic }, refresh: { maxLoaderLag: 1_000_000, connectorsDir: join(projectFiles.connectorsDir, '..', '.erp-delta', 'none') } });
    // The tracker and the CLI find the test's connector (its signal and notification topics) in a connectors dir of the test's own.
    const connectorsDir = join(test.dataDir('connectors'), '..', `connectors-${id}`);
    mkdirSync(connectorsDir, { recursive: true });
    writeFileSync(join(connectorsDir, `${connectorName}.json`), JSON.stringify({ name: connectorName, config: connectorConfig() }, null, 2));
    const configText = readFileSync(test.configPath, 'utf8').replace(/connectorsDir: .*/, `connectorsDir: ${connectorsDir}`);
    writeFileSync(test.configPath, configText);
    await connect.putConfig(connectorName, connectorConfig());
    await waitUntil(
      `connector ${connectorName} to run`,
      async () => {
        const status = await connect.status(connectorName);
        return status?.connector.state === 'RUNNING' && status.tasks.length > 0 && status.tasks.every((task) => task.state === 'RUNNING');
      },
      90_000,
    );
    tracker = test.start();
    await tracker.waitForLog('tasks ready');
    await waitUntil('the initial snapshot loaded', async () => emitted(await test.readDeltas(['products'], 5_000)).size === 10, 90_000);
    const admin = testKafka().admin();
    await admin.connect();
    try {
      const ends = await admin.fetchTopicOffsets(topic);
      assert.deepEqual(
        ends.map(({ partition, high }) => [partition, Number(high) > 0]).sort(([a], [b]) => Number(a) - Number(b)),
        Array.from({ length: CDC_PARTITIONS }, (_, partition) => [partition, partition !== CDC_PARTITIONS - 1]),
        'the last partition of the CDC topic holds no row',
      );
    } finally {
      await admin.disconnect();
    }
  });

  after(async () => {
    await tracker?.kill();
    await removeTestCapture(connect, db, { connector: connectorName, slot, topics: [topic] }).catch(() => undefined);
    await db.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    await db.end();
    await test?.cleanup();
  });

  const missingTopic = `erp-delta.signals-missing-${id}`;
  /** What the refusal says of that topic, on the CLI's stderr and in the schedule's warning alike. */
  const missingTopicRefusal = new RegExp(`signal topic ${missingTopic.replaceAll('.', '\\.')} of connector ${connectorName} \\(entity products\\) does not exist`);
  /** A connectors dir whose connector for the test's table names a signal topic that does not exist. */
  function connectorsWithoutSignalTopic(): string {
    const connectorsDir = join(test.dataDir('connectors'), '..', `connectors-missing-${id}`);
    mkdirSync(connectorsDir, { recursive: true });
    writeFileSync(join(connectorsDir, `${connectorName}.json`), JSON.stringify({ name: connectorName, config: { ...connectorConfig(), 'signal.kafka.topic': missingTopic } }, null, 2));
    return connectorsDir;
  }

  it('refuses a compare whose signal topic does not exist, naming it, and leaves no compare running', async () => {
    const connectorsDir = connectorsWithoutSignalTopic();
    const refused = await test.cli(['refresh', '--from-source', '--entity', 'products', '--connectors', connectorsDir]);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, missingTopicRefusal);
    assert.match(refused.stderr, /erp-delta connectors apply/);
    assert.doesNotMatch(refused.stdout, /requested/, 'nothing was requested');
    const status = await test.cli(['refresh', 'status', '--json']);
    assert.equal(status.code, 0, status.stderr);
    assert.equal((JSON.parse(status.stdout) as { running?: unknown }).running, undefined, 'no compare left running to refuse the next refresh');
  });

  it('deletes what the publication did not carry, sends what differs, and nothing for the rest', async () => {
    const [kept, deleted1, deleted2, updated, live] = codes(5) as [string, string, string, string, string];
    // The table leaves the publication for a while: what happens to it meanwhile is never captured.
    await db.query(`ALTER PUBLICATION ${slot} DROP TABLE ${table}`);
    await db.query(`DELETE FROM ${table} WHERE code = ANY($1)`, [[deleted1, deleted2]]);
    await db.query(`UPDATE ${table} SET unit_price = 99 WHERE code = $1`, [updated]);
    await db.query(`ALTER PUBLICATION ${slot} ADD TABLE ${table}`);
    await db.query(`UPDATE ${table} SET unit_price = 11 WHERE code = $1`, [live]);
    await waitUntil('the live change', async () => emitted(await test.readDeltas(['products'], 5_000)).get(live)?.length === 2, 60_000);
    const before = await test.readDeltas(['products']);
    assert.deepEqual(emitted(before).get(deleted1), ['UPSERT CHANGE 10.00'], 'the delete was not captured');

    const compare = await test.cli(['refresh', '--from-source', '--entity', 'products', '--wait']);
    assert.equal(compare.code, 0, compare.stderr);
    assert.match(compare.stdout, /full compare .* requested: products/);
    assert.match(compare.stdout, /completed in \d+ s: 8 rows compared, 1 that differed sent \(CHANGE\), 2 loaded keys the ERP no longer holds deleted/);
    assert.doesNotMatch(compare.stderr, /no row estimate/, "the estimate was read through the connector's own connection");
    const since = emitted((await test.readDeltas(['products'])).since(before));
    assert.deepEqual(
      Object.fromEntries(since),
      {
        [deleted1]: ['DELETE RECONCILE'],
        [deleted2]: ['DELETE RECONCILE'],
        [updated]: ['UPSERT CHANGE 99.00'],
      },
      'the missed deletes and the missed update; nothing for the unchanged rows, nor for the live change already sent',
    );
    assert.equal(since.get(kept), undefined);

    // The progress: the table's 8 rows re-read and compared against PostgreSQL's estimate (n_live_tup
    // here, which lags a committed change by up to its flush interval), 1 changed, 2 deleted.
    const rows = Number((await db.query<{ count: string }>(`SELECT count(*) FROM ${table}`)).rows[0]?.count);
    assert.equal(rows, 8);
    const shown = await lastCompare();
    const progress = shown.entities.find((entity) => entity.entity === 'products')?.compare;
    assert.ok(progress, JSON.stringify(shown));
    assert.ok(progress.estimate !== null && Math.abs(progress.estimate - rows) <= 2, `estimate ${progress.estimate} for ${rows} rows`);
    assert.deepEqual({ ...progress, estimate: rows, rowsPerSecond: 0 }, { phase: 'done', compared: 8, estimate: rows, percent: 100, changed: 1, deleted: 2, rowsPerSecond: 0, etaSeconds: 0 });
    assert.deepEqual([shown.totals['compared'], shown.totals['changed'], shown.totals['reconciled']], [8, 1, 2]);
    const status = await test.cli(['refresh', 'status']);
    assert.match(status.stdout, new RegExp(`products +8/${progress.estimate} rows compared \\(100%\\), 1 changed, 2 deleted, done`), status.stdout);

    // The same numbers on the tracker's /metrics and status page.
    const base = await adminBase(tracker as TrackerProcess);
    const products = { entity: 'products' };
    assert.deepEqual(await Promise.all(['compared', 'estimate', 'changed'].map((name) => metric(base, `erp_delta_compare_rows_${name}`, products))), [8, progress.estimate, 1]);
    assert.equal(await metric(base, 'erp_delta_compare_keys_deleted', products), 2);
    assert.equal(await metric(base, 'erp_delta_compare_progress_ratio', products), 1);
    const api = (await (await fetch(`${base}/api/status`)).json()) as { refresh: { last?: ShownRefresh } };
    assert.deepEqual(api.refresh.last?.entities.find((entity) => entity.entity === 'products')?.compare, progress);
    const { browser, page } = await openStatusPage(base);
    try {
      const row = page.locator('#refresh-rows tr[data-entity="products"]');
      assert.equal(await row.getAttribute('data-phase'), 'done');
      assert.equal(await row.locator('.compared').innerText(), `8 / ${progress.estimate} rows (100%)`);
      assert.deepEqual([await row.locator('.changed').innerText(), await row.locator('.deleted').innerText()], ['1 changed', '2 deleted']);
      assert.match(await page.locator('#refresh-summary').innerText(), /^Last full compare \S+ completed .*: 8 rows compared, 1 changed, 2 deleted\.$/);
    } finally {
      await browser.close();
    }
  });

  it('a TRUNCATE Debezium skipped: the next compare deletes every key the table lost, and keeps a row inserted since', async () => {
    const before = await test.readDeltas(['products']);
    const loaded = [...emitted(before)].filter(([, states]) => !(states.at(-1) ?? '').startsWith('DELETE')).map(([key]) => key);
    await db.query(`TRUNCATE ${table}`);
    const inserted = `${id}-new`;
    await db.query(`INSERT INTO ${table} (code, description, unit_price, active) VALUES ($1, 'After the truncate', 5, true)`, [inserted]);
    await waitUntil('the insert after the truncate', async () => emitted(await test.readDeltas(['products'], 5_000)).has(inserted), 60_000);

    const compare = await test.cli(['refresh', '--from-source', '--entity', 'products', '--wait']);
    assert.equal(compare.code, 0, compare.stderr);
    const since = emitted((await test.readDeltas(['products'])).since(before));
    assert.deepEqual(since.get(inserted), ['UPSERT CHANGE 5.00'], 'inserted live once, kept by the compare');
    for (const key of loaded) assert.deepEqual(since.get(key), ['DELETE RECONCILE'], `${key}, truncated, is deleted once`);
    const progress = (await lastCompare()).entities.find((entity) => entity.entity === 'products')?.compare;
    assert.ok(progress && progress.estimate !== null && progress.estimate <= 3, `the estimate after the truncate: ${JSON.stringify(progress)}`);
    assert.deepEqual([progress.compared, progress.changed, progress.deleted], [1, 0, loaded.length], 'the one row left compared and unchanged; every truncated key deleted');
    const status = await test.cli(['refresh', 'status']);
    assert.match(status.stdout, new RegExp(`products +1/${progress.estimate} rows compared \\(100%\\), 0 changed, ${loaded.length} deleted, done`), status.stdout);
  });

  // Before the scheduled compare below, not after it: a schedule's refresh ids are its due minute
  // (scheduled-runs.ts), and a firing in the minute of that test's compare would find its id taken and
  // rightly request nothing.
  it('does not request a scheduled compare whose signal topic does not exist, and logs why', async () => {
    await tracker?.stop();
    const original = readFileSync(test.configPath, 'utf8');
    const config = parseYaml(original) as { refresh: Record<string, unknown> };
    config.refresh['schedule'] = { cron: '*/5 * * * * *', timeZone: 'UTC', kinds: ['compare'], entities: { customers: [], stock_levels: [] } };
    config.refresh['connectorsDir'] = connectorsWithoutSignalTopic();
    writeFileSync(test.configPath, stringifyYaml(config));
    try {
      tracker = test.start();
      const refused = await tracker.waitForLog((line) => line.msg === 'scheduled refresh not started', 30_000);
      assert.match(JSON.stringify(refused['err']), missingTopicRefusal);
      const status = await test.cli(['refresh', 'status', '--json']);
      assert.equal(status.code, 0, status.stderr);
      assert.equal((JSON.parse(status.stdout) as { running?: unknown }).running, undefined, 'no compare left running to refuse the next refresh');
    } finally {
      await tracker?.stop();
      tracker = undefined;
      writeFileSync(test.configPath, original);
    }
  });

  it('runs on the schedule when refresh.schedule.kinds says replay and compare: the replay, then the compare', async () => {
    await tracker?.stop();
    const config = parseYaml(readFileSync(test.configPath, 'utf8')) as { refresh: Record<string, unknown> };
    // Every 5 s, for the test's products only: the shared sample tables are left alone.
    config.refresh['schedule'] = { cron: '*/5 * * * * *', timeZone: 'UTC', kinds: ['replay', 'compare'], entities: { customers: [], stock_levels: [] } };
    writeFileSync(test.configPath, stringifyYaml(config));
    const before = await test.readDeltas(['products']);
    const [gone] = [...emitted(before)].filter(([, states]) => !(states.at(-1) ?? '').startsWith('DELETE')).map(([key]) => key);
    assert.ok(gone, 'a loaded key is left to lose');
    await db.query(`ALTER PUBLICATION ${slot} DROP TABLE ${table}`);
    await db.query(`DELETE FROM ${table} WHERE code = $1`, [gone]);
    await db.query(`ALTER PUBLICATION ${slot} ADD TABLE ${table}`);

    tracker = test.start();
    const replay = await tracker.waitForLog((line) => line.msg === 'scheduled refresh requested' && line['kind'] === 'replay', 30_000);
    assert.deepEqual(replay['entities'], ['products']);
    const compare = await tracker.waitForLog((line) => line.msg === 'scheduled refresh requested' && line['kind'] === 'compare', 90_000);
    assert.equal(compare['refresh'], `${String(replay['refresh'])}-compare`, 'the compare of the same firing, once the replay completed');
    await waitUntil(
      'the scheduled compare to delete the key',
      async () =>
        emitted((await test.readDeltas(['products'], 5_000)).since(before))
          .get(gone)
          ?.at(-1) === 'DELETE RECONCILE',
      90_000,
      () => tracker?.tail() ?? '',
    );
    // The replay still found the row in the CDC topic, where its delete never arrived: only the compare knows better.
    assert.deepEqual(
      emitted((await test.readDeltas(['products'])).since(before))
        .get(gone)
        ?.map((state) => state.split(' ').slice(0, 2).join(' ')),
      ['UPSERT REFRESH', 'DELETE RECONCILE'],
    );
  });

  /** The last completed refresh, which must be a compare, as `refresh status --json` shows it. */
  async function lastCompare(): Promise<ShownRefresh> {
    const status = await test.cli(['refresh', 'status', '--json']);
    assert.equal(status.code, 0, status.stderr);
    const last = (JSON.parse(status.stdout) as { last?: ShownRefresh }).last;
    assert.equal(last?.kind, 'compare', status.stdout);
    return last;
  }

  /** Rows the ERP loses while the table is out of the publication: capture never sees these deletes. */
  async function loseUnseen(keys: readonly string[]): Promise<void> {
    await db.query(`ALTER PUBLICATION ${slot} DROP TABLE ${table}`);
    await db.query(`DELETE FROM ${table} WHERE code = ANY($1)`, [keys]);
    await db.query(`ALTER PUBLICATION ${slot} ADD TABLE ${table}`);
  }

  /** The test's tracker config without a schedule, with `instances` trackers running it, caught up. */
  async function restartWithoutSchedule(instances: readonly string[]): Promise<TrackerProcess[]> {
    await tracker?.stop();
    const config = parseYaml(readFileSync(test.configPath, 'utf8')) as { refresh: Record<string, unknown> };
    config.refresh['schedule'] = null;
    writeFileSync(test.configPath, stringifyYaml(config));
    const started = instances.map((instance) => test.start(instance));
    for (const process of started) await process.waitForLog('tasks ready');
    await test.waitCaughtUp();
    return started;
  }

  it('survives kill -9 in the middle, with live changes during it: each lost key deleted once, nothing live deleted or set back', async () => {
    const [first] = await restartWithoutSchedule(['a']);
    assert.ok(first);
    tracker = first;
    const more = Array.from({ length: 300 }, (_, index) => `${id}-k${String(index).padStart(3, '0')}`);
    await db.query(`INSERT INTO ${table} (code, description, unit_price, active) SELECT code, 'Many', 20, true FROM unnest($1::text[]) AS code`, [more]);
    await waitUntil(
      'the new rows loaded',
      async () => {
        const loadedNow = emitted(await test.readDeltas(['products'], 5_000));
        return more.every((key) => loadedNow.has(key));
      },
      90_000,
    );
    const lost = more.slice(0, 5);
    await loseUnseen(lost);
    const before = await test.readDeltas(['products']);

    const requested = await test.cli(['refresh', '--from-source', '--entity', 'products']);
    assert.equal(requested.code, 0, requested.stderr);
    // Live changes while the snapshot runs: an insert, an update and a delete, all captured.
    const [updated, deletedLive] = [more[100] as string, more[200] as string];
    const inserted = `${id}-live`;
    await db.query(`INSERT INTO ${table} (code, description, unit_price, active) VALUES ($1, 'Live', 7, true)`, [inserted]);
    await db.query(`UPDATE ${table} SET unit_price = 21 WHERE code = $1`, [updated]);
    await db.query(`DELETE FROM ${table} WHERE code = $1`, [deletedLive]);
    await first.waitForLog((line) => line.msg === 'the snapshot of a table is through' || line.msg === 'full compare of a task: marking the keys of its window', 60_000);
    await first.kill();
    const restarted = test.start('a');
    tracker = restarted;
    await restarted.waitForLog('tasks ready');
    const compareId = /full compare (\S+) requested/.exec(requested.stdout)?.[1];
    assert.ok(compareId, requested.stdout);
    await waitUntil(
      'the compare to complete',
      async () => {
        const status = await test.cli(['refresh', 'status', '--json']);
        if (status.code !== 0) return undefined;
        const now = JSON.parse(status.stdout) as { running?: unknown; last?: { id: string } };
        return (now.running === undefined && now.last?.id === compareId) || undefined;
      },
      120_000,
      () => tracker?.tail() ?? '',
    );

    const since = emitted((await test.readDeltas(['products'])).since(before));
    for (const key of lost) assert.deepEqual(since.get(key), ['DELETE RECONCILE'], `${key}, lost unseen, is deleted once`);
    assert.deepEqual(since.get(inserted), ['UPSERT CHANGE 7.00'], 'the row inserted during the compare stays');
    assert.deepEqual(since.get(updated), ['UPSERT CHANGE 21.00'], 'the row updated during the compare keeps its update');
    assert.deepEqual(since.get(deletedLive), ['DELETE CHANGE'], 'the row deleted during the compare is deleted once, as captured');
    const others = [...since.keys()].filter((key) => ![...lost, inserted, updated, deletedLive].includes(key));
    assert.deepEqual(
      others.map((key) => [key, since.get(key)]),
      [],
      'nothing for the unchanged rows',
    );
  });

  it('runs with two instances in one group: each task compares its partition, once', async () => {
    const processes = await restartWithoutSchedule(['a', 'b']);
    tracker = processes[0];
    try {
      const loaded = [...emitted(await test.readDeltas(['products']))].filter(([, states]) => !(states.at(-1) ?? '').startsWith('DELETE')).map(([key]) => key);
      const lost = loaded.slice(-4);
      await loseUnseen(lost);
      const before = await test.readDeltas(['products']);
      const rows = Number((await db.query<{ count: string }>(`SELECT count(*) FROM ${table}`)).rows[0]?.count);
      const running = test.cli(['refresh', '--from-source', '--entity', 'products', '--wait']);
      // While it runs, `refresh status` measures it against the table's row estimate.
      const during = await waitUntil(
        'refresh status to show the compare running',
        async () => {
          const status = await test.cli(['refresh', 'status', '--json']);
          const shown = status.code === 0 ? (JSON.parse(status.stdout) as { running?: ShownRefresh }).running : undefined;
          return shown?.kind === 'compare' ? shown.entities.find((entity) => entity.entity === 'products')?.compare : undefined;
        },
        60_000,
      );
      assert.ok(during.estimate !== null && Math.abs(during.estimate - rows) <= Math.max(3, rows * 0.1), `estimate ${during.estimate} for ${rows} rows`);
      assert.ok(during.phase !== 'done' && (during.percent ?? 0) <= 99 && during.compared <= rows, JSON.stringify(during));
      const compare = await running;
      assert.equal(compare.code, 0, compare.stderr);
      const since = emitted((await test.readDeltas(['products'])).since(before));
      assert.deepEqual(Object.fromEntries(since), Object.fromEntries(lost.map((key) => [key, ['DELETE RECONCILE']])));
      // Each instance's tasks counted their own partitions' rows: the group's sums are the table's.
      const done = (await lastCompare()).entities.find((entity) => entity.entity === 'products')?.compare;
      assert.deepEqual([done?.compared, done?.changed, done?.deleted, done?.percent], [rows, 0, lost.length, 100]);
    } finally {
      for (const process of processes.slice(1)) await process.stop();
    }
  });
});
