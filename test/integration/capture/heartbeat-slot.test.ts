/**
 * Issue 19, bounded WAL, on the real stack: an idle ERP database next to a busy one on the same
 * PostgreSQL server. Two copies of the shipped connector capture the idle database: one as shipped
 * (heartbeats whose action query writes a captured heartbeat table), and one without heartbeats.
 * While the other database writes, the shipped copy's slot advances and keeps little WAL; the bare
 * one keeps all of it. The tracker's capture watch sees the heartbeats and measures both slots.
 * Then Kafka Connect restarts both: the shipped copy goes on from its offsets (the slot never moved
 * past what Debezium had committed).
 *
 * Databases, connectors, slots and topics are the test's own (docs/capture-health.md has the
 * longer measurement, with heartbeat.action.query too).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { projectFiles } from '../../../src/project-files.js';
import { adminBase, metric, testConnect, waitConnectorRunning } from '../../support/capture-watch.js';
import { copyOfShippedConnector } from '../../support/connector-copy.js';
import { runCli } from '../../support/cli.js';
import { STACK_DIR_FLAG, testKafka, testStack } from '../../support/test-stack.js';
import { TrackerTest, waitUntil, type TrackerProcess } from '../../support/tracker-harness.js';

const id = `h${Date.now().toString(36)}`;
const IDLE = `hb_idle_${id}`;
const BUSY = `hb_busy_${id}`;
const VARIANTS = ['shipped', 'bare'] as const;
type Variant = (typeof VARIANTS)[number];
const nameOf = (variant: Variant): string => `erp-hb-${id}-${variant}`;
const slotOf = (variant: Variant): string => `hb_${id}_${variant}`;
const prefixOf = (variant: Variant): string => `erphb${id}${variant}`;
/** WAL the busy database writes: enough to tell a slot that follows from one that keeps it all. */
const BUSY_MB = 60;

function connectorFile(variant: Variant): object {
  const shipped = variant === 'shipped';
  return {
    name: nameOf(variant),
    config: copyOfShippedConnector({
      prefix: prefixOf(variant),
      slot: slotOf(variant),
      postgres: new URL(testStack().component('postgres').endpoint()),
      database: IDLE,
      heartbeat: shipped,
      // Heartbeats faster than shipped, so that the test sees several.
      overrides: { 'topic.creation.default.partitions': '1', ...(shipped ? { 'heartbeat.interval.ms': '2000' } : {}) },
    }),
  };
}

function client(database: string): pg.Client {
  const url = new URL(testStack().component('postgres').endpoint());
  return new pg.Client({ host: url.hostname, port: Number(url.port), user: decodeURIComponent(url.username), database });
}

describe('capture health: heartbeats on an idle ERP database while another database on the server writes', () => {
  const connect = testConnect();
  const dir = mkdtempSync(join(tmpdir(), 'erp-delta-heartbeat-connectors-'));
  const server = client('postgres');
  let test: TrackerTest;
  let tracker: TrackerProcess;
  let base: string;

  before(async () => {
    await server.connect();
    await server.query(`CREATE DATABASE ${IDLE}`);
    await server.query(`CREATE DATABASE ${BUSY}`);
    const idle = client(IDLE);
    await idle.connect();
    await idle.query(readFileSync(projectFiles.erpSchemaSql, 'utf8'));
    await idle.query(readFileSync(projectFiles.erpSeedSql, 'utf8'));
    await idle.end();
    for (const variant of VARIANTS) writeFileSync(join(dir, `${nameOf(variant)}.json`), JSON.stringify(connectorFile(variant), null, 2));
    test = new TrackerTest('capture-heartbeat', { capture: { connectorsDir: dir, pollIntervalMs: 1_000, database: { checkIntervalMs: 2_000 } } });
    tracker = test.start();
    base = await adminBase(tracker);
  });

  after(async () => {
    await tracker?.stop().catch(() => undefined);
    await test?.cleanup();
    for (const variant of VARIANTS) await connect.delete(nameOf(variant)).catch(() => undefined);
    for (const variant of VARIANTS) {
      await waitUntil(
        `slot ${slotOf(variant)} to be dropped`,
        async () => {
          const row = (await server.query<{ active: boolean }>('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [slotOf(variant)])).rows[0];
          if (!row) return true;
          return (
            !row.active
            && server.query('SELECT pg_drop_replication_slot($1)', [slotOf(variant)]).then(
              () => true,
              () => false,
            )
          );
        },
        60_000,
      ).catch(() => undefined);
    }
    await server.query(`DROP DATABASE IF EXISTS ${IDLE} WITH (FORCE)`);
    await server.query(`DROP DATABASE IF EXISTS ${BUSY} WITH (FORCE)`);
    await server.end();
    const admin = testKafka().admin();
    await admin.connect();
    const topics = (await admin.listTopics()).filter((topic) => VARIANTS.some((variant) => topic.startsWith(`${prefixOf(variant)}.`) || topic === `__debezium-heartbeat.${prefixOf(variant)}`));
    if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });

  it('advances the slot of the connector as shipped, while the bare one keeps every byte the busy database wrote', async () => {
    const applied = await runCli(['connectors', 'apply', '--dir', dir, ...STACK_DIR_FLAG]);
    assert.equal(applied.code, 0, applied.stderr);
    for (const variant of VARIANTS) await waitConnectorRunning(connect, nameOf(variant));
    // The ERP database had a change, then went quiet.
    const idle = client(IDLE);
    await idle.connect();
    await idle.query('UPDATE products SET unit_price = unit_price + 1 WHERE code = (SELECT min(code) FROM products)');
    await idle.end();
    await sleep(5_000);

    const busy = client(BUSY);
    await busy.connect();
    await busy.query('CREATE TABLE writes (id bigserial PRIMARY KEY, payload text)');
    const startLsn = (await server.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0]?.lsn ?? '0/0';
    // 1 MB a second, as rows of ~10 kB of random hex (little for TOAST to compress).
    for (let second = 0; second < BUSY_MB; second += 1) {
      const tick = Date.now();
      await busy.query("INSERT INTO writes (payload) SELECT string_agg(md5(random()::text), '') FROM generate_series(1, 320) AS n, generate_series(1, 100) AS r GROUP BY r");
      await sleep(Math.max(0, 1_000 - (Date.now() - tick)));
    }
    await busy.end();
    // The server logs the running transactions every 15 s: a slot's restart_lsn moves at those.
    await sleep(20_000);

    const slots = Object.fromEntries(
      (
        await server.query<{ slot_name: string; retained: string; advanced: boolean }>(
          'SELECT slot_name, pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint::text AS retained, restart_lsn > $1::pg_lsn AS advanced FROM pg_replication_slots WHERE slot_name = ANY($2)',
          [startLsn, VARIANTS.map(slotOf)],
        )
      ).rows.map((row) => [row.slot_name, { retainedMb: Number(row.retained) / 1024 / 1024, advanced: row.advanced }]),
    );
    const written = Number((await server.query<{ written: string }>('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1)::bigint::text AS written', [startLsn])).rows[0]?.written) / 1024 / 1024;
    const shipped = slots[slotOf('shipped')];
    const bare = slots[slotOf('bare')];
    const report = `WAL written ${written.toFixed(1)} MB; kept: shipped ${shipped?.retainedMb.toFixed(1)} MB, bare ${bare?.retainedMb.toFixed(1)} MB`;
    assert.ok(written >= BUSY_MB * 0.8, report);
    assert.equal(shipped?.advanced, true, `the shipped connector's slot moved past the start of the writes: ${report}`);
    assert.ok((shipped?.retainedMb ?? Infinity) < written / 2, report);
    assert.equal(bare?.advanced, false, `the bare connector's slot did not move: ${report}`);
    assert.ok((bare?.retainedMb ?? 0) >= written, report);

    // The tracker's watch: heartbeats seen from the shipped copy only, and both slots measured.
    assert.ok(tracker.running, tracker.tail());
    await waitUntil(
      'the watch to measure both slots',
      async () => ((await metric(base, 'erp_delta_capture_slot_retained_wal_bytes', { connector: nameOf('bare'), slot: slotOf('bare') })) ?? 0) >= written * 1024 * 1024,
      30_000,
    );
    assert.ok(((await metric(base, 'erp_delta_capture_heartbeat_age_seconds', { connector: nameOf('shipped') })) ?? Infinity) <= 6, 'heartbeats every 2 s');
    assert.equal(await metric(base, 'erp_delta_capture_heartbeat_age_seconds', { connector: nameOf('bare') }), undefined, 'no heartbeats configured: no series');
    const shippedMetric = await metric(base, 'erp_delta_capture_slot_retained_wal_bytes', { connector: nameOf('shipped'), slot: slotOf('shipped') });
    assert.ok(shippedMetric !== undefined && shippedMetric < (written * 1024 * 1024) / 2, `the metric says what the slot keeps: ${shippedMetric}`);

    // A slot moved by something other than what Debezium committed (the JDBC driver's keepalive
    // flush did) fails the connector's next start: "... no longer available on the server".
    await connect.restart(nameOf('shipped'));
    await sleep(3_000);
    await waitUntil(
      'the shipped copy to run again after a restart',
      async () => {
        const status = await connect.status(nameOf('shipped'));
        const failed = status?.tasks.find((task) => task.state === 'FAILED');
        if (failed) throw new Error(`the restarted connector failed: ${failed.trace?.split('\n')[0] ?? ''}`);
        return status?.connector.state === 'RUNNING' && status.tasks.length > 0 && status.tasks.every((task) => task.state === 'RUNNING');
      },
      60_000,
    );
  });
});
