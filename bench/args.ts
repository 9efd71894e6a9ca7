import { parseArgs } from 'node:util';
import { planStream, type GeneratorPlan } from './generator.js';

export interface BenchArgs {
  plan: GeneratorPlan;
  latencySeconds: number;
  latencyRate: number;
  /** The local stack's data dir. */
  stackDir: string;
  seed: number;
  /** Transactions run through the broker before anything is measured (bench/broker-warmup.ts). */
  warmupTransactions: number;
  /**
   * After the run: the data dir deleted and the tracker started again, its restore measured, this
   * many times (0: not at all). A restore's rate spreads by a fifth between identical rounds.
   */
  restoreRounds: number;
  /** After the run (and the restore): a replay refresh of every key at this many records/s, measured. */
  replayRate: number | undefined;
}

export const USAGE = `Usage: npm run bench -- [options]

Benchmarks the change tracker (issue 3 part 7) on the local stack: produces synthetic Debezium
events, measures Kafka's raw consume rate (the ceiling), erp-delta's end-to-end rate, the emitted
count, produce-to-delta latency and the tracker's peak RSS. See bench/README.md.

Options:
  --events <n>            events to produce (default 1000000)
  --keys <k>              distinct keys; each is snapshotted first (default 200000)
  --latency-seconds <s>   length of the latency phase; 0 skips it (default 20)
  --latency-rate <r>      events per second in the latency phase (default 5000)
  --data-dir <dir>        the local stack's data dir (default $ERP_DELTA_STACK_DIR or .erp-delta/stack)
  --seed <n>              seed of the event generator (default 1)
  --warmup-transactions <n>
                          transactions run through the broker before measuring, so that a
                          broker just started is measured warm (default 600; 0 skips it)
  --restore               then delete the tracker's data dir, start it again and measure the
                          restore from the changelogs (records/s, the tracker's CPU by thread;
                          nothing may be emitted)
  --restore-rounds <n>    measure that restore n times (implies --restore; default 1)
  --replay <r>            then start it again and run a replay refresh (\`erp-delta refresh --wait\`)
                          paced at r records/s (refresh.maxRecordsPerSecond): its duration and
                          memory; every key must be re-sent once
  -h, --help              show this help
`;

export class UsageError extends Error {}

/** Parses and validates the flags; throws UsageError naming the bad flag. */
export function parseBenchArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): BenchArgs | 'help' {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        events: { type: 'string' },
        keys: { type: 'string' },
        'latency-seconds': { type: 'string' },
        'latency-rate': { type: 'string' },
        'data-dir': { type: 'string' },
        seed: { type: 'string' },
        'warmup-transactions': { type: 'string' },
        restore: { type: 'boolean' },
        'restore-rounds': { type: 'string' },
        replay: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values['help'] === true) return 'help';

  const events = integerFlag(values, 'events', 1_000_000, 1);
  const keys = integerFlag(values, 'keys', 200_000, 1);
  const plan = planStream(events, keys);
  if (typeof plan === 'string') throw new UsageError(`--events ${events} --keys ${keys}: ${plan}`);

  const latencySeconds = numberFlag(values, 'latency-seconds', 20);
  if (latencySeconds < 0 || latencySeconds > 3600) throw new UsageError(`--latency-seconds must be between 0 and 3600, not ${latencySeconds}`);
  const latencyRate = integerFlag(values, 'latency-rate', 5_000, 1);
  if (latencyRate > 1_000_000) throw new UsageError(`--latency-rate must be at most 1000000, not ${latencyRate}`);

  const dataDir = values['data-dir'];
  if (dataDir !== undefined && (typeof dataDir !== 'string' || dataDir.trim() === '')) throw new UsageError('--data-dir must name a directory');
  const stackDir = (dataDir as string | undefined) ?? env['ERP_DELTA_STACK_DIR'] ?? '.erp-delta/stack';

  const seed = integerFlag(values, 'seed', 1, 0);
  if (seed > 0xffffffff) throw new UsageError(`--seed must be at most ${0xffffffff}, not ${seed}`);
  const warmupTransactions = integerFlag(values, 'warmup-transactions', 600, 0);
  if (warmupTransactions > 100_000) throw new UsageError(`--warmup-transactions must be at most 100000, not ${warmupTransactions}`);
  const replayRate = values['replay'] === undefined ? undefined : integerFlag(values, 'replay', 0, 1);
  const restoreRounds = values['restore-rounds'] === undefined ? (values['restore'] === true ? 1 : 0) : integerFlag(values, 'restore-rounds', 1, 1);
  if (restoreRounds > 20) throw new UsageError(`--restore-rounds must be at most 20, not ${restoreRounds}`);
  return { plan, latencySeconds, latencyRate, stackDir, seed, warmupTransactions, restoreRounds, replayRate };
}

function integerFlag(values: Record<string, unknown>, name: string, fallback: number, minimum: number): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const text = String(raw).replaceAll('_', '');
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) throw new UsageError(`--${name} must be a whole number, not "${String(raw)}"`);
  const value = Number(text);
  if (value < minimum) throw new UsageError(`--${name} must be at least ${minimum}, not ${value}`);
  return value;
}

function numberFlag(values: Record<string, unknown>, name: string, fallback: number): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (String(raw).trim() === '' || !Number.isFinite(value)) throw new UsageError(`--${name} must be a number, not "${String(raw)}"`);
  return value;
}
