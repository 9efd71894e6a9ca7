/**
 * `npm run bench:peer`: erp-delta and the Kafka Streams peer (the same job as a Kafka Streams
 * application, ../shared/peers/kstreams-tracker) measured by the same bench, back to back on one
 * machine, so that the figures compare: what a user would pick instead, on the same broker, topic,
 * clock and counting.
 *
 * Each round runs `npm run bench` once with erp-delta, then once with the peer as the tracker
 * (the bench's ERP_DELTA_BENCH_TRACKER, the peer's tracker.sh). The peer is copied into
 * .erp-delta/peers/ and built there with Maven (its own directory may be read-only). The bench's
 * flags after `--` go to every run. stdout: one table, then one JSON line with every run.
 * Exit code 0 when every run was exact and clean, 1 otherwise, 2 for bad flags.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { formatInteger, round } from './report.js';

const ROOT = resolve(import.meta.dirname, '..');

const USAGE = `Usage: npm run bench:peer -- [--rounds N] [--peer-dir DIR] [-- bench flags]

Runs \`npm run bench\` with erp-delta and then with the Kafka Streams peer, N rounds (default 2),
and prints both side by side. Bench flags (e.g. --data-dir DIR, --events N) follow a second --.
  --rounds <n>      rounds of one erp-delta run and one peer run (default 2)
  --peer-dir <dir>  the peer's sources (default ../shared/peers/kstreams-tracker)
  -h, --help        show this help
`;

interface BenchRun {
  tracker: 'erp-delta' | 'kstreams';
  round: number;
  eventsPerSecond: number | null;
  trackerCpuSecondsPerMillionEvents: number | null;
  peakAnonMb: number;
  peakFileMb: number;
  p50Ms: number | null;
  p99Ms: number | null;
  emitted: number;
  expectedEmitted: number;
  ok: boolean;
  failures: string[];
  exitCode: number;
}

function progress(line: string): void {
  process.stderr.write(`[bench:peer] ${line}\n`);
}

/** Copies the peer next to the project's other local state and builds its jar there. */
function buildPeer(sources: string): string {
  if (!existsSync(join(sources, 'tracker.sh'))) throw new Error(`--peer-dir ${sources} holds no tracker.sh: not the Kafka Streams peer`);
  const copy = join(ROOT, '.erp-delta', 'peers', 'kstreams-tracker');
  rmSync(join(copy, 'src'), { recursive: true, force: true });
  mkdirSync(copy, { recursive: true });
  cpSync(sources, copy, { recursive: true, filter: (path) => !path.includes('/target') });
  spawnSync('chmod', ['-R', 'u+w', copy]);
  progress(`building the peer in ${copy} (mvn package, under nice)`);
  // Offline first: a second build needs nothing from Maven Central.
  for (const offline of [['-o'], []]) {
    const built = spawnSync('nice', ['-n', '19', 'mvn', '-q', ...offline, '-DskipTests', 'package'], { cwd: copy, stdio: ['ignore', 'inherit', 'inherit'] });
    if (built.status === 0) return join(copy, 'tracker.sh');
  }
  throw new Error(`the peer did not build in ${copy}: see Maven's output above`);
}

/** One `npm run bench` with the given tracker; its JSON line, or the failure. */
function runBench(benchArgs: readonly string[], tracker: BenchRun['tracker'], round: number, peerTracker: string): Promise<BenchRun> {
  const env = { ...process.env };
  if (tracker === 'kstreams') env['ERP_DELTA_BENCH_TRACKER'] = peerTracker;
  else delete env['ERP_DELTA_BENCH_TRACKER'];
  progress(`round ${round}: ${tracker}`);
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'run.ts'), ...benchArgs], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      process.stderr.write(chunk);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const line = stdout
        .trim()
        .split('\n')
        .reverse()
        .find((candidate) => candidate.startsWith('{'));
      if (!line) {
        reject(new Error(`the ${tracker} bench of round ${round} printed no result (exit code ${code})`));
        return;
      }
      const result = JSON.parse(line) as Omit<BenchRun, 'tracker' | 'round' | 'exitCode'>;
      resolveRun({ ...result, tracker, round, exitCode: code ?? 1 });
    });
  });
}

function median(values: readonly number[]): number | undefined {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

function table(runs: readonly BenchRun[]): string {
  const header = ['round', 'tracker', 'events/s', 'CPU s per million', 'peak anonymous MB', 'peak file MB', 'p50 / p99 ms', 'emitted / expected'];
  const rows = runs.map((run) => [
    String(run.round),
    run.tracker,
    run.eventsPerSecond === null ? 'n/a' : formatInteger(run.eventsPerSecond),
    run.trackerCpuSecondsPerMillionEvents === null ? 'n/a' : String(round(run.trackerCpuSecondsPerMillionEvents, 1)),
    formatInteger(run.peakAnonMb),
    formatInteger(run.peakFileMb),
    `${run.p50Ms ?? 'n/a'} / ${run.p99Ms ?? 'n/a'}`,
    `${formatInteger(run.emitted)} / ${formatInteger(run.expectedEmitted)}${run.emitted === run.expectedEmitted ? ' exact' : ' MISMATCH'}`,
  ]);
  return [header, header.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

async function main(argv: readonly string[]): Promise<number> {
  const split = argv.indexOf('--');
  const own = split === -1 ? argv : argv.slice(0, split);
  const benchArgs = split === -1 ? [] : argv.slice(split + 1);
  let values: { rounds?: string | undefined; 'peer-dir'?: string | undefined; help?: boolean | undefined };
  try {
    ({ values } = parseArgs({ args: [...own], strict: true, options: { rounds: { type: 'string' }, 'peer-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const rounds = Number(values.rounds ?? '2');
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 20) {
    process.stderr.write(`--rounds must be an integer from 1 to 20, not ${values.rounds}\n${USAGE}`);
    return 2;
  }
  const peerTracker = buildPeer(resolve(values['peer-dir'] ?? join(ROOT, '..', 'shared', 'peers', 'kstreams-tracker')));
  const runs: BenchRun[] = [];
  for (let round_ = 1; round_ <= rounds; round_ += 1) {
    for (const tracker of ['erp-delta', 'kstreams'] as const) runs.push(await runBench(benchArgs, tracker, round_, peerTracker));
  }
  process.stdout.write(`${table(runs)}\n`);
  const rateOf = (tracker: BenchRun['tracker']) => median(runs.filter((run) => run.tracker === tracker && run.eventsPerSecond !== null).map((run) => run.eventsPerSecond as number));
  const ours = rateOf('erp-delta');
  const peer = rateOf('kstreams');
  const ratio = ours !== undefined && peer !== undefined ? round(ours / peer, 2) : null;
  process.stdout.write(
    `median events/s: erp-delta ${ours === undefined ? 'n/a' : formatInteger(ours)}, Kafka Streams peer ${peer === undefined ? 'n/a' : formatInteger(peer)}: ${ratio ?? 'n/a'} times\n`,
  );
  process.stdout.write(`${JSON.stringify({ rounds, ratio, runs })}\n`);
  return runs.every((run) => run.ok && run.exitCode === 0) ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`[bench:peer] ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
