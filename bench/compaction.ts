/**
 * `npm run bench:compaction`: what LevelDB's compactions do to the hot path (issue 23 part 6). See
 * bench/README.md.
 *
 * The tracker's state stores (StateStore, opened with the LevelDB options a tracker running
 * `--stores` tasks gives each, from the config's defaults) in this process, nothing else:
 *   1. load `--keys` records, spread over the stores in key order, as a restore or a first
 *      snapshot writes them;
 *   2. the hot path for `--seconds`: each store in turn takes batches as a processed CDC batch
 *      does: it looks up `--batch` random keys, then writes `--changed` of them with new values
 *      and the checkpoint, as fast as the stores allow (every write is an update of a random key:
 *      what makes LevelDB compact most).
 * Compactions run on LevelDB's one background thread of the process, shared by every store. The
 * bench samples each thread's CPU time from /proc every 250 ms: a window in which that thread ran
 * for at least a fifth of it is "compacting". It reports the hot path's batch time (look-up and
 * write) and rate in compacting windows against the others, the thread's share of a core, what
 * LevelDB says it compacted, and how long level 0 stood at LevelDB's write slowdown (8 files) or
 * stop (12).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CONFIG_DEFAULTS } from '../src/config/tracker-config.js';
import { sumCompactionStats, type CompactionStats } from '../src/model/compaction-stats.js';
import type { LoadedRecord } from '../src/model/loaded-record.js';
import { leveldbOptions, StateStore } from '../src/state/state-store.js';
import { encodeLoadedRecord } from '../src/state/stored-record.js';
import { threadsOf } from './cpu-time.js';
import { formatInteger, formatTable, machineInfo, percentile, positiveFlag, round } from './report.js';

const WINDOW_MS = 250;
/** A window in which LevelDB's thread ran this share of the time or more is a compacting one. */
const COMPACTING_SHARE = 0.2;
const LOAD_BATCH = 5_000;
/** LevelDB's level-0 triggers (db/dbformat.h): each write delayed 1 ms from 8 files, writes stopped from 12. */
const LEVEL0_SLOWDOWN = 8;
const LEVEL0_STOP = 12;

function progress(line: string): void {
  process.stderr.write(`[bench:compaction] ${line}\n`);
}

const { values: flags } = parseArgs({
  options: {
    keys: { type: 'string', default: '10000000' },
    stores: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '60' },
    batch: { type: 'string', default: '500' },
    changed: { type: 'string', default: '25' },
  },
});
const keys = positiveFlag('bench:compaction', 'keys', flags.keys);
const storeCount = positiveFlag('bench:compaction', 'stores', flags.stores);
const seconds = positiveFlag('bench:compaction', 'seconds', flags.seconds);
const batchSize = positiveFlag('bench:compaction', 'batch', flags.batch);
const changed = positiveFlag('bench:compaction', 'changed', flags.changed);
if (changed > batchSize) {
  progress(`--changed ${changed} is more than --batch ${batchSize}: a batch writes only keys it looked up`);
  process.exit(2);
}

function code(index: number): string {
  return `item-${String(index).padStart(8, '0')}`;
}

/** A record like the bench entity's (bench/generator.ts): the store's value is its JSON with the source. */
function record(index: number, version: number): LoadedRecord {
  const data = { code: code(index), name: `Item ${index} v${version} ${(index * 2654435761) % 1_000_003}`, price: `${(index % 997) + version}.50`, qty: String((index * 31 + version) % 10_000) };
  return {
    key: code(index),
    data,
    source: { topic: 'bench.public.items', partition: index % storeCount, offset: version * keys + index, tsMs: 1_700_000_000_000 + version, connector: null, position: null, epoch: 0 },
  };
}

/**
 * CPU seconds of LevelDB's background thread. LevelDB starts it when a store first schedules a
 * compaction, from the thread of libuv's pool that runs that store call, whose name it inherits:
 * the pool's own threads are the first UV_THREADPOOL_SIZE "libuv-worker" threads, all started
 * together at the pool's first use (the first store's mkdir), before any store opened.
 */
function levelDbThreadSeconds(): number {
  const pool = Number(process.env['UV_THREADPOOL_SIZE'] ?? 4);
  const workers = (threadsOf('self') ?? []).filter(({ name }) => name === 'libuv-worker');
  return workers.slice(pool).reduce((sum, { seconds }) => sum + seconds, 0);
}

interface Window {
  compacting: boolean;
  batches: number[];
  level0Files: number;
}

const dir = mkdtempSync(join(tmpdir(), 'erp-delta-bench-compaction-'));
const stores: StateStore[] = [];
try {
  const options = leveldbOptions(CONFIG_DEFAULTS.stateStore, storeCount);
  for (let index = 0; index < storeCount; index += 1) stores.push(await StateStore.open(join(dir, `store-${index}`), { leveldb: options }));
  const stats = (): CompactionStats => sumCompactionStats(stores.map((store) => store.compactionStats()));

  // 1. The load, in key order.
  const loadStart = performance.now();
  for (let from = 0; from < keys; from += LOAD_BATCH * storeCount) {
    await Promise.all(
      stores.map((store, storeIndex) => {
        const put: LoadedRecord[] = [];
        for (let index = from + storeIndex; index < Math.min(keys, from + LOAD_BATCH * storeCount); index += storeCount) put.push(record(index, 0));
        return store.write({ put, delete: [], changelogNextOffset: String(from) });
      }),
    );
    if ((from / (LOAD_BATCH * storeCount)) % 100 === 0) progress(`loaded ${formatInteger(from)} of ${formatInteger(keys)} keys`);
  }
  const loadSeconds = (performance.now() - loadStart) / 1000;
  const afterLoad = stats();
  progress(`loaded ${formatInteger(keys)} keys in ${round(loadSeconds, 1)} s; LevelDB compacted ${afterLoad.seconds} s meanwhile`);

  // 2. The hot path, windows of 250 ms.
  const windows: Window[] = [];
  let current: Window = { compacting: false, batches: [], level0Files: 0 };
  let spentBefore = levelDbThreadSeconds();
  const statsBefore = stats();
  const sampler = setInterval(() => {
    const spent = levelDbThreadSeconds();
    current.compacting = (spent - spentBefore) * 1000 >= WINDOW_MS * COMPACTING_SHARE;
    current.level0Files = stats().level0Files;
    spentBefore = spent;
    windows.push(current);
    current = { compacting: false, batches: [], level0Files: 0 };
  }, WINDOW_MS);
  const hotStart = performance.now();
  const threadSecondsStart = levelDbThreadSeconds();
  let version = 1;
  let written = 0;
  while (performance.now() - hotStart < seconds * 1000) {
    await Promise.all(
      stores.map(async (store, storeIndex) => {
        const indexes = Array.from({ length: batchSize }, () => Math.floor(Math.random() * Math.floor(keys / storeCount)) * storeCount + storeIndex).filter((index) => index < keys);
        const started = performance.now();
        await store.lookUp(indexes.map(code));
        const put = indexes.slice(0, changed).map((index) => record(index, version));
        await store.write({ put, delete: [], changelogNextOffset: String(version) });
        current.batches.push(performance.now() - started);
        written += put.length;
      }),
    );
    version += 1;
  }
  const hotSeconds = (performance.now() - hotStart) / 1000;
  const threadSeconds = levelDbThreadSeconds() - threadSecondsStart;
  clearInterval(sampler);
  const statsAfter = stats();

  // 3. Report.
  const summary = (selected: readonly Window[]): { windows: number; batchesPerSecond: number; p50: number | null; p99: number | null; max: number | null } => {
    const times = selected.flatMap((window) => window.batches).sort((a, b) => a - b);
    return {
      windows: selected.length,
      batchesPerSecond: selected.length === 0 ? 0 : times.length / ((selected.length * WINDOW_MS) / 1000),
      p50: percentile(times, 50),
      p99: percentile(times, 99),
      max: times.at(-1) ?? null,
    };
  };
  const compacting = summary(windows.filter((window) => window.compacting));
  const quiet = summary(windows.filter((window) => !window.compacting));
  const ms = (value: number | null): string => (value === null ? 'n/a' : `${round(value, 2)} ms`);
  const line = (part: ReturnType<typeof summary>): string =>
    part.windows === 0 ? 'none' : `${formatInteger(part.windows)} windows: ${formatInteger(part.batchesPerSecond)} batches/s; batch time p50 ${ms(part.p50)}, p99 ${ms(part.p99)}, max ${ms(part.max)}`;
  const slowed = windows.filter((window) => window.level0Files >= LEVEL0_SLOWDOWN).length;
  const stopped = windows.filter((window) => window.level0Files >= LEVEL0_STOP).length;
  const compactedSeconds = statsAfter.seconds - statsBefore.seconds;
  const writtenMb = (statsAfter.writtenBytes - statsBefore.writtenBytes) / 1024 ** 2;
  const sample = Array.from({ length: 1_000 }, (_, index) => record(index, 1));
  const recordBytes = sample.reduce((sum, one) => sum + one.key.length + 2 + encodeLoadedRecord(one).length, 0) / sample.length;
  const amplification = writtenMb / ((written * recordBytes) / 1024 ** 2);
  const machine = machineInfo();
  const rows: Array<[string, string]> = [
    ['keys, stores', `${formatInteger(keys)} over ${storeCount} stores (write buffer ${formatInteger(options.writeBufferBytes / 1024 ** 2)} MB each)`],
    ['load', `${round(loadSeconds, 1)} s: ${formatInteger(keys / loadSeconds)} keys/s`],
    ['hot path', `${round(hotSeconds, 1)} s: ${formatInteger((version - 1) * storeCount)} batches of ${batchSize} look-ups and ${changed} writes, ${formatInteger(written / hotSeconds)} writes/s`],
    ["LevelDB's thread", `${round(threadSeconds, 1)} s of CPU: ${round((threadSeconds / hotSeconds) * 100, 1)} % of a core`],
    ['LevelDB says it compacted', `${compactedSeconds} s, ${formatInteger(writtenMb)} MB written: ${round(amplification, 1)} times the ${formatInteger(recordBytes)}-byte records written`],
    ['  windows compacting', line(compacting)],
    ['  windows not compacting', line(quiet)],
    ['level 0 at 8+ files (writes slowed)', `${formatInteger(slowed)} of ${formatInteger(windows.length)} windows; 12+ (writes stopped): ${formatInteger(stopped)}`],
    ['machine', `${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGb} GB RAM; Node ${process.versions.node}`],
  ];
  process.stdout.write(`${formatTable(rows)}\n`);
  process.stdout.write(
    `${JSON.stringify({ keys, stores: storeCount, seconds: round(hotSeconds, 1), batch: batchSize, changed, loadKeysPerSecond: round(keys / loadSeconds), writesPerSecond: round(written / hotSeconds), threadCpuShare: round(threadSeconds / hotSeconds, 3), compactedSeconds, compactedWrittenMb: round(writtenMb), writeAmplification: round(amplification, 1), compacting, quiet, windowsSlowed: slowed, windowsStopped: stopped, machine })}\n`,
  );
} finally {
  for (const store of stores) await store.close();
  rmSync(dir, { recursive: true, force: true });
}
