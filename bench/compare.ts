/**
 * `npm run bench:compare -- --data-dir DIR [--rows N] [--lost N]`: a full compare (issue 17) at
 * ERP scale, on the local stack. A table of N rows (default 2,000,000) in the stack's ERP
 * database, captured by a connector of the bench's own (initial snapshot), loaded by a tracker;
 * then `--lost` rows are deleted while the table is out of the publication (capture never sees
 * them), and `refresh --from-source --wait` runs. It reports how long the load and the compare
 * took, that exactly the lost rows were deleted, and the tracker's peak anonymous memory (heaps,
 * buffers) with its file-backed pages beside it (LevelDB's mapped tables: page cache).
 *
 * Everything it creates (table, connector, slot, publication, topics, groups) is removed at the end.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import kafkajs from 'kafkajs';
import pg from 'pg';
import { stringify } from 'yaml';
import { ConnectRestClient } from '../src/capture/connect-rest.js';
import { loadConnectorFiles } from '../src/capture/connector-file.js';
import { ensureSignalTopics } from '../src/capture/signal-topic.js';
import { LocalStack } from '../src/stack/local-stack.js';
import { copyOfShippedConnector } from '../test/support/connector-copy.js';
import { TrackerProcess } from './tracker-process.js';

const root = join(import.meta.dirname, '..');
const cli = join(root, 'bin', 'erp-delta.js');
const { values } = parseArgs({ options: { 'data-dir': { type: 'string' }, rows: { type: 'string', default: '2000000' }, lost: { type: 'string', default: '1000' } } });
const dataDir = values['data-dir'];
if (!dataDir) throw new Error('--data-dir: the local stack to run on (`erp-delta stack up --data-dir DIR`)');
const rows = Number(values.rows);
const lostCount = Number(values.lost);
const id = `b${Date.now().toString(36)}`;
const table = `bench_compare_${id}`;
const prefix = `benchcompare${id}`;
const topic = `${prefix}.public.${table}`;
const slot = `erp_delta_${id}`;
const connectorName = `bench-compare-${id}`;
const log = (line: string): void => void process.stderr.write(`[bench:compare] ${line}\n`);

const stack = LocalStack.open({ dataDir });
const postgres = new URL(stack.component('postgres').endpoint());
const bootstrap = stack.component('kafka').endpoint();
const connect = new ConnectRestClient(stack.component('connect').endpoint());
const db = new pg.Client({ connectionString: postgres.toString() });
await db.connect();
const kafka = new kafkajs.Kafka({ brokers: [bootstrap], clientId: 'bench-compare', logLevel: kafkajs.logLevel.ERROR });
const admin = kafka.admin();
await admin.connect();
const work = mkdtempSync(join(tmpdir(), 'erp-delta-bench-compare-'));
let tracker: TrackerProcess | undefined;

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

/** Records of the delta topic (transaction markers not counted), from `from` per partition on: [deltas, tombstones]. */
async function deltaRecords(deltaTopic: string, from: ReadonlyMap<number, string>): Promise<[number, number]> {
  const ends = new Map((await admin.fetchTopicOffsets(deltaTopic)).map(({ partition, high }) => [partition, BigInt(high)]));
  const consumer = kafka.consumer({ groupId: `bench-compare-count-${Date.now()}`, readUncommitted: false });
  await consumer.connect();
  await consumer.subscribe({ topic: deltaTopic, fromBeginning: true });
  let deltas = 0;
  let tombstones = 0;
  const done = new Set<number>();
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        eachBatch: async ({ batch }) => {
          for (const message of batch.messages) {
            if (BigInt(message.offset) < BigInt(from.get(batch.partition) ?? '0')) continue;
            if (message.value === null) tombstones += 1;
            else deltas += 1;
          }
          if (BigInt(batch.lastOffset()) + 1n >= (ends.get(batch.partition) ?? 0n)) done.add(batch.partition);
          if (done.size === ends.size) resolve();
        },
      })
      .catch(reject);
    // Partitions already at their end send no batch.
    for (const [partition, end] of ends) if (end <= BigInt(from.get(partition) ?? '0')) done.add(partition);
    if (done.size === ends.size) resolve();
  });
  await consumer.disconnect();
  return [deltas, tombstones];
}

async function deltaEnds(deltaTopic: string): Promise<Map<number, string>> {
  return new Map((await admin.fetchTopicOffsets(deltaTopic).catch(() => [])).map(({ partition, high }) => [partition, high]));
}

async function deltaCount(deltaTopic: string): Promise<number> {
  return (await admin.fetchTopicOffsets(deltaTopic).catch(() => [])).reduce((sum, { high, low }) => sum + Number(high) - Number(low), 0);
}

async function groupLag(groupId: string): Promise<number> {
  const ends = await admin.fetchTopicOffsets(topic);
  const committed = (await admin.fetchOffsets({ groupId, topics: [topic] }))[0]?.partitions ?? [];
  return ends.reduce((sum, { partition, high }) => sum + Number(high) - Math.max(0, Number(committed.find((entry) => entry.partition === partition)?.offset ?? 0)), 0);
}

try {
  log(`table ${table} with ${rows.toLocaleString('en')} rows`);
  await db.query(`CREATE TABLE ${table} (code text PRIMARY KEY, description text, unit_price numeric(12,2), active boolean, updated_at timestamptz DEFAULT now())`);
  await db.query(`INSERT INTO ${table} (code, description, unit_price, active) SELECT 'P' || lpad(n::text, 9, '0'), 'Bench product ' || n, (n % 1000) / 10.0, true FROM generate_series(1, $1) AS n`, [
    rows,
  ]);
  const connectorConfig = copyOfShippedConnector({ prefix, slot, postgres, tables: [`public.${table}`], signals: { bootstrap, groupId: `erp-delta-signals-${id}` } });
  const connectorsDir = join(work, 'connectors');
  mkdirSync(connectorsDir);
  writeFileSync(join(connectorsDir, `${connectorName}.json`), JSON.stringify({ name: connectorName, config: connectorConfig }, null, 2));
  // As `erp-delta connectors apply` does: on a stack where no connector was applied yet, the
  // shipped signal and notification topics do not exist, and the broker does not create topics.
  for (const created of await ensureSignalTopics(loadConnectorFiles(connectorsDir))) log(`created topic ${created}`);
  const loadStart = Date.now();
  await connect.putConfig(connectorName, connectorConfig);
  const groupId = `erp-delta-bench-compare-${id}`;
  const deltaTopic = `erp-delta.bench-compare-${id}`;
  const configPath = join(work, 'erp-delta.yaml');
  writeFileSync(
    configPath,
    stringify({
      kafka: { brokers: [bootstrap], clientId: 'erp-delta-bench-compare', groupId },
      registry: { url: stack.component('registry').endpoint() },
      dlqTopic: `erp-delta.bench-compare-${id}.dlq`,
      dataDir: join(work, 'data'),
      admin: { port: 0 },
      sourceEpochTopic: `erp-delta.bench-compare-${id}.epochs`,
      refresh: { topic: `erp-delta.bench-compare-${id}.refreshes`, schedule: null, maxLoaderLag: 1_000_000_000, maxRecordsPerSecond: 1_000_000, connectorsDir },
      entities: {
        products: {
          topic,
          keyFields: ['code'],
          deltaTopic,
          fields: {
            code: { column: 'code', normalizer: 'text' },
            description: { column: 'description', normalizer: 'text' },
            unitPrice: { column: 'unit_price', normalizer: 'decimal', scale: 2 },
            active: { column: 'active', normalizer: 'boolean' },
          },
        },
      },
    }),
  );
  await until(
    'the initial snapshot in Kafka',
    async () => (await admin.listTopics()).includes(topic) && (await admin.fetchTopicOffsets(topic)).reduce((sum, { high }) => sum + Number(high), 0) >= rows,
    3_600_000,
  );
  log(`initial snapshot in Kafka after ${Math.round((Date.now() - loadStart) / 1000)} s`);
  tracker = new TrackerProcess({ command: process.execPath, args: [cli, 'run', '--config', configPath], cwd: root, logFile: join(work, 'tracker.log') });
  const trackerStart = Date.now();
  await until('the tracker to load every row', async () => (await groupLag(groupId).catch(() => Number.POSITIVE_INFINITY)) === 0 && (await deltaCount(deltaTopic)) >= rows, 3_600_000);
  const loadSeconds = (Date.now() - trackerStart) / 1000;
  log(`tracker loaded ${rows.toLocaleString('en')} keys in ${loadSeconds.toFixed(0)} s; peak anon ${tracker.peakSplitMb.anon.toFixed(0)} MB so far`);

  const lost = await db.query<{ code: string }>(`SELECT code FROM ${table} ORDER BY random() LIMIT $1`, [lostCount]);
  await db.query(`ALTER PUBLICATION ${slot} DROP TABLE ${table}`);
  await db.query(`DELETE FROM ${table} WHERE code = ANY($1)`, [lost.rows.map((row) => row.code)]);
  await db.query(`ALTER PUBLICATION ${slot} ADD TABLE ${table}`);
  const before = await deltaEnds(deltaTopic);
  const compareStart = Date.now();
  const output = execFileSync(process.execPath, [cli, 'refresh', '--from-source', '--wait', '--config', configPath], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  const compareSeconds = (Date.now() - compareStart) / 1000;
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const [deltas, tombstones] = await deltaRecords(deltaTopic, before);
  const peak = tracker.peakSplitMb;
  const result = {
    rows,
    lost: lostCount,
    loadSeconds: Math.round(loadSeconds),
    compareSeconds: Math.round(compareSeconds),
    // Exactly the lost rows: a RECONCILE DELETE each, with its tombstone; nothing for the others.
    deltas,
    tombstones,
    expected: lostCount,
    peakAnonMb: Math.round(peak.anon),
    peakFileMb: Math.round(peak.file),
    peakRssMb: Math.round(tracker.peakRssMb),
    cliOutput: output.trim().split('\n').at(-1),
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} finally {
  await tracker?.stop();
  await connect.delete(connectorName).catch(() => undefined);
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  await db.query('SELECT pg_drop_replication_slot($1)', [slot]).catch(() => undefined);
  await db.query(`DROP PUBLICATION IF EXISTS ${slot}`).catch(() => undefined);
  await db.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
  await db.end();
  const topics = (await admin.listTopics()).filter((name) => name.includes(id));
  if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
  rmSync(work, { recursive: true, force: true });
}
