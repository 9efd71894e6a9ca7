/**
 * Issue 21, "Installable": the package as `npm pack` makes it, installed from its tarball into an
 * empty directory with the dependencies from the registry (the same commands as the Dockerfile:
 * test/support/package-install.ts), gives a working `erp-delta`, run as a user runs it
 * (node_modules/.bin/erp-delta, through its shebang): `stack up` against the test stack, `run`
 * until it is ready, `deliver` until the target has the deltas, each stopped by SIGTERM.
 *
 * It needs the checkout installed and built (`npm test` builds; alone: `npm run build` first), and
 * reaches the npm registry for the dependencies.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ReceivedDelta } from '../../../src/delivery/target-server.js';
import { PACKAGE_STEPS } from '../../support/package-install.js';
import { codes, ProductTopic } from '../../support/product-topic.js';
import { STACK_DIR_FLAG, TEST_STACK } from '../../support/test-stack.js';
import { TrackerTest, uniqueCode, waitUntil } from '../../support/tracker-harness.js';

const root = join(import.meta.dirname, '..', '..', '..');
const work = mkdtempSync(join(tmpdir(), 'erp-delta-tarball-'));
const packDir = join(work, 'pack');
const prefix = join(work, 'installed');
const installed = join(prefix, 'node_modules', 'erp-delta');
const command = join(prefix, 'node_modules', '.bin', 'erp-delta');

/**
 * The environment of npm and of the installed command: the Node that runs this test first on the
 * PATH (npm, its install scripts and erp-delta's shebang find it), and none of the npm_* variables
 * of an enclosing `npm test`, which would point the nested npm at the checkout.
 */
const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));
env['PATH'] = `${dirname(process.execPath)}${delimiter}${process.env['PATH'] ?? ''}`;

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end (no shell: the words are the command's arguments). */
function execute(words: readonly string[], cwd: string, timeoutMs: number): Promise<Finished> {
  const [file, ...args] = words;
  assert.ok(file);
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${words.join(' ')} did not finish within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The installed `erp-delta` as a long-running process (`run`, `deliver`, `target`). */
class Installed {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(args: readonly string[]) {
    this.child = spawn(command, args, { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout?.on('data', (chunk: Buffer) => {
      this.stdout += chunk.toString();
    });
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
    this.exited = new Promise((resolve) => this.child.on('close', (code, signal) => resolve({ code, signal })));
  }

  /** The admin endpoint's URL, from its log line (`admin.port` 0: any free port). */
  adminUrl(): Promise<string> {
    return waitUntil(
      'the admin endpoint',
      () => {
        for (const line of this.stderr.split('\n')) {
          if (!line.includes('admin endpoint')) continue;
          const { port } = JSON.parse(line) as { port?: number };
          if (port !== undefined) return `http://127.0.0.1:${port}`;
        }
        if (this.child.exitCode !== null) throw new Error(`erp-delta exited: ${this.stderr.slice(-3_000)}`);
        return undefined;
      },
      120_000,
      () => this.stderr.slice(-3_000),
    );
  }

  /** SIGTERM, as a process manager stops it: it must exit 0. */
  async stop(): Promise<void> {
    this.child.kill('SIGTERM');
    const exit = await Promise.race([this.exited, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 30_000).unref())]);
    assert.deepEqual(exit, { code: 0, signal: null }, `exits 0 on SIGTERM\n${this.stderr.slice(-3_000)}`);
  }
}

describe('the package from npm pack, installed from its tarball into an empty directory', () => {
  const products = new ProductTopic();
  const rows = codes(uniqueCode('PKG'), 20);
  let test: TrackerTest | undefined;
  const running: Installed[] = [];

  before(
    async () => {
      assert.ok(existsSync(join(root, 'dist', 'cli', 'main.js')), 'the checkout is built (npm run build)');
      mkdirSync(packDir);
      mkdirSync(prefix);
      const pack = await execute(PACKAGE_STEPS.pack(packDir), root, 120_000);
      assert.equal(pack.code, 0, pack.stderr);
      const tarball = readdirSync(packDir).find((name) => name.endsWith('.tgz'));
      assert.ok(tarball, `npm pack wrote a tarball: ${pack.stdout}`);
      const install = await execute(PACKAGE_STEPS.install(prefix, join(packDir, tarball)), prefix, 600_000);
      assert.equal(install.code, 0, `${install.stdout}\n${install.stderr}`);
    },
    { timeout: 720_000 },
  );

  after(async () => {
    for (const { child } of running) child.kill('SIGKILL');
    await test?.cleanup();
    rmSync(work, { recursive: true, force: true });
  });

  it("holds what erp-delta needs at run time, built, and none of the checkout's dev dependencies", async () => {
    for (const file of [
      'bin/erp-delta.js',
      'dist/cli/main.js',
      'config/erp-delta.yaml',
      'connectors/erp-postgres.json',
      'stack/pom.xml',
      'stack/erp/schema.sql',
      'stack/erp/seed.sql',
      'static/status.html',
      'static/loader-status.html',
    ]) {
      assert.ok(existsSync(join(installed, file)), `the package carries ${file}`);
    }
    for (const absent of ['src', 'test', 'bench', 'tsconfig.json']) assert.ok(!existsSync(join(installed, absent)), `the package leaves out ${absent}`);
    for (const dev of ['typescript', 'tsx', 'erp-delta-node-lines', 'node-lts-active']) assert.ok(!existsSync(join(prefix, 'node_modules', dev)), `no dev dependency (${dev})`);
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { version: string };
    assert.equal(manifest.version, (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version);
    const help = await execute([command, '--help'], work, 30_000);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /\brun\b[\s\S]*\bdeliver\b/);
  });

  it('stack up finds the test stack running and leaves it so, and stack status sees every component healthy', async () => {
    const up = await execute([command, 'stack', 'up', ...STACK_DIR_FLAG], work, 180_000);
    assert.equal(up.code, 0, up.stderr);
    for (const component of ['kafka', 'connect', 'registry', 'postgres']) assert.match(up.stderr, new RegExp(`${component}: already running`), up.stderr);
    const status = await execute([command, 'stack', 'status', '--json', '--data-dir', TEST_STACK.dataDir], work, 60_000);
    assert.equal(status.code, 0, status.stderr);
    const components = JSON.parse(status.stdout) as Record<string, { healthy: boolean }>;
    for (const component of ['kafka', 'connect', 'registry', 'postgres']) assert.equal(components[component]?.healthy, true, `${component} healthy`);
  });

  it('run turns CDC records into deltas, answers /readyz, and stops on SIGTERM', async () => {
    await products.create();
    await products.upsert(rows);
    test = new TrackerTest('tarball', { cdcTopics: { products: products.topic } });
    const tracker = new Installed(['run', '--config', test.configPath, '--data-dir', test.dataDir('a')]);
    running.push(tracker);
    const admin = await tracker.adminUrl();
    await waitUntil(
      '/readyz to answer 200',
      async () => (await fetch(`${admin}/readyz`).catch(() => undefined))?.status === 200,
      120_000,
      () => tracker.stderr.slice(-3_000),
    );
    assert.equal((await fetch(`${admin}/healthz`)).status, 200);
    await test.waitCaughtUp(120_000);
    const deltas = await test.readDeltas(['products']);
    for (const code of rows)
      assert.deepEqual(
        deltas.of('products', code).map((record) => record.delta?.op),
        ['UPSERT'],
        `${code}: one UPSERT`,
      );
    await tracker.stop();
  });

  it('deliver sends the deltas to a target, and stops on SIGTERM', async () => {
    assert.ok(test, 'run wrote the deltas');
    const target = new Installed(['target', '--port', '0']);
    running.push(target);
    const url = await waitUntil(
      'the target to listen',
      () => /target listening on (\S+)/.exec(target.stdout)?.[1],
      30_000,
      () => target.stderr,
    );
    const loader = new Installed(['deliver', '--target', url, '--config', test.configPath, '--admin-port', '0']);
    running.push(loader);
    await waitUntil(
      'the target to have every row',
      async () => {
        const { received } = (await (await fetch(`${url}/received`)).json()) as { received: ReceivedDelta[] };
        const keys = new Set(received.filter(({ entity }) => entity === 'products').map(({ delta }) => delta.key));
        return rows.every((code) => keys.has(code));
      },
      120_000,
      () => loader.stderr.slice(-3_000),
    );
    await loader.stop();
    await target.stop();
  });
});
