/**
 * `npm run bench`: the change tracker's benchmark (issue 3 part 7). See bench/README.md.
 *
 * Phases, in one run, on the bench's own topics of the local stack:
 *   1. produce N synthetic Debezium events (bench/generator.ts) into bench.public.items;
 *   2. the ceiling: Kafka's ConsumerPerformance reads them (raw consume rate); then the broker's
 *      transaction path is warmed up (bench/broker-warmup.ts), not measured;
 *   3. erp-delta end to end: `erp-delta run` from a fresh group and data dir, timed until the
 *      group's lag is 0; then a read_committed consumer counts the deltas;
 *   4. latency: a steady rate of real changes, produce time to delta visible (p50, p99);
 *   5. one table on stdout, then one JSON line. Progress goes to stderr.
 * Exit code 0 when the counts are exact and the tracker stopped cleanly, 1 otherwise, 2 for bad flags.
 */
import './v8-flags.js';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { Admin, Producer } from 'kafkajs';
import { parseBenchArgs, USAGE, UsageError, type BenchArgs } from './args.js';
import { BENCH_CDC_TOPIC, BENCH_DELTA_TOPIC, BENCH_DLQ_TOPIC, BENCH_PARTITIONS, BENCH_TOPICS, writeBenchConfig } from './bench-config.js';
import { measureCeiling, type CeilingResult } from './ceiling.js';
import { openBenchClients, type CommittedCounter } from './delta-counter.js';
import { busyPercent, machineTicks, processCpuSeconds, threadCpuBetween, threadCpuSeconds, type ThreadCpu } from './cpu-time.js';
import { BenchGenerator } from './generator.js';
import { warmUpBroker, type WarmupResult } from './broker-warmup.js';
import { benchKafka, endOffsets, groupLag, keyPartitioner, recreateTopics, startOffsets } from './kafka.js';
import { produceBulk, produceSteady } from './produce.js';
import { formatInteger, formatTable, machineInfo, newRunId, percentile, round, type Machine } from './report.js';
import { ensureStack } from './stack.js';
import { TrackerProcess, trackerCommand } from './tracker-process.js';

const ROOT = resolve(import.meta.dirname, '..');
/** Seconds without any progress (deltas or committed offsets) before the tracker is declared stalled. */
const STALL_SECONDS = 120;
/** Once the group's lag is 0, how long to wait for deltas still missing before giving up. */
const MISSING_DELTAS_SECONDS = 30;
/** After the end-to-end phase, how long to watch for late (duplicate) deltas. */
const SETTLE_SECONDS = 5;

function progress(line: string): void {
  process.stderr.write(`[bench] ${line}\n`);
}

interface CatchUp {
  /** Seconds from the tracker's start until its lag was 0 (undefined if it never was). */
  seconds?: number;
  /** The tracker's CPU seconds (all threads, start-up included) when it caught up. */
  cpuSeconds?: number | undefined;
  ticksAtCatchUp?: ReturnType<typeof machineTicks>;
  failure?: string;
}

interface EndToEnd extends CatchUp {
  emitted: number;
  dlqRecords: number;
}

interface Latency {
  sent: number;
  seconds: number;
  deltas: number;
  unmatched: number;
  latencies: number[];
}

let tracker: TrackerProcess | undefined;

async function main(): Promise<number> {
  let args: BenchArgs | 'help';
  try {
    args = parseBenchArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`bench: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (args === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const { plan } = args;
  const machine = machineInfo();
  warnIfDistStale();

  const stack = await ensureStack(ROOT, resolve(args.stackDir), progress);
  progress(`stack ${stack.dataDir}: Kafka ${stack.bootstrap}, registry ${stack.registryUrl}`);

  const runId = newRunId();
  const runDir = join(ROOT, '.erp-delta', 'bench', runId);
  const trackerDataDir = join(runDir, 'data');
  const configPath = join(runDir, 'erp-delta-bench.yaml');
  const logFile = join(runDir, 'tracker.log');
  mkdirSync(runDir, { recursive: true });
  const trackerGroup = `erp-delta-bench-${runId}`;
  writeBenchConfig(configPath, { bootstrap: stack.bootstrap, registryUrl: stack.registryUrl, groupId: trackerGroup, dataDir: trackerDataDir, refreshRecordsPerSecond: args.replayRate });
  progress(`run ${runId}: config ${relative(ROOT, configPath)}, tracker log ${relative(ROOT, logFile)}`);

  const kafka = benchKafka(stack.bootstrap, 'erp-delta-bench');
  const clients = await openBenchClients(kafka, runId, [BENCH_DELTA_TOPIC, BENCH_DLQ_TOPIC]);
  const { admin, producer, counter } = clients;
  try {
    await recreateTopics(admin, BENCH_TOPICS, progress);

    // 1. Produce.
    const generator = new BenchGenerator({ events: plan.events, keys: plan.keys, seed: args.seed });
    const partitionOf = keyPartitioner(BENCH_PARTITIONS);
    progress(
      `producing ${formatInteger(plan.events)} events over ${formatInteger(plan.keys)} keys `
        + `(${formatInteger(plan.changes)} real changes after the snapshot; expected deltas ${formatInteger(plan.expectedEmitted)})`,
    );
    const produced = await produceBulk(producer, BENCH_CDC_TOPIC, BENCH_PARTITIONS, partitionOf, generator.events(), (sent, ms) =>
      progress(`  produced ${formatInteger(sent)} (${formatInteger(sent / (ms / 1000))} events/s)`),
    );
    const produceRate = produced.events / (produced.ms / 1000);
    progress(`produced ${formatInteger(produced.events)} events (${round(produced.bytes / 1024 ** 2, 1)} MB) in ${round(produced.ms / 1000, 1)} s: ${formatInteger(produceRate)} events/s`);
    if (generator.expectedEmitted !== plan.expectedEmitted) {
      throw new Error(`generator bug: it counted ${generator.expectedEmitted} emitting events, the plan says ${plan.expectedEmitted}`);
    }
    const cdcEnds = await endOffsets(admin, BENCH_CDC_TOPIC);
    const cdcStarts = await startOffsets(admin, BENCH_CDC_TOPIC);
    const inTopic = [...cdcEnds.values()].reduce((sum, end) => sum + end, 0n);
    if (inTopic !== BigInt(plan.events)) throw new Error(`${BENCH_CDC_TOPIC} holds ${inTopic} records after producing ${plan.events}`);

    // 2. The ceiling.
    progress(`ceiling: Kafka's ConsumerPerformance reading ${formatInteger(plan.events)} records of ${BENCH_CDC_TOPIC}`);
    const ceiling = await measureCeiling({
      java: stack.java,
      libDir: stack.libDir,
      bootstrap: stack.bootstrap,
      topic: BENCH_CDC_TOPIC,
      messages: plan.events,
      groupId: `erp-delta-bench-ceiling-${runId}`,
    });
    progress(`ceiling: ${formatInteger(ceiling.eventsPerSecond)} events/s (fetch only: ${formatInteger(ceiling.fetchEventsPerSecond)} events/s)`);
    let warmup: WarmupResult | undefined;
    if (args.warmupTransactions > 0) {
      progress(`broker warm-up: ${formatInteger(args.warmupTransactions)} transactions (not measured)`);
      warmup = await warmUpBroker(kafka, admin, { runId, partitions: BENCH_PARTITIONS, transactions: args.warmupTransactions, progress });
      progress(`broker warm-up: ${formatInteger(warmup.records)} records in ${formatInteger(warmup.transactions)} transactions, ${round(warmup.ms / 1000, 1)} s`);
    }

    // 3. erp-delta end to end.
    const ticksAtStart = machineTicks();
    tracker = new TrackerProcess({ ...trackerCommand(ROOT, configPath, trackerDataDir), cwd: ROOT, logFile });
    progress(`erp-delta: started (pid ${tracker.pid}); waiting for a lag of 0 on ${BENCH_CDC_TOPIC}, then counting the deltas`);
    const catchUp = await awaitCatchUp(tracker, admin, trackerGroup, cdcEnds, cdcStarts);
    if (catchUp.seconds !== undefined) progress(`erp-delta: caught up in ${round(catchUp.seconds, 2)} s; counting the committed deltas`);
    const counted = catchUp.failure === undefined ? await countDeltas(counter, plan.expectedEmitted) : { emitted: 0, dlqRecords: 0 };
    const endToEnd: EndToEnd = { ...catchUp, ...counted, failure: catchUp.failure ?? counted.failure };
    const cpu = { trackerSeconds: endToEnd.cpuSeconds, machineBusyPercent: busyPercent(ticksAtStart, endToEnd.ticksAtCatchUp) };

    // 4. Latency.
    let latency: Latency | undefined;
    if (args.latencySeconds > 0 && endToEnd.failure === undefined && tracker.exitStatus === undefined) {
      latency = await measureLatency(args, producer, partitionOf, generator, counter);
    }

    const stopped = await tracker.stop();
    progress(`erp-delta: stopped (exit code ${stopped.code ?? 'none'}${stopped.signal ? `, signal ${stopped.signal}` : ''}${stopped.killed ? ', killed after 30 s' : ''})`);
    const peakRssMb = tracker.peakRssMb;
    const peakSplit = tracker.peakSplitMb;
    const trackerCounters = tracker.lastLoggedCounters();
    // Measured after the stop: LevelDB has written its memtables out by then, as a restart would find them.
    const storeBytes = directoryBytes(trackerDataDir);

    // 5. The restore of a lost data dir.
    let restore: RestoreResult | undefined;
    if (args.restoreRounds > 0 && stopped.code === 0 && endToEnd.failure === undefined) {
      restore = await measureRestore(configPath, trackerDataDir, join(runDir, 'tracker-restore.log'), counter, args.restoreRounds);
      tracker = undefined;
    }

    // 6. A replay refresh of every key, on the store the run (or the restore) left.
    let replay: ReplayResult | undefined;
    if (args.replayRate !== undefined && stopped.code === 0 && endToEnd.failure === undefined && restore?.failure === undefined) {
      replay = await measureReplay(configPath, trackerDataDir, join(runDir, 'tracker-replay.log'), counter, args.replayRate);
      tracker = undefined;
    }
    if (stopped.code === 0) rmSync(trackerDataDir, { recursive: true, force: true });

    // 7. Report.
    const failures: string[] = [];
    if (endToEnd.failure !== undefined) failures.push(endToEnd.failure);
    if (endToEnd.emitted !== plan.expectedEmitted) failures.push(`emitted ${endToEnd.emitted} deltas, expected exactly ${plan.expectedEmitted}`);
    if (endToEnd.dlqRecords !== 0) failures.push(`${endToEnd.dlqRecords} records went to the DLQ ${BENCH_DLQ_TOPIC}`);
    if (latency !== undefined && (latency.deltas !== latency.sent || latency.unmatched !== 0)) {
      failures.push(`latency phase: ${latency.sent} changes produced, ${latency.deltas} deltas seen (${latency.unmatched} not matching a change)`);
    }
    if (stopped.code !== 0) failures.push(`the tracker did not exit 0 on SIGTERM (exit code ${stopped.code}, signal ${stopped.signal}); log: ${relative(ROOT, logFile)}`);
    if (restore?.failure !== undefined) failures.push(`restore: ${restore.failure}`);
    else if (restore !== undefined && restore.emitted !== 0) failures.push(`restore: ${restore.emitted} deltas emitted by the restarted tracker, none expected`);
    // The generator deletes nothing: a replay re-sends every key once, as an UPSERT with reason REFRESH.
    if (replay?.failure !== undefined) failures.push(`replay: ${replay.failure}`);
    else if (replay !== undefined && replay.emitted !== plan.keys) failures.push(`replay: ${replay.emitted} deltas emitted, expected one per key: ${plan.keys}`);

    printReport({
      args,
      machine,
      produceRate,
      produceSeconds: produced.ms / 1000,
      storeBytes,
      restore,
      replay,
      ceiling,
      warmup,
      endToEnd,
      cpu,
      latency,
      peakRssMb,
      peakSplit,
      failures,
      runId,
      trackerCounters,
    });
    return failures.length === 0 ? 0 : 1;
  } finally {
    await tracker?.stop(10_000).catch(() => undefined);
    await clients.close();
  }
}

/**
 * Waits until the tracker's group has committed every CDC offset (its lag is 0): offsets commit in
 * the same transactions as the deltas, so by then every delta is committed too. Only the group's
 * offsets are polled meanwhile: a consumer counting deltas during the run would share the two
 * CPUs with the tracker it measures; the deltas are counted afterwards (countDeltas).
 */
async function awaitCatchUp(process_: TrackerProcess, admin: Admin, groupId: string, cdcEnds: Map<number, bigint>, cdcStarts: Map<number, bigint>): Promise<CatchUp> {
  let lastLag = -1n;
  let lastProgressAt = performance.now();
  let lastReport = performance.now();
  for (;;) {
    const exit = process_.exitStatus;
    if (exit !== undefined) return { failure: `the tracker exited early (exit code ${exit.code}, signal ${exit.signal}):\n${process_.logTail()}` };
    const lag = await groupLag(admin, groupId, BENCH_CDC_TOPIC, cdcEnds, cdcStarts).catch(() => lastLag);
    const now = performance.now();
    if (lag !== lastLag) lastProgressAt = now;
    lastLag = lag;
    if (lag === 0n) {
      return {
        seconds: (now - process_.startedAt) / 1000,
        cpuSeconds: process_.pid === undefined ? undefined : processCpuSeconds(process_.pid),
        ticksAtCatchUp: machineTicks(),
      };
    }
    if (now - lastProgressAt > STALL_SECONDS * 1000) {
      return { failure: `no progress for ${STALL_SECONDS} s: lag ${lag}; see the tracker log:\n${process_.logTail()}` };
    }
    if (now - lastReport >= 2_000) {
      lastReport = now;
      progress(`  erp-delta: lag ${formatInteger(Number(lag))}, ${round((now - process_.startedAt) / 1000, 1)} s, peak anonymous memory ${round(process_.peakSplitMb.anon)} MB`);
    }
    await sleep(100);
  }
}

/**
 * Counts the committed deltas and dead letters with a read_committed consumer, once the tracker
 * caught up: all of them should be there; then watches a while longer for late (duplicate) ones.
 */
async function countDeltas(counter: CommittedCounter, expected: number): Promise<{ emitted: number; dlqRecords: number; failure?: string }> {
  await counter.start();
  let lastCount = -1;
  let lastProgressAt = performance.now();
  for (;;) {
    const count = counter.count(BENCH_DELTA_TOPIC);
    const now = performance.now();
    if (count !== lastCount) lastProgressAt = now;
    lastCount = count;
    if (count >= expected) break;
    if (now - lastProgressAt > MISSING_DELTAS_SECONDS * 1000) {
      return {
        emitted: count,
        dlqRecords: counter.count(BENCH_DLQ_TOPIC),
        failure: `the group's lag is 0 but only ${count} of ${expected} deltas are visible (no more for ${MISSING_DELTAS_SECONDS} s)`,
      };
    }
    await sleep(100);
  }
  progress(`erp-delta: ${formatInteger(lastCount)} deltas read; watching ${SETTLE_SECONDS} s more for late deltas`);
  await sleep(SETTLE_SECONDS * 1000);
  const emitted = counter.count(BENCH_DELTA_TOPIC);
  progress(`erp-delta: ${formatInteger(emitted)} deltas emitted, ${formatInteger(expected)} expected`);
  return { emitted, dlqRecords: counter.count(BENCH_DLQ_TOPIC) };
}

async function measureLatency(args: BenchArgs, producer: Producer, partitionOf: (key: string) => number, generator: BenchGenerator, counter: CommittedCounter): Promise<Latency> {
  const pending = new Map<string, number[]>();
  const latencies: number[] = [];
  let deltas = 0;
  let unmatched = 0;
  // Each latency event is a real change, so each yields one delta, in order per key: the n-th
  // delta of a key answers the n-th change of that key sent in this phase.
  counter.onRecord = (topic, key, arrivedAtMs) => {
    if (topic !== BENCH_DELTA_TOPIC) return;
    deltas++;
    const sentAt = pending.get(key)?.shift();
    if (sentAt === undefined) unmatched++;
    else latencies.push(arrivedAtMs - sentAt);
  };
  progress(`latency: producing ${formatInteger(args.latencyRate)} real changes/s for ${args.latencySeconds} s`);
  const steady = await produceSteady(
    producer,
    BENCH_CDC_TOPIC,
    partitionOf,
    args.latencyRate,
    args.latencySeconds,
    (sentAtMs) => generator.latencyChange(sentAtMs),
    (event, sentAtMs) => {
      const queue = pending.get(event.code);
      if (queue) queue.push(sentAtMs);
      else pending.set(event.code, [sentAtMs]);
    },
    (sent, ms) => progress(`  latency: ${formatInteger(sent)} sent (${formatInteger(sent / (ms / 1000))}/s), ${formatInteger(latencies.length)} deltas`),
  );
  progress(`latency: ${formatInteger(steady.sent)} changes sent in ${round(steady.ms / 1000, 1)} s; waiting for their deltas`);
  let lastSeen = latencies.length;
  let lastChange = performance.now();
  while (latencies.length < steady.sent && performance.now() - lastChange < 15_000) {
    await sleep(100);
    if (latencies.length !== lastSeen) {
      lastSeen = latencies.length;
      lastChange = performance.now();
    }
  }
  await sleep(1_000);
  counter.onRecord = undefined;
  latencies.sort((a, b) => a - b);
  return { sent: steady.sent, seconds: steady.ms / 1000, deltas, unmatched, latencies };
}

function printReport(input: {
  args: BenchArgs;
  machine: Machine;
  produceRate: number;
  produceSeconds: number;
  /** The tracker's data dir (its state stores) after it stopped. */
  storeBytes: number;
  restore: RestoreResult | undefined;
  replay: ReplayResult | undefined;
  ceiling: CeilingResult;
  warmup: WarmupResult | undefined;
  endToEnd: EndToEnd;
  cpu: { trackerSeconds: number | undefined; machineBusyPercent: number | undefined };
  latency: Latency | undefined;
  peakRssMb: number;
  peakSplit: { anon: number; file: number };
  failures: string[];
  runId: string;
  trackerCounters: Record<string, number> | undefined;
}): void {
  const { args, machine, produceRate, produceSeconds, storeBytes, restore, replay, ceiling, warmup, endToEnd, cpu, latency, peakRssMb, peakSplit, failures } = input;
  const storeMb = storeBytes / 1024 ** 2;
  const { plan } = args;
  const cpuPerMillion = cpu.trackerSeconds === undefined ? undefined : (cpu.trackerSeconds * 1_000_000) / plan.events;
  const eventsPerSecond = endToEnd.seconds === undefined ? null : plan.events / endToEnd.seconds;
  const ratio = eventsPerSecond === null ? null : eventsPerSecond / ceiling.eventsPerSecond;
  const p50 = latency ? percentile(latency.latencies, 50) : null;
  const p99 = latency ? percentile(latency.latencies, 99) : null;
  const max = latency ? (latency.latencies.at(-1) ?? null) : null;
  const ms = (value: number | null): string => (value === null ? 'n/a' : `${formatInteger(value)} ms`);

  const rows: Array<[string, string]> = [
    ['events', formatInteger(plan.events)],
    ['keys', formatInteger(plan.keys)],
    ['produce rate', `${formatInteger(produceRate)} events/s (${round(produceSeconds, 1)} s)`],
    ['ceiling (Kafka ConsumerPerformance)', `${formatInteger(ceiling.eventsPerSecond)} events/s`],
    ['broker warm-up (not measured)', warmup ? `${formatInteger(warmup.transactions)} transactions, ${round(warmup.ms / 1000, 1)} s` : 'skipped'],
    ['erp-delta end to end', eventsPerSecond === null ? 'n/a (did not catch up)' : `${formatInteger(eventsPerSecond)} events/s (${round(endToEnd.seconds ?? 0, 1)} s)`],
    ['  tracker CPU (all its threads)', cpuPerMillion === undefined ? 'n/a' : `${round(cpu.trackerSeconds ?? 0, 1)} s: ${round(cpuPerMillion, 1)} s per million events`],
    ['  machine busy meanwhile', cpu.machineBusyPercent === undefined ? 'n/a' : `${round(cpu.machineBusyPercent)} % of ${machine.cpus} CPUs`],
    ['  of which LevelDB compacting', compactionRow(input.trackerCounters, cpu.trackerSeconds)],
    ['erp-delta / ceiling', ratio === null ? 'n/a' : `${round(ratio * 100, 1)} %`],
    ['emitted / expected', `${formatInteger(endToEnd.emitted)} / ${formatInteger(plan.expectedEmitted)}${endToEnd.emitted === plan.expectedEmitted ? ' (exact)' : ' (MISMATCH)'}`],
    ['latency p50', latency ? ms(p50) : 'n/a (skipped)'],
    ['latency p99', latency ? ms(p99) : 'n/a (skipped)'],
    ['latency phase', latency ? `${formatInteger(latency.sent / latency.seconds)} changes/s, ${formatInteger(latency.deltas)}/${formatInteger(latency.sent)} deltas, max ${ms(max)}` : 'n/a'],
    ['peak anonymous memory (tracker)', `${formatInteger(peakSplit.anon)} MB`],
    ['  beside it: peak file-backed', `${formatInteger(peakSplit.file)} MB (mapped files: reclaimable page cache)`],
    ['  peak RSS (both, with shared)', `${formatInteger(peakRssMb)} MB`],
    [
      'restore of a lost data dir',
      restore === undefined
        ? 'n/a (no --restore)'
        : restore.failure !== undefined
          ? `FAILED: ${restore.failure}`
          : `${formatInteger(restore.records)} records in ${round(restore.ms / 1000, 1)} s: ${formatInteger(restore.records / (restore.ms / 1000))} records/s; ${restore.emitted} deltas emitted${
              restore.rounds.length > 1 ? ` (the median of ${restore.rounds.length} rounds: ${restore.rounds.map((one) => formatInteger(one.records / (one.ms / 1000))).join(', ')} records/s)` : ''
            }`,
    ],
    ['  restore CPU by thread (that round)', restoreCpuRow(restore)],
    ['  peak anonymous memory while restoring', restore === undefined ? 'n/a' : `${formatInteger(restore.peakAnonMb)} MB`],
    [
      'replay refresh of every key',
      replay === undefined
        ? 'n/a (no --replay)'
        : replay.failure !== undefined
          ? `FAILED: ${replay.failure}`
          : `${formatInteger(replay.replayed)} CDC records in ${round(replay.ms / 1000, 1)} s: ${formatInteger(replay.replayed / (replay.ms / 1000))} records/s (pace ${formatInteger(replay.rate)}/s); ${formatInteger(replay.emitted)} deltas`,
    ],
    ['  peak anonymous memory while replaying', replay === undefined ? 'n/a' : `${formatInteger(replay.peakAnonMb)} MB (file-backed ${formatInteger(replay.peakFileMb)} MB)`],
    ['state stores on disk (after the stop)', `${formatInteger(storeMb)} MB: ${round((storeMb * 1_000_000) / plan.keys, 1)} MB per million keys`],
    ['machine', `${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGb} GB RAM`],
  ];
  process.stdout.write(`${formatTable(rows)}\n`);
  for (const failure of failures) process.stdout.write(`FAILED: ${failure}\n`);
  const result = {
    events: plan.events,
    keys: plan.keys,
    emitted: endToEnd.emitted,
    expectedEmitted: plan.expectedEmitted,
    eventsPerSecond: eventsPerSecond === null ? null : round(eventsPerSecond),
    ceilingEventsPerSecond: round(ceiling.eventsPerSecond),
    p50Ms: p50,
    p99Ms: p99,
    peakAnonMb: round(peakSplit.anon, 1),
    peakFileMb: round(peakSplit.file, 1),
    peakRssMb: round(peakRssMb, 1),
    ok: failures.length === 0,
    produceEventsPerSecond: round(produceRate),
    produceSeconds: round(produceSeconds, 1),
    storeMb: round(storeMb, 1),
    storeMbPerMillionKeys: round((storeMb * 1_000_000) / plan.keys, 1),
    restore: restore ?? null,
    replay: replay ?? null,
    ceilingFetchEventsPerSecond: ceiling.fetchEventsPerSecond === undefined ? null : round(ceiling.fetchEventsPerSecond),
    ratio: ratio === null ? null : round(ratio, 3),
    trackerSeconds: endToEnd.seconds === undefined ? null : round(endToEnd.seconds, 3),
    trackerCpuSeconds: cpu.trackerSeconds ?? null,
    trackerCpuSecondsPerMillionEvents: cpuPerMillion === undefined ? null : round(cpuPerMillion, 2),
    machineBusyPercent: cpu.machineBusyPercent === undefined ? null : round(cpu.machineBusyPercent, 1),
    warmupTransactions: warmup?.transactions ?? 0,
    dlqRecords: endToEnd.dlqRecords,
    latencyRate: latency ? args.latencyRate : null,
    latencySeconds: latency ? args.latencySeconds : null,
    latencyEvents: latency?.sent ?? null,
    latencyDeltas: latency?.deltas ?? null,
    maxLatencyMs: max,
    seed: args.seed,
    runId: input.runId,
    trackerCounters: input.trackerCounters ?? null,
    machine,
    failures,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/**
 * What the tracker's last logged counters say its stores' compactions took: LevelDB's background
 * thread, on the same two cores as the hot path (model/compaction-stats.ts). Absent for a tracker
 * that logs no such counter (the Kafka Streams peer).
 */
function compactionRow(counters: Record<string, number> | undefined, trackerCpuSeconds: number | undefined): string {
  const seconds = counters?.['erp_delta_state_store_compaction_seconds{}'];
  const written = counters?.['erp_delta_state_store_compaction_written_bytes{}'];
  if (seconds === undefined || written === undefined) return "n/a (not in the tracker's counters)";
  const share = trackerCpuSeconds === undefined || trackerCpuSeconds === 0 ? '' : ` (${round((seconds / trackerCpuSeconds) * 100, 1)} % of its CPU)`;
  return `${formatInteger(seconds)} s${share}, ${formatInteger(written / 1024 ** 2)} MB written`;
}

/** The tracker runs from dist/: a source newer than the build would be benchmarked stale. */
function warnIfDistStale(): void {
  const built = join(ROOT, 'dist', 'cli', 'main.js');
  if (!existsSync(built)) {
    progress('WARNING: dist/ is missing: run `npm run build` first');
    return;
  }
  const builtAt = statSync(built).mtimeMs;
  const newer = sourceFiles(join(ROOT, 'src')).filter((file) => statSync(file).mtimeMs > builtAt);
  if (newer.length > 0) progress(`WARNING: ${newer.length} file(s) in src/ are newer than dist/ (e.g. ${relative(ROOT, newer[0] as string)}): run \`npm run build\` to benchmark the current code`);
}

interface RestoreRound {
  records: number;
  ms: number;
  /** Deltas that reached the delta topic during the restart: none may. */
  emitted: number;
  peakAnonMb: number;
  /** The tracker's CPU from its "restoring" line to its "restored" line, by kind of thread. */
  cpu: ThreadCpu | undefined;
  machineBusyPercent: number | undefined;
}

interface RestoreResult {
  rounds: RestoreRound[];
  /** The index in `rounds` of the round with the median rate, whose figures follow. */
  medianRound: number;
  records: number;
  ms: number;
  /** Over every round. */
  emitted: number;
  peakAnonMb: number;
  failure?: string;
}

/**
 * `rounds` times: the data dir deleted, the tracker started again, and the time its tasks take to
 * restore their stores from the changelogs (its 'state stores restored' line), the CPU it spends
 * on that by kind of thread, and the deltas it emits: none, since every CDC record was committed
 * with its deltas. Identical rounds spread by a fifth on a shared 2-core VM: the median counts.
 */
async function measureRestore(configPath: string, dataDir: string, logFile: string, counter: CommittedCounter, rounds: number): Promise<RestoreResult> {
  const done: RestoreRound[] = [];
  const result = (failure?: string): RestoreResult => {
    const byRate = [...done].sort((a, b) => a.records / a.ms - b.records / b.ms);
    const median = byRate[Math.floor((byRate.length - 1) / 2)];
    return {
      rounds: done,
      medianRound: median === undefined ? -1 : done.indexOf(median),
      records: median?.records ?? 0,
      ms: median?.ms ?? 0,
      emitted: done.reduce((sum, one) => sum + one.emitted, 0),
      peakAnonMb: Math.max(0, ...done.map((one) => one.peakAnonMb)),
      ...(failure !== undefined && { failure }),
    };
  };
  for (let turn = 1; turn <= rounds; turn += 1) {
    rmSync(dataDir, { recursive: true, force: true });
    const before = counter.count(BENCH_DELTA_TOPIC);
    progress(`restore${rounds > 1 ? ` ${turn} of ${rounds}` : ''}: data dir deleted; starting erp-delta again`);
    // A log of its own per round: the lines waited for are each log's first.
    const roundLog = rounds > 1 ? logFile.replace(/\.log$/, `-${turn}.log`) : logFile;
    const restarted = new TrackerProcess({ ...trackerCommand(ROOT, configPath, dataDir), cwd: ROOT, logFile: roundLog });
    tracker = restarted;
    try {
      await restarted.waitForLog('restoring state stores from their changelogs', 10 * 60_000);
      const pid = restarted.pid;
      const [cpuFrom, ticksFrom] = [pid === undefined ? undefined : threadCpuSeconds(pid), machineTicks()];
      const { records, ms } = (await restarted.waitForLog('state stores restored', 60 * 60_000)) as { records: number; ms: number };
      const [cpuTo, ticksTo] = [pid === undefined ? undefined : threadCpuSeconds(pid), machineTicks()];
      progress(`restore: ${formatInteger(records)} records in ${round(ms / 1000, 1)} s; watching ${SETTLE_SECONDS} s for deltas`);
      await sleep(SETTLE_SECONDS * 1000);
      const emitted = counter.count(BENCH_DELTA_TOPIC) - before;
      done.push({ records, ms, emitted, peakAnonMb: restarted.peakSplitMb.anon, cpu: threadCpuBetween(cpuFrom, cpuTo), machineBusyPercent: busyPercent(ticksFrom, ticksTo) });
    } catch (error) {
      return result((error as Error).message);
    } finally {
      await restarted.stop();
    }
  }
  return result();
}

/** The restore's CPU per million records restored, by kind of thread, for the report. */
function restoreCpuRow(restore: RestoreResult | undefined): string {
  const median = restore?.rounds[restore.medianRound];
  if (median?.cpu === undefined || median.records === 0) return 'n/a';
  const perMillion = (seconds: number): number => round((seconds * 1_000_000) / median.records, 1);
  const { main, v8Helpers, libuvAndLevelDb, other } = median.cpu;
  const busy = median.machineBusyPercent === undefined ? '' : `; machine ${round(median.machineBusyPercent)} % busy`;
  return `${perMillion(main + v8Helpers + libuvAndLevelDb + other)} s per million records: main thread ${perMillion(main)}, V8's helpers (GC) ${perMillion(v8Helpers)}, libuv's pool and LevelDB ${perMillion(libuvAndLevelDb)}, other ${perMillion(other)}${busy}`;
}

interface ReplayResult {
  /** The pace asked for: refresh.maxRecordsPerSecond. */
  rate: number;
  /** From the request to its completion, as `refresh --wait` saw them. */
  ms: number;
  /** CDC records replayed: every record the compacted topic still holds, superseded ones too. */
  replayed: number;
  /** Deltas that reached the delta topic meanwhile: one per key. */
  emitted: number;
  peakAnonMb: number;
  peakFileMb: number;
  failure?: string;
}

/**
 * The tracker started again on its store, then `erp-delta refresh --wait` (issue 23 part 4): the
 * replay's duration at the configured pace and the tracker's memory while every key of every
 * partition goes through it.
 */
async function measureReplay(configPath: string, dataDir: string, logFile: string, counter: CommittedCounter, rate: number): Promise<ReplayResult> {
  const before = counter.count(BENCH_DELTA_TOPIC);
  progress(`replay: starting erp-delta again, then a replay refresh at ${formatInteger(rate)} records/s`);
  const restarted = new TrackerProcess({ ...trackerCommand(ROOT, configPath, dataDir), cwd: ROOT, logFile });
  tracker = restarted;
  const failed = (failure: string): ReplayResult => ({ rate, ms: 0, replayed: 0, emitted: 0, peakAnonMb: 0, peakFileMb: 0, failure });
  try {
    try {
      await restarted.waitForLog('tasks ready', 10 * 60_000);
    } catch (error) {
      return failed((error as Error).message);
    }
    const startedAt = performance.now();
    // Asynchronous: the memory sampling and the delta counter run in this process meanwhile.
    const cli = await promisify(execFile)(process.execPath, [join(ROOT, 'bin', 'erp-delta.js'), 'refresh', '--config', configPath, '--wait'], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 }).catch(
      (error: { code?: number; stderr?: string }) => ({ failure: `\`erp-delta refresh --wait\` exited ${error.code}:\n${error.stderr ?? ''}` }),
    );
    const ms = performance.now() - startedAt;
    if ('failure' in cli) return failed(cli.failure);
    const last = cli.stderr.trim().split('\n').at(-1) ?? '';
    // `refresh --wait`'s last line: "refresh <id>: 100.0% (<replayed>/<total> replayed, <emitted> emitted)".
    const replayed = /\((\d+)\/\d+ replayed/.exec(last)?.[1];
    if (replayed === undefined) return failed(`\`erp-delta refresh --wait\` ended without its totals: ${last}`);
    progress(`replay: completed in ${round(ms / 1000, 1)} s (${last}); watching ${SETTLE_SECONDS} s for late deltas`);
    await sleep(SETTLE_SECONDS * 1000);
    const peak = restarted.peakSplitMb;
    return { rate, ms, replayed: Number(replayed), emitted: counter.count(BENCH_DELTA_TOPIC) - before, peakAnonMb: peak.anon, peakFileMb: peak.file };
  } finally {
    await restarted.stop();
  }
}

/** The bytes of every file under `dir` (0 when it is gone). */
function directoryBytes(dir: string): number {
  if (!existsSync(dir)) return 0;
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).reduce((sum, name) => {
    const stats = statSync(join(dir, name));
    return stats.isFile() ? sum + stats.size : sum;
  }, 0);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => join(dir, name));
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    progress(`${signal}: stopping the tracker`);
    void (tracker?.stop(5_000) ?? Promise.resolve()).finally(() => process.exit(130));
  });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    progress(`FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    void (tracker?.stop(5_000) ?? Promise.resolve()).finally(() => process.exit(1));
  },
);
