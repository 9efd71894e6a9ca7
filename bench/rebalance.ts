/**
 * `npm run bench:rebalance`: a second instance joins a group that holds many keys, and later
 * leaves (issue 23 part 3). See bench/README.md.
 *
 * On the bench's own topics of the local stack:
 *   1. produce a snapshot of `--keys` keys (and the generator's changes and no-ops after it), and
 *      let instance A load them all;
 *   2. start a steady stream of real changes (`--live-rate` per second) to keys of every partition,
 *      timing each one's produce-to-delta latency;
 *   3. start instance B on an empty data dir: the group gives it partitions, whose stores it
 *      restores from their changelogs before it processes them. A partition is unavailable from
 *      A's last batch of it to B's first: the live changes to it wait meanwhile, so their
 *      latency during the move is the time a partition was unavailable;
 *   4. stop B (SIGTERM): its partitions go back to A, whose stores of them are still on disk at
 *      their checkpoints (erp-delta keeps a closed task's store; see docs/task-lifecycle.md), so
 *      A restores only what B wrote meanwhile;
 *   5. stop the stream; every change must have exactly one delta. One table on stdout, then one
 *      JSON line. Exit code 0 when every count is exact.
 */
import './v8-flags.js';
import { mkdirSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Message } from 'kafkajs';
import { BENCH_CDC_TOPIC, BENCH_DELTA_TOPIC, BENCH_DLQ_TOPIC, BENCH_PARTITIONS, BENCH_TOPICS, writeBenchConfig } from './bench-config.js';
import { openBenchClients } from './delta-counter.js';
import { BenchGenerator, CHANGE_RATIO_DENOMINATOR, planStream } from './generator.js';
import { benchKafka, endOffsets, groupLag, keyPartitioner, recreateTopics, startOffsets } from './kafka.js';
import { produceBulk } from './produce.js';
import { formatInteger, formatTable, machineInfo, newRunId, percentile, positiveFlag, round } from './report.js';
import { ensureStack } from './stack.js';
import { TrackerProcess, trackerCommand } from './tracker-process.js';

const ROOT = resolve(import.meta.dirname, '..');
/** The stream runs this long before B starts and after each move settled, so that latency has a baseline. */
const QUIET_SECONDS = 5;
/** A phase that takes longer than this failed. */
const PHASE_TIMEOUT_MS = 30 * 60_000;

function progress(line: string): void {
  process.stderr.write(`[bench:rebalance] ${line}\n`);
}

const { values: flags } = parseArgs({
  options: {
    keys: { type: 'string', default: '1000000' },
    'live-rate': { type: 'string', default: '500' },
    'data-dir': { type: 'string', default: process.env['ERP_DELTA_STACK_DIR'] ?? '.erp-delta/stack' },
  },
});

const keys = positiveFlag('bench:rebalance', 'keys', flags.keys);
const liveRate = positiveFlag('bench:rebalance', 'live-rate', flags['live-rate']);

/** The latencies of the live changes whose deltas arrived in [fromMs, toMs), sorted. */
function latenciesBetween(latencies: ReadonlyArray<{ arrivedAtMs: number; latencyMs: number }>, fromMs: number, toMs: number): number[] {
  return latencies
    .filter((entry) => entry.arrivedAtMs >= fromMs && entry.arrivedAtMs < toMs)
    .map((entry) => entry.latencyMs)
    .sort((a, b) => a - b);
}

async function main(): Promise<number> {
  const machine = machineInfo();
  const stack = await ensureStack(ROOT, resolve(flags['data-dir'] ?? '.erp-delta/stack'), progress);
  const runId = newRunId();
  const runDir = join(ROOT, '.erp-delta', 'bench', `rebalance-${runId}`);
  mkdirSync(runDir, { recursive: true });
  const configPath = join(runDir, 'erp-delta-bench.yaml');
  const groupId = `erp-delta-bench-rebalance-${runId}`;
  writeBenchConfig(configPath, { bootstrap: stack.bootstrap, registryUrl: stack.registryUrl, groupId, dataDir: join(runDir, 'data-a') });
  const instance = (name: string): TrackerProcess =>
    new TrackerProcess({
      ...trackerCommand(ROOT, configPath, join(runDir, `data-${name}`)),
      cwd: ROOT,
      logFile: join(runDir, `tracker-${name}.log`),
    });
  progress(`run ${runId}: config ${relative(ROOT, configPath)}, logs in ${relative(ROOT, runDir)}`);

  const kafka = benchKafka(stack.bootstrap, 'erp-delta-bench');
  const clients = await openBenchClients(kafka, runId, [BENCH_DELTA_TOPIC, BENCH_DLQ_TOPIC]);
  const { admin, producer, counter } = clients;
  let a: TrackerProcess | undefined;
  let b: TrackerProcess | undefined;
  try {
    await recreateTopics(admin, BENCH_TOPICS, progress);
    // The fewest events that hold a snapshot of every key and the generator's share of changes.
    const events = Math.ceil((keys * CHANGE_RATIO_DENOMINATOR) / (CHANGE_RATIO_DENOMINATOR - 1)) + 1;
    const plan = planStream(events, keys);
    if (typeof plan === 'string') throw new Error(plan);
    const generator = new BenchGenerator({ events: plan.events, keys: plan.keys, seed: 1 });
    const partitionOf = keyPartitioner(BENCH_PARTITIONS);
    const produced = await produceBulk(producer, BENCH_CDC_TOPIC, BENCH_PARTITIONS, partitionOf, generator.events(), (sent) => progress(`  produced ${formatInteger(sent)}`));
    progress(`produced ${formatInteger(produced.events)} events over ${formatInteger(keys)} keys in ${round(produced.ms / 1000, 1)} s`);

    // 1. A loads everything.
    const cdcEnds = await endOffsets(admin, BENCH_CDC_TOPIC);
    const cdcStarts = await startOffsets(admin, BENCH_CDC_TOPIC);
    a = instance('a');
    const caughtUp = async (what: string): Promise<void> => {
      const ends = await endOffsets(admin, BENCH_CDC_TOPIC);
      const deadline = Date.now() + PHASE_TIMEOUT_MS;
      for (;;) {
        if (a?.exitStatus) throw new Error(`instance a exited:\n${a.logTail()}`);
        if ((await groupLag(admin, groupId, BENCH_CDC_TOPIC, ends, cdcStarts).catch(() => -1n)) === 0n) return;
        if (Date.now() > deadline) throw new Error(`${what}: no lag of 0 within ${PHASE_TIMEOUT_MS} ms`);
        await sleep(200);
      }
    };
    await caughtUp('A loading');
    const loadSeconds = (performance.now() - a.startedAt) / 1000;
    progress(`instance a loaded ${formatInteger(keys)} keys in ${round(loadSeconds, 1)} s (lag 0 on ${[...cdcEnds.values()].reduce((sum, end) => sum + end, 0n)} records)`);
    const countingFromMs = Date.now();
    await counter.start();
    while (counter.count(BENCH_DELTA_TOPIC) < plan.expectedEmitted) {
      // The counter reads the whole delta topic from its start: no new count for a minute is a stall.
      if (Date.now() - Math.max(counter.lastChangeAtMs, countingFromMs) > 60_000) throw new Error(`only ${counter.count(BENCH_DELTA_TOPIC)} of ${plan.expectedEmitted} deltas visible`);
      await sleep(200);
    }
    const loadedDeltas = counter.count(BENCH_DELTA_TOPIC);

    // 2. The live stream, until told to stop.
    const pending = new Map<string, number[]>();
    const latencies: Array<{ arrivedAtMs: number; latencyMs: number }> = [];
    let liveDeltas = 0;
    let unmatched = 0;
    counter.onRecord = (topic, key, arrivedAtMs) => {
      if (topic !== BENCH_DELTA_TOPIC) return;
      liveDeltas++;
      const sentAt = pending.get(key)?.shift();
      if (sentAt === undefined) unmatched++;
      else latencies.push({ arrivedAtMs, latencyMs: arrivedAtMs - sentAt });
    };
    let streaming = true;
    let liveSent = 0;
    const stream = (async () => {
      const started = performance.now();
      while (streaming) {
        const due = Math.floor(((performance.now() - started) / 1000) * liveRate) - liveSent;
        if (due > 0) {
          const sentAtMs = Date.now();
          const messages: Message[] = [];
          for (let n = 0; n < due; n++) {
            const event = generator.latencyChange(sentAtMs);
            const queue = pending.get(event.code);
            if (queue) queue.push(sentAtMs);
            else pending.set(event.code, [sentAtMs]);
            messages.push({ key: event.key, value: event.value, partition: partitionOf(event.key) });
          }
          await producer.send({ topic: BENCH_CDC_TOPIC, acks: -1, messages });
          liveSent += due;
        }
        await sleep(10);
      }
    })();
    await sleep(QUIET_SECONDS * 1000);

    // 3. B joins.
    const joinAtMs = Date.now();
    b = instance('b');
    progress('instance b started on an empty data dir');
    const bReady = await b.waitForLog('tasks ready', PHASE_TIMEOUT_MS);
    const bReadyAtMs = Number(bReady['time']);
    await caughtUp('after B joined');
    progress(`instance b ready after ${round((bReadyAtMs - joinAtMs) / 1000, 1)} s (tasks ${JSON.stringify(bReady['tasks'])})`);
    await sleep(QUIET_SECONDS * 1000);
    const bRestored = b.logLines('state stores restored');

    // 4. B leaves.
    const leaveAtMs = Date.now();
    const aLinesBefore = a.logLines('tasks ready').length;
    const bStopped = await b.stop();
    const bPeak = b.peakSplitMb;
    b = undefined;
    let aReadyAgain: Record<string, unknown> | undefined;
    const leaveDeadline = Date.now() + PHASE_TIMEOUT_MS;
    while (!aReadyAgain && Date.now() < leaveDeadline) {
      aReadyAgain = a.logLines('tasks ready')[aLinesBefore];
      await sleep(200);
    }
    if (!aReadyAgain) throw new Error('instance a did not take the partitions back');
    const aBackAtMs = Number(aReadyAgain['time']);
    await caughtUp('after B left');
    progress(`instance a took the partitions back after ${round((aBackAtMs - leaveAtMs) / 1000, 1)} s`);
    const aRestoredAfter = a.logLines('state stores restored').at(-1);
    await sleep(QUIET_SECONDS * 1000);

    // 5. The stream stops; every change's delta arrives.
    streaming = false;
    await stream;
    const deadline = Date.now() + 60_000;
    while (latencies.length + unmatched < liveSent && Date.now() < deadline) await sleep(100);
    await sleep(3_000);
    const aStopped = await a.stop();
    const aPeak = a.peakSplitMb;
    if (aStopped.code === 0 && bStopped.code === 0) rmSync(runDir, { recursive: true, force: true });

    const before = latenciesBetween(latencies, 0, joinAtMs);
    const joining = latenciesBetween(latencies, joinAtMs, leaveAtMs);
    const leaving = latenciesBetween(latencies, leaveAtMs, Number.MAX_SAFE_INTEGER);
    const failures: string[] = [];
    if (loadedDeltas !== plan.expectedEmitted) failures.push(`${loadedDeltas} deltas for the load, expected ${plan.expectedEmitted}`);
    if (liveDeltas !== liveSent || unmatched !== 0) failures.push(`${liveSent} live changes, ${liveDeltas} deltas (${unmatched} not matching a change)`);
    if (counter.count(BENCH_DLQ_TOPIC) !== 0) failures.push(`${counter.count(BENCH_DLQ_TOPIC)} records in the DLQ`);
    if (aStopped.code !== 0 || bStopped.code !== 0) failures.push(`an instance did not exit 0 on SIGTERM (logs: ${relative(ROOT, runDir)})`);
    const ms = (value: number | null | undefined): string => (value === null || value === undefined ? 'n/a' : `${formatInteger(value)} ms`);
    const latencyRow = (values: number[]): string => `p50 ${ms(percentile(values, 50))}, p99 ${ms(percentile(values, 99))}, max ${ms(values.at(-1))} (${formatInteger(values.length)} changes)`;
    process.stdout.write(
      `${formatTable([
        ['keys', formatInteger(keys)],
        ['instance a loads them', `${round(loadSeconds, 1)} s`],
        ['live changes', `${formatInteger(liveSent)} at ${formatInteger(liveRate)}/s, ${formatInteger(liveDeltas)} deltas${liveDeltas === liveSent && unmatched === 0 ? ' (exact)' : ' (MISMATCH)'}`],
        ['live latency before the join', latencyRow(before)],
        ['b joins: start to its tasks ready', `${round((bReadyAtMs - joinAtMs) / 1000, 1)} s, ${JSON.stringify(bReady['tasks'])}`],
        ['  b restored', bRestored.map((line) => `${formatInteger(Number(line['records']))} records in ${round(Number(line['ms']) / 1000, 1)} s`).join('; ') || 'n/a'],
        ['  live latency while b joins (max: a partition unavailable)', latencyRow(joining)],
        ['b leaves: SIGTERM to a running them again', `${round((aBackAtMs - leaveAtMs) / 1000, 1)} s`],
        ['  a restored (its stores kept on disk)', aRestoredAfter ? `${formatInteger(Number(aRestoredAfter['records']))} records in ${round(Number(aRestoredAfter['ms']) / 1000, 1)} s` : 'n/a'],
        ['  live latency while b leaves', latencyRow(leaving)],
        ['peak anonymous memory a / b', `${formatInteger(aPeak.anon)} / ${formatInteger(bPeak.anon)} MB (file-backed ${formatInteger(aPeak.file)} / ${formatInteger(bPeak.file)} MB)`],
        ['machine', `${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGb} GB RAM`],
      ])}\n`,
    );
    for (const failure of failures) process.stdout.write(`FAILED: ${failure}\n`);
    process.stdout.write(
      `${JSON.stringify({
        keys,
        loadSeconds: round(loadSeconds, 1),
        liveRate,
        liveSent,
        liveDeltas,
        joinReadySeconds: round((bReadyAtMs - joinAtMs) / 1000, 1),
        joinRestored: bRestored.map((line) => ({ records: line['records'], ms: line['ms'] })),
        joinMaxLatencyMs: joining.at(-1) ?? null,
        joinP99LatencyMs: percentile(joining, 99),
        leaveReadySeconds: round((aBackAtMs - leaveAtMs) / 1000, 1),
        leaveRestored: aRestoredAfter ? { records: aRestoredAfter['records'], ms: aRestoredAfter['ms'] } : null,
        leaveMaxLatencyMs: leaving.at(-1) ?? null,
        beforeMaxLatencyMs: before.at(-1) ?? null,
        peakAnonMbA: round(aPeak.anon, 1),
        peakAnonMbB: round(bPeak.anon, 1),
        ok: failures.length === 0,
        runId,
        machine,
        failures,
      })}\n`,
    );
    return failures.length === 0 ? 0 : 1;
  } finally {
    await b?.stop(10_000).catch(() => undefined);
    await a?.stop(10_000).catch(() => undefined);
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
