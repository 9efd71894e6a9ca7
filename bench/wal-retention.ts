/**
 * How much WAL a replication slot keeps on an idle ERP database whose server also holds a busy
 * database, with and without Debezium heartbeats (issue 19, part 2). Results: docs/capture-health.md.
 *
 *   npx tsx bench/wal-retention.ts --data-dir .erp-delta/capture-stack [--seconds 180] [--mb-per-second 1]
 *   npx tsx bench/wal-retention.ts --data-dir DIR --start idle    # the connectors start on an idle server, the writes after
 *   npx tsx bench/wal-retention.ts --data-dir DIR --cap            # then: the server's max_slot_wal_keep_size reached
 *
 * On the stack in --data-dir (use a stack of your own: it creates databases and connectors, and
 * with --cap writes past the server's max_slot_wal_keep_size, which invalidates every slot that
 * holds more, the shipped connector's own too if it lags), it creates databases on the one
 * PostgreSQL server: per variant an ERP database `wal_idle_<variant>` (the sample ERP's schema and
 * seed, captured, and never written after one change) and `wal_busy`, written at a steady rate
 * (1 MB/s) and captured by nobody. Five copies of the shipped connector (connectors/erp-postgres.json,
 * without its signal channels) capture one idle database each, with their own slot, publication
 * and topic prefix:
 *
 *   none      no heartbeat
 *   interval  heartbeat.interval.ms only (as shipped)
 *   table     as shipped: heartbeat.interval.ms and heartbeat.action.query writing a heartbeat
 *             table that the connector captures (in table.include.list, so in its filtered
 *             publication; created by database.initial.statements; its events filtered out)
 *   message   heartbeat.interval.ms and heartbeat.action.query emitting a logical decoding message
 *             (pg_logical_emit_message), no table
 *   driver    heartbeat.interval.ms and lsn.flush.mode=connector_and_driver (Debezium 3.6: pgjdbc
 *             confirms the server's keepalive LSN when nothing is in flight)
 *
 * By default the busy writes start before the connectors (an ERP server is busy when a connector
 * starts). Every 10 s it samples each slot's retained WAL, pg_wal_lsn_diff(pg_current_wal_lsn(),
 * restart_lsn), the stack's own `erp_delta` slot too, and prints a table and a JSON line at the
 * end. Everything it created is removed.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { ConnectRestClient } from '../src/capture/connect-rest.js';
import { kafkajsClient } from '../src/kafka/kafka-client.js';
import { projectFiles } from '../src/project-files.js';
import { LocalStack } from '../src/stack/local-stack.js';
import { copyOfShippedConnector } from '../test/support/connector-copy.js';

const { values } = parseArgs({
  options: {
    'data-dir': { type: 'string' },
    seconds: { type: 'string', default: '180' },
    'mb-per-second': { type: 'string', default: '1' },
    'heartbeat-ms': { type: 'string', default: '10000' },
    cap: { type: 'boolean', default: false },
    start: { type: 'string', default: 'busy' },
  },
});
const dataDir = values['data-dir'];
if (!dataDir) throw new Error('--data-dir is required: a stack of your own');
const seconds = Number(values.seconds);
const mbPerSecond = Number(values['mb-per-second']);
const heartbeatMs = Number(values['heartbeat-ms']);
const withCap = values.cap === true;
if (values.start !== 'busy' && values.start !== 'idle') throw new Error('--start must be busy or idle');
/**
 * Whether the writes already run when the connectors start (an ERP server is busy when a
 * connector is created or restarted), or only once they run on an idle server.
 */
const startWhile = values.start;

const stack = LocalStack.open({ dataDir });
const postgresUrl = new URL(stack.component('postgres').endpoint());
const connect = new ConnectRestClient(stack.component('connect').endpoint());
/**
 * Each variant's ERP database: idle, and its own. A heartbeat of one variant must not reach
 * another's slot: a logical decoding message (pg_logical_emit_message) is decoded by every slot of
 * its database, and would advance them all.
 */
const idleOf = (variant: Variant): string => `wal_idle_${variant}`;
const BUSY = 'wal_busy';

type Variant = 'none' | 'interval' | 'table' | 'message' | 'driver';
/**
 * The shipped connector's slot on the stack's own ERP database (idle unless someone writes it):
 * sampled too when it is there, as the connector erp-delta ships runs it.
 */
const SHIPPED_SLOT = 'erp_delta';
const VARIANTS: readonly Variant[] = ['none', 'interval', 'table', 'message', 'driver'];
// Connect keeps a deleted connector's offsets under its name: each run's connectors get new names,
// or a connector of an earlier run would start from an offset its new slot no longer has.
const runId = Date.now().toString(36);
const slotOf = (variant: Variant): string => `wal_${variant}`;
const connectorOf = (variant: Variant): string => `wal-retention-${runId}-${variant}`;

function client(database: string): pg.Client {
  return new pg.Client({ host: postgresUrl.hostname, port: Number(postgresUrl.port), user: decodeURIComponent(postgresUrl.username), database });
}

async function withClient<T>(database: string, work: (db: pg.Client) => Promise<T>): Promise<T> {
  const db = client(database);
  await db.connect();
  try {
    return await work(db);
  } finally {
    await db.end();
  }
}

/**
 * The shipped connector (connectors/erp-postgres.json) on an idle database, with a slot,
 * publication and topic prefix of its own; without its signal channels, which need a signal topic
 * and group per connector and change nothing about WAL. `table` is the shipped heartbeat (its
 * action query writes the captured table `debezium_heartbeat`, whose events the Filter transform
 * drops); the others replace it.
 */
function connectorConfig(variant: Variant): Record<string, string> {
  const overrides: Record<string, string> = { 'topic.creation.default.partitions': '1' };
  if (variant !== 'none') overrides['heartbeat.interval.ms'] = String(heartbeatMs);
  if (variant === 'message') overrides['heartbeat.action.query'] = "SELECT pg_logical_emit_message(false, 'erp-delta-heartbeat', now()::text)";
  if (variant === 'driver') overrides['lsn.flush.mode'] = 'connector_and_driver';
  return copyOfShippedConnector({ prefix: `walbench${runId}${variant}`, slot: slotOf(variant), postgres: postgresUrl, database: idleOf(variant), heartbeat: variant === 'table', overrides });
}

async function cleanUp(): Promise<void> {
  for (const name of await connect.list()) if (name.startsWith('wal-retention-')) await connect.delete(name).catch(() => undefined);
  await withClient('postgres', async (db) => {
    for (let attempt = 0; attempt < 60; attempt += 1) {
      const slots = (await db.query<{ slot_name: string; active: boolean }>("SELECT slot_name, active FROM pg_replication_slots WHERE slot_name LIKE 'wal\\_%'")).rows;
      if (slots.length === 0) break;
      for (const slot of slots) if (!slot.active) await db.query('SELECT pg_drop_replication_slot($1)', [slot.slot_name]).catch(() => undefined);
      await sleep(1000);
    }
    for (const variant of VARIANTS) await db.query(`DROP DATABASE IF EXISTS ${idleOf(variant)} WITH (FORCE)`);
    await db.query(`DROP DATABASE IF EXISTS ${BUSY} WITH (FORCE)`);
  });
  const kafka = kafkajsClient({ clientId: 'wal-retention', brokers: [stack.component('kafka').endpoint()] }, undefined);
  const admin = kafka.admin();
  await admin.connect();
  const topics = (await admin.listTopics()).filter((topic) => topic.includes('walbench'));
  if (topics.length > 0) await admin.deleteTopics({ topics });
  await admin.disconnect();
}

interface SlotSample {
  atS: number;
  retainedMb: Record<string, number>;
  walStatus: Record<string, string>;
  busyWrittenMb: number;
  /** WAL the server wrote since the start, all databases: pg_wal_lsn_diff(now, start). */
  walWrittenMb: number;
}

async function sampleSlots(db: pg.Client, startLsn: string): Promise<{ retainedMb: Record<string, number>; walStatus: Record<string, string>; walWrittenMb: number }> {
  const rows = (
    await db.query<{ slot_name: string; retained: string | null; wal_status: string | null }>(
      `SELECT slot_name, pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint AS retained, wal_status FROM pg_replication_slots WHERE slot_name LIKE 'wal\\_%' OR slot_name = '${SHIPPED_SLOT}' ORDER BY slot_name`,
    )
  ).rows;
  const retainedMb: Record<string, number> = {};
  const walStatus: Record<string, string> = {};
  for (const row of rows) {
    retainedMb[row.slot_name] = row.retained === null ? Number.NaN : Math.round((Number(row.retained) / 1024 / 1024) * 10) / 10;
    walStatus[row.slot_name] = row.wal_status ?? 'null';
  }
  const written = (await db.query<{ written: string }>('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1)::bigint AS written', [startLsn])).rows[0]?.written ?? '0';
  return { retainedMb, walStatus, walWrittenMb: Math.round(Number(written) / 1024 / 1024) };
}

async function main(): Promise<void> {
  const log = (line: string): void => {
    process.stderr.write(`[wal] ${line}\n`);
  };
  await cleanUp();
  await withClient('postgres', async (db) => {
    for (const variant of VARIANTS) await db.query(`CREATE DATABASE ${idleOf(variant)}`);
    await db.query(`CREATE DATABASE ${BUSY}`);
  });
  for (const variant of VARIANTS) {
    await withClient(idleOf(variant), async (db) => {
      // The sample ERP's schema and seed: the shipped connector's tables.
      await db.query(readFileSync(projectFiles.erpSchemaSql, 'utf8'));
      await db.query(readFileSync(projectFiles.erpSeedSql, 'utf8'));
    });
  }
  await withClient(BUSY, (db) => db.query('CREATE TABLE writes (id bigserial PRIMARY KEY, payload text)'));
  const sampler = client('postgres');
  await sampler.connect();
  const writer = client(BUSY);
  await writer.connect();
  // 1 MB/s as rows of ~10 kB, ten times a second, until told to stop.
  let writing = true;
  let writtenMb = 0;
  const rowsPerTick = Math.max(1, Math.round(mbPerSecond * 10));
  const writes = async () => {
    while (writing) {
      const tick = Date.now();
      await writeRows(writer, rowsPerTick);
      writtenMb += (rowsPerTick * ROW_BYTES) / 1024 / 1024;
      await sleep(Math.max(0, 100 - (Date.now() - tick)));
    }
  };
  let writer$ = startWhile === 'busy' ? writes() : undefined;
  if (writer$ !== undefined) await sleep(10_000);

  for (const variant of VARIANTS) await connect.putConfig(connectorOf(variant), connectorConfig(variant));
  for (const variant of VARIANTS) await waitRunning(connectorOf(variant));
  // The ERP database had a change, then went quiet: every connector streams that one change first.
  for (const variant of VARIANTS) await withClient(idleOf(variant), (db) => db.query('UPDATE products SET unit_price = unit_price + 1 WHERE code = (SELECT min(code) FROM products)'));
  await sleep(5_000);
  writer$ ??= writes();
  log(
    `${VARIANTS.length} connectors running, each on an idle database of its own (started while the server was ${startWhile}), one change streamed; writing ${mbPerSecond} MB/s into ${BUSY} for ${seconds} s, heartbeats every ${heartbeatMs} ms`,
  );

  const samples: SlotSample[] = [];
  const startLsn = (await sampler.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0]?.lsn ?? '0/0';
  const started = Date.now();
  for (let next = 0; Date.now() - started < seconds * 1000; next += 10) {
    await sleep(Math.max(0, started + next * 1000 - Date.now()));
    const sample = { atS: next, busyWrittenMb: Math.round(writtenMb), ...(await sampleSlots(sampler, startLsn)) };
    samples.push(sample);
    log(
      `${String(sample.atS).padStart(4)} s  WAL written ${String(sample.walWrittenMb).padStart(5)} MB  retained ${VARIANTS.map((variant) => `${variant} ${sample.retainedMb[slotOf(variant)] ?? '–'} MB`).join(', ')}, shipped ${sample.retainedMb[SHIPPED_SLOT] ?? '–'} MB`,
    );
  }
  writing = false;
  await writer$;
  // Writes stop; a checkpoint lets the server recycle what no slot holds any more.
  await sampler.query('CHECKPOINT');
  await sleep(heartbeatMs + 2_000);
  samples.push({ atS: Math.round((Date.now() - started) / 1000), busyWrittenMb: Math.round(writtenMb), ...(await sampleSlots(sampler, startLsn)) });

  const restarts = await restartAll(log);
  const cap = withCap ? await capPhase(writer, sampler, log) : undefined;
  await writer.end();

  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(totalmem() / 1024 ** 3),
    postgres: (await sampler.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version,
  };
  await sampler.end();
  process.stdout.write(
    `\nWAL retained per slot (MB), connectors started while the server was ${startWhile}: each variant's ERP database idle, ${BUSY} on the same server written at ${mbPerSecond} MB/s; heartbeats every ${heartbeatMs} ms\n`,
  );
  process.stdout.write(`| after | WAL written | ${VARIANTS.join(' | ')} | shipped (${SHIPPED_SLOT}) |\n| ---: | ---: | ${VARIANTS.map(() => '---:').join(' | ')} | ---: |\n`);
  for (const sample of samples) {
    process.stdout.write(
      `| ${sample.atS} s | ${sample.walWrittenMb} MB | ${VARIANTS.map((variant) => String(sample.retainedMb[slotOf(variant)] ?? '–')).join(' | ')} | ${sample.retainedMb[SHIPPED_SLOT] ?? '–'} |\n`,
    );
  }
  process.stdout.write(`\nAfter a restart of each connector (POST /connectors/<name>/restart?includeTasks=true): ${VARIANTS.map((variant) => `${variant} ${restarts[variant] ?? '?'}`).join(', ')}\n`);
  process.stdout.write(`${JSON.stringify({ machine, startWhile, mbPerSecond, seconds, heartbeatMs, samples, restarts, cap })}\n`);
  await cleanUp();
}

/** Rows of ~10 kB of random hex: TOAST compression gets little out of them. */
const ROW_BYTES = 10_240;

async function writeRows(writer: pg.Client, rows: number): Promise<void> {
  await writer.query("INSERT INTO writes (payload) SELECT string_agg(md5(random()::text), '') FROM generate_series(1, 320) AS n, generate_series(1, $1) AS r GROUP BY r", [rows]);
}

/**
 * Each connector restarted once the writes are over: a slot that moved past what Debezium committed
 * to its offsets fails the connector's start ("... no longer available on the server").
 */
async function restartAll(log: (line: string) => void): Promise<Record<string, string>> {
  for (const variant of VARIANTS) await connect.restart(connectorOf(variant));
  await sleep(20_000);
  const states: Record<string, string> = {};
  for (const variant of VARIANTS) {
    const task = (await connect.status(connectorOf(variant)))?.tasks[0];
    states[variant] =
      task === undefined
        ? 'no task'
        : task.state === 'FAILED'
          ? `FAILED: ${(task.trace ?? '').split('\n')[0]?.replace(/PostgresOffsetContext \[.*\], but/, 'PostgresOffsetContext [...], but') ?? ''}`
          : task.state;
  }
  log(`after a restart: ${JSON.stringify(states)}`);
  return states;
}

async function waitRunning(name: string): Promise<void> {
  for (;;) {
    const status = await connect.status(name);
    if (status?.connector.state === 'RUNNING' && status.tasks.length > 0 && status.tasks.every((task) => task.state === 'RUNNING')) return;
    const failed = status && [status.connector, ...status.tasks].find((part) => part.state === 'FAILED');
    if (failed) throw new Error(`${name} failed: ${failed.trace ?? ''}`);
    await sleep(500);
  }
}

/**
 * The server's cap reached: the busy database writes 1.2 times max_slot_wal_keep_size in one go,
 * then a checkpoint. A slot that holds more than the cap is invalidated at that checkpoint, its
 * connector running or not. What each slot and connector look like afterwards is recorded.
 */
async function capPhase(writer: pg.Client, sampler: pg.Client, log: (line: string) => void): Promise<unknown> {
  const setting = (await sampler.query<{ setting: string; unit: string | null }>("SELECT setting, unit FROM pg_settings WHERE name = 'max_slot_wal_keep_size'")).rows[0];
  const capMb = Number(setting?.setting ?? -1);
  if (capMb < 0) {
    log("--cap: the server has no max_slot_wal_keep_size (-1); start the stack again so that it gets the stack's cap");
    return { capMb: null };
  }
  const before = await sampleSlots(sampler, '0/0');
  log(`cap ${capMb} MB: writing ${Math.round(capMb * 1.2)} MB in one go; retained before: ${JSON.stringify(before.retainedMb)}`);
  const rows = Math.ceil((capMb * 1.2 * 1024 * 1024) / ROW_BYTES);
  for (let done = 0; done < rows; done += 200) await writeRows(writer, Math.min(200, rows - done));
  await sampler.query('CHECKPOINT');
  const slots = (await sampler.query("SELECT slot_name, active, wal_status, restart_lsn::text, confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name LIKE 'wal\\_%' ORDER BY slot_name"))
    .rows as Array<Record<string, unknown>>;
  log(`slots after the checkpoint: ${JSON.stringify(slots)}`);
  // What Connect says a minute later: Debezium retries a lost slot for a long while before the task fails.
  await sleep(60_000);
  const connectors: Record<string, unknown> = {};
  for (const variant of VARIANTS) {
    const status = await connect.status(connectorOf(variant));
    connectors[variant] = { connector: status?.connector.state, tasks: status?.tasks.map((task) => ({ state: task.state, trace: task.trace?.split('\n')[0] })) };
  }
  log(`connectors a minute later: ${JSON.stringify(connectors)}`);
  return { capMb, retainedBeforeMb: before.retainedMb, slots, connectors };
}

await main();
