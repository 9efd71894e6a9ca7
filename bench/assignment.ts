/**
 * `npm run bench:assignment`: the assignment join's benchmark (issue 4 part 7). See bench/README.md.
 *
 * On the bench's own topics of the local stack:
 *   1. produce N customers of one rep (`BIG`) and L customers of another (`LIVE`), as Debezium
 *      snapshot events, and let `erp-delta run` load them all;
 *   2. start a steady stream of real changes to the LIVE customers (live CHANGE processing);
 *   3. assign BIG to a user (one record on the mapping topic) and time until the N ASSIGNMENT
 *      deltas are visible to a read_committed consumer, while measuring each live change's
 *      produce-to-delta latency;
 *   4. one table on stdout, then one JSON line. Exit code 0 when every count is exact.
 */
import './v8-flags.js';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { parseConfig } from '../src/config/tracker-config.js';
import { openBenchClients } from './delta-counter.js';
import type { BenchEvent } from './generator.js';
import { benchKafka, keyPartitioner, recreateTopics } from './kafka.js';
import { produceBulk, produceSteady } from './produce.js';
import { formatInteger, formatTable, machineInfo, percentile, round } from './report.js';
import { ensureStack } from './stack.js';
import { TrackerProcess } from './tracker-process.js';

const ROOT = resolve(import.meta.dirname, '..');
const ENTITY = 'bench_customers';
const CDC_TOPIC = 'bench.public.customers';
const DELTA_TOPIC = `erp-delta.${ENTITY}`;
const DLQ_TOPIC = 'erp-delta.bench.dlq';
const MAPPING_TOPIC = 'erp-delta.bench.user-assignments';
const MANUAL_TOPIC = 'erp-delta.bench.manual-assignments';
const PARTITIONS = 3;
const BIG_REP = 'BIG';
const LIVE_REP = 'LIVE';
/** The re-emission starts this long after the live stream, so that latency has a baseline. */
const LEAD_SECONDS = 2;

function progress(line: string): void {
  process.stderr.write(`[bench:assignment] ${line}\n`);
}

const { values: flags } = parseArgs({
  options: {
    customers: { type: 'string', default: '50000' },
    'live-customers': { type: 'string', default: '5000' },
    'live-rate': { type: 'string', default: '1000' },
    'data-dir': { type: 'string', default: process.env['ERP_DELTA_STACK_DIR'] ?? '.erp-delta/stack' },
  },
});

function positive(name: string, value: string | undefined): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) {
    process.stderr.write(`bench:assignment: --${name} must be a positive integer, not ${JSON.stringify(value)}\n`);
    process.exit(2);
  }
  return parsed;
}

const customers = positive('customers', flags.customers);
const liveCustomers = positive('live-customers', flags['live-customers']);
const liveRate = positive('live-rate', flags['live-rate']);

function code(rep: string, index: number): string {
  return `${rep}-${String(index).padStart(6, '0')}`;
}

function event(rep: string, index: number, revision: number, tsMs: number): BenchEvent {
  const customerCode = code(rep, index);
  const after = `{"code":"${customerCode}","name":"Customer ${customerCode} rev ${revision}","sales_rep":"${rep}"}`;
  const op = revision === 0 ? 'r' : 'u';
  const value = `{"before":null,"after":${after},"source":{"connector":"postgresql","name":"bench","ts_ms":${tsMs},"db":"erp","schema":"public","table":"customers"},"op":"${op}","ts_ms":${tsMs}}`;
  return { code: customerCode, keyIndex: index, key: `{"code":"${customerCode}"}`, value, kind: revision === 0 ? 'snapshot' : 'change', emits: true };
}

async function main(): Promise<number> {
  const machine = machineInfo();
  const stack = await ensureStack(ROOT, resolve(flags['data-dir'] ?? '.erp-delta/stack'), progress);
  const runId = `${new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}-${process.pid}`;
  const runDir = join(ROOT, '.erp-delta', 'bench', `assignment-${runId}`);
  const dataDir = join(runDir, 'data');
  const configPath = join(runDir, 'erp-delta-bench.yaml');
  const logFile = join(runDir, 'tracker.log');
  mkdirSync(runDir, { recursive: true });
  const groupId = `erp-delta-bench-assignment-${runId}`;
  const config = {
    kafka: { brokers: [stack.bootstrap], clientId: 'erp-delta-bench', groupId },
    registry: { url: stack.registryUrl },
    dlqTopic: DLQ_TOPIC,
    dataDir,
    admin: { port: 0 },
    assignment: { topic: MAPPING_TOPIC, manualTopic: MANUAL_TOPIC, entity: ENTITY, repField: 'salesRepCode', respectManual: false },
    entities: {
      [ENTITY]: {
        topic: CDC_TOPIC,
        keyFields: ['code'],
        deltaTopic: DELTA_TOPIC,
        fields: { code: { column: 'code', normalizer: 'text' }, name: { column: 'name', normalizer: 'text' }, salesRepCode: { column: 'sales_rep', normalizer: 'text' } },
      },
    },
  };
  parseConfig(config, configPath);
  writeFileSync(configPath, `# Generated by \`npm run bench:assignment\` for one run.\n${stringify(config, { lineWidth: 0 })}`);
  progress(`run ${runId}: config ${relative(ROOT, configPath)}, tracker log ${relative(ROOT, logFile)}`);

  const kafka = benchKafka(stack.bootstrap, 'erp-delta-bench');
  const clients = await openBenchClients(kafka, runId, [DELTA_TOPIC, DLQ_TOPIC]);
  const { admin, producer, counter } = clients;
  let tracker: TrackerProcess | undefined;
  try {
    await recreateTopics(
      admin,
      [
        { topic: CDC_TOPIC, partitions: PARTITIONS, compact: true },
        { topic: DELTA_TOPIC, partitions: PARTITIONS, compact: true },
        { topic: DLQ_TOPIC, partitions: 1, compact: false },
        { topic: MAPPING_TOPIC, partitions: 1, compact: true },
        { topic: MANUAL_TOPIC, partitions: 1, compact: true },
      ],
      progress,
    );
    const partitionOf = keyPartitioner(PARTITIONS);
    function* snapshots(): Generator<BenchEvent> {
      for (let index = 0; index < customers; index++) yield event(BIG_REP, index, 0, Date.now());
      for (let index = 0; index < liveCustomers; index++) yield event(LIVE_REP, index, 0, Date.now());
    }
    await produceBulk(producer, CDC_TOPIC, PARTITIONS, partitionOf, snapshots(), (sent) => progress(`  produced ${formatInteger(sent)}`));
    progress(`produced ${formatInteger(customers)} customers of ${BIG_REP} and ${formatInteger(liveCustomers)} of ${LIVE_REP}`);

    // Every delta is counted from the start: the first loads, then what the re-assignment brings.
    let bigDeltas = 0;
    let lastBigArrivalMs = 0;
    let liveDeltas = 0;
    let unmatched = 0;
    let assignedAtMs: number | undefined;
    const pending = new Map<string, number[]>();
    const latencies: Array<{ arrivedAtMs: number; latencyMs: number }> = [];
    counter.onRecord = (topic, key, arrivedAtMs) => {
      if (topic !== DELTA_TOPIC) return;
      if (key.startsWith(`${BIG_REP}-`)) {
        bigDeltas++;
        lastBigArrivalMs = arrivedAtMs;
        return;
      }
      liveDeltas++;
      const sentAt = pending.get(key)?.shift();
      if (sentAt === undefined) unmatched++;
      else latencies.push({ arrivedAtMs, latencyMs: arrivedAtMs - sentAt });
    };
    await counter.start();
    tracker = new TrackerProcess({ command: join(ROOT, 'bin', 'erp-delta.js'), args: ['run', '--config', configPath, '--data-dir', dataDir], cwd: ROOT, logFile });
    const loaded = customers + liveCustomers;
    while (counter.count(DELTA_TOPIC) < loaded) {
      if (tracker.exitStatus) throw new Error(`the tracker exited early:\n${tracker.logTail()}`);
      await sleep(200);
    }
    const loadSeconds = (performance.now() - tracker.startedAt) / 1000;
    progress(`tracker loaded ${formatInteger(loaded)} customers in ${round(loadSeconds, 1)} s`);
    liveDeltas = 0;
    unmatched = 0;
    bigDeltas = 0;

    // The live stream runs for the lead time, the re-emission (about N / 20,000 s), and a margin.
    const liveSeconds = LEAD_SECONDS + Math.ceil(customers / 10_000) + 3;
    let liveCursor = 0;
    let revision = 1;
    const live = produceSteady(
      producer,
      CDC_TOPIC,
      partitionOf,
      liveRate,
      liveSeconds,
      (sentAtMs) => {
        const index = liveCursor;
        liveCursor = (liveCursor + 1) % liveCustomers;
        if (liveCursor === 0) revision++;
        return event(LIVE_REP, index, revision, sentAtMs);
      },
      (sent, sentAtMs) => {
        const queue = pending.get(sent.code);
        if (queue) queue.push(sentAtMs);
        else pending.set(sent.code, [sentAtMs]);
      },
      (sent) => progress(`  live: ${formatInteger(sent)} changes sent, ${formatInteger(bigDeltas)}/${formatInteger(customers)} ASSIGNMENT deltas`),
    );
    await sleep(LEAD_SECONDS * 1000);
    assignedAtMs = Date.now();
    await producer.send({ topic: MAPPING_TOPIC, acks: -1, messages: [{ key: BIG_REP, value: JSON.stringify({ userId: 'bench-user' }) }] });
    progress(`assigned ${BIG_REP} to bench-user; waiting for ${formatInteger(customers)} ASSIGNMENT deltas`);
    const steady = await live;
    const deadline = Date.now() + 120_000;
    while ((bigDeltas < customers || latencies.length < steady.sent) && Date.now() < deadline) await sleep(100);
    await sleep(3_000);
    const stopped = await tracker.stop();
    const peakRssMb = tracker.peakRssMb;
    const peakSplit = tracker.peakSplitMb;
    if (stopped.code === 0) rmSync(dataDir, { recursive: true, force: true });

    const reemissionSeconds = (lastBigArrivalMs - assignedAtMs) / 1000;
    const deltasPerSecond = customers / reemissionSeconds;
    const during = latencies
      .filter((entry) => entry.arrivedAtMs >= assignedAtMs && entry.arrivedAtMs <= lastBigArrivalMs + 1_000)
      .map((entry) => entry.latencyMs)
      .sort((a, b) => a - b);
    const all = latencies.map((entry) => entry.latencyMs).sort((a, b) => a - b);
    const failures: string[] = [];
    if (bigDeltas !== customers) failures.push(`${bigDeltas} ASSIGNMENT deltas for ${customers} customers of ${BIG_REP}`);
    if (liveDeltas !== steady.sent || unmatched !== 0) failures.push(`${steady.sent} live changes, ${liveDeltas} deltas (${unmatched} not matching a change)`);
    if (counter.count(DLQ_TOPIC) !== 0) failures.push(`${counter.count(DLQ_TOPIC)} records in the DLQ`);
    if (stopped.code !== 0) failures.push(`the tracker did not exit 0 on SIGTERM (log: ${relative(ROOT, logFile)})`);

    const ms = (value: number | null | undefined): string => (value === null || value === undefined ? 'n/a' : `${formatInteger(value)} ms`);
    process.stdout.write(
      `${formatTable([
        ['customers of the re-assigned rep', formatInteger(customers)],
        ['ASSIGNMENT deltas', `${formatInteger(bigDeltas)}${bigDeltas === customers ? ' (exact)' : ' (MISMATCH)'}`],
        ['re-emission', `${round(reemissionSeconds, 2)} s: ${formatInteger(deltasPerSecond)} deltas/s`],
        ['live changes meanwhile', `${formatInteger(steady.sent)} at ${formatInteger(liveRate)}/s, ${formatInteger(liveDeltas)} deltas`],
        ['live latency during re-emission', `p50 ${ms(percentile(during, 50))}, p99 ${ms(percentile(during, 99))}, max ${ms(during.at(-1))}`],
        ['live latency, whole stream', `p50 ${ms(percentile(all, 50))}, p99 ${ms(percentile(all, 99))}, max ${ms(all.at(-1))}`],
        ['peak anonymous memory (tracker)', `${formatInteger(peakSplit.anon)} MB`],
        ['  beside it: peak file-backed', `${formatInteger(peakSplit.file)} MB (mapped files: reclaimable page cache)`],
        ['  peak RSS (both, with shared)', `${formatInteger(peakRssMb)} MB`],
        ['machine', `${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGb} GB RAM`],
      ])}\n`,
    );
    for (const failure of failures) process.stdout.write(`FAILED: ${failure}\n`);
    process.stdout.write(
      `${JSON.stringify({
        customers,
        assignmentDeltas: bigDeltas,
        reemissionSeconds: round(reemissionSeconds, 3),
        deltasPerSecond: round(deltasPerSecond),
        liveChanges: steady.sent,
        liveDeltas,
        liveRate,
        liveP50MsDuring: percentile(during, 50),
        liveP99MsDuring: percentile(during, 99),
        liveMaxMsDuring: during.at(-1) ?? null,
        liveMaxMs: all.at(-1) ?? null,
        peakAnonMb: round(peakSplit.anon, 1),
        peakFileMb: round(peakSplit.file, 1),
        peakRssMb: round(peakRssMb, 1),
        ok: failures.length === 0,
        runId,
        machine,
        failures,
      })}\n`,
    );
    return failures.length === 0 ? 0 : 1;
  } finally {
    await tracker?.stop(10_000).catch(() => undefined);
    await clients.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    progress(`FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
