/**
 * `erp-delta target` and `erp-delta deliver` as child processes for the loader's tests (issue 20),
 * against the products of a CDC topic of the test's own, so that the target's numbers are the
 * test's alone.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { fetch as undiciFetch, type Dispatcher } from 'undici';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import type { ReceivedDelete, ReceivedDelta, TargetFaults } from '../../src/delivery/target-server.js';
import { codes, ProductTopic } from './product-topic.js';
import { TrackerTest, uniqueCode, waitUntil, type TrackerProcess } from './tracker-harness.js';

export const BIN = join(import.meta.dirname, '..', '..', 'bin', 'erp-delta.js');

export interface TargetAttempt {
  atMs: number;
  requestKey: string;
  status: number;
  method: string;
  bytes: number;
}
export interface TargetState {
  requests: number;
  received: ReceivedDelta[];
  deleted: ReceivedDelete[];
  attempts: TargetAttempt[];
}

export interface RunningTarget {
  url: string;
  child: ChildProcess;
  state(): Promise<TargetState>;
  faults(faults: TargetFaults): Promise<void>;
}

/** `erp-delta target --port 0 [args]`, its URL read from its first line. */
export async function startTarget(t: TestContext, args: readonly string[] = [], dispatcher?: Dispatcher): Promise<RunningTarget> {
  const child = spawn(process.execPath, [BIN, 'target', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill());
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      const match = /target listening on (\S+)/.exec(chunk.toString());
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', () => reject(new Error(`the target exited: ${stderr}`)));
  });
  // An HTTPS target is asked through a dispatcher that trusts its CA (the tests' own requests).
  const request = (path: string, init: { method?: string; body?: string } = {}) => undiciFetch(`${url}${path}`, { ...init, ...(dispatcher === undefined ? {} : { dispatcher }) });
  return {
    url,
    child,
    state: async () => (await request('/received')).json() as Promise<TargetState>,
    faults: async (faults) => {
      const response = await request('/_faults', { method: 'POST', body: JSON.stringify(faults) });
      if (response.status !== 204) throw new Error(`the target took no faults: HTTP ${response.status}`);
    },
  };
}

export interface ProductScenario {
  products: ProductTopic;
  rows: string[];
  test: TrackerTest;
  tracker: TrackerProcess;
  /** The config of `deliver`: the test's config with only its products (written by loaderConfig). */
  loaderConfigPath: string;
}

/**
 * Product rows of a fresh CDC topic, run through a tracker into their delta topic (the tracker is
 * left running, caught up); `deliver` gets a config of the products alone, with `delivery`.
 * `trackerConfig` changes the tracker's config before it starts.
 */
export async function productScenario(
  t: TestContext,
  options: {
    name: string;
    codePrefix: string;
    rowCount: number;
    delivery?: Record<string, unknown>;
    refresh?: Record<string, unknown>;
    // biome-ignore lint/suspicious/noExplicitAny: the tests reach into the YAML
    trackerConfig?: (config: Record<string, any>) => void;
  },
): Promise<ProductScenario> {
  const products = new ProductTopic();
  await products.create();
  const rows = codes(uniqueCode(options.codePrefix), options.rowCount);
  await products.upsert(rows);
  const test = new TrackerTest(options.name, {
    cdcTopics: { products: products.topic },
    delivery: { batchSize: 20, timeoutMs: 5_000, retryInitialMs: 50, retryMaxMs: 400, ...options.delivery },
    refresh: options.refresh,
  });
  t.after(() => test.cleanup());
  if (options.trackerConfig) rewriteYaml(test.configPath, options.trackerConfig);
  const tracker = await test.startCaughtUp();
  const loaderConfigPath = loaderConfig(test, {});
  return { products, rows, test, tracker, loaderConfigPath };
}

/**
 * A config for `deliver` of the test's products only: the other entities' delta topics hold what
 * the shared CDC topics hold, which would share the loader's requests (and its rate) with them.
 */
export function loaderConfig(test: TrackerTest, delivery: Record<string, unknown>, name = 'deliver.yaml'): string {
  // biome-ignore lint/suspicious/noExplicitAny: as productScenario
  const config = parseYaml(readFileSync(test.configPath, 'utf8')) as Record<string, any>;
  config['entities'] = { products: config['entities']['products'] };
  delete config['assignment'];
  config['delivery'] = { ...config['delivery'], ...delivery };
  const path = join(test.workDir, name);
  writeFileSync(path, stringifyYaml(config));
  return path;
}

// biome-ignore lint/suspicious/noExplicitAny: as productScenario
export function rewriteYaml(path: string, change: (config: Record<string, any>) => void): void {
  // biome-ignore lint/suspicious/noExplicitAny: as above
  const config = parseYaml(readFileSync(path, 'utf8')) as Record<string, any>;
  change(config);
  writeFileSync(path, stringifyYaml(config));
}

export interface RunningLoader {
  child: ChildProcess;
  stderr(): string;
  /** The admin endpoint's base URL, from its log line (`--admin-port 0`). */
  adminUrl(): Promise<string>;
  exit(): Promise<number | null>;
  stop(): Promise<number | null>;
}

/** `erp-delta deliver --target URL --config FILE --admin-port 0`. */
export function startLoader(t: TestContext, target: string, configPath: string, env: NodeJS.ProcessEnv = {}, args: readonly string[] = []): RunningLoader {
  const child = spawn(process.execPath, [BIN, 'deliver', '--target', target, '--config', configPath, '--admin-port', '0', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...env },
  });
  t.after(() => child.kill('SIGKILL'));
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    stderr: () => stderr,
    adminUrl: () =>
      waitUntil(
        "the loader's admin endpoint",
        () => {
          for (const line of stderr.split('\n')) {
            if (!line.includes('admin endpoint')) continue;
            const parsed = JSON.parse(line) as { port?: number };
            if (parsed.port !== undefined) return `http://127.0.0.1:${parsed.port}`;
          }
          return undefined;
        },
        30_000,
        () => stderr.slice(-2_000),
      ),
    exit: () => exited,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** The offset of a delivered delta, from its idempotency key `<topic>-<partition>-<offset>`. */
export function offsetOf(idempotencyKey: string): number {
  return Number(idempotencyKey.slice(idempotencyKey.lastIndexOf('-') + 1));
}

/**
 * Per-key order at the target: each key's deltas arrived in the order of their offsets (a key
 * lives in one partition). Returns the keys whose deltas came out of order.
 */
export function keysOutOfOrder(received: readonly ReceivedDelta[]): string[] {
  const last = new Map<string, number>();
  const outOfOrder = new Set<string>();
  for (const entry of received) {
    const offset = offsetOf(entry.delta.idempotencyKey);
    if ((last.get(entry.delta.key) ?? -1) > offset) outOfOrder.add(entry.delta.key);
    last.set(entry.delta.key, Math.max(offset, last.get(entry.delta.key) ?? -1));
  }
  return [...outOfOrder];
}

/** Idempotency keys the target received more than once. */
export function deliveredTwice(received: readonly ReceivedDelta[]): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const { delta } of received) {
    if (seen.has(delta.idempotencyKey)) twice.add(delta.idempotencyKey);
    seen.add(delta.idempotencyKey);
  }
  return [...twice];
}
