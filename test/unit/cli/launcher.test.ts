import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';

const launcher = join(import.meta.dirname, '..', '..', '..', 'bin', 'erp-delta.js');

/**
 * The launcher copied beside a stand-in for the compiled CLI (dist/cli/main.js), which reports
 * what its process got, then exits with the code asked for, or waits for SIGTERM.
 */
const dir = mkdtempSync(join(tmpdir(), 'erp-delta-launcher-'));
mkdirSync(join(dir, 'bin'));
mkdirSync(join(dir, 'dist', 'cli'), { recursive: true });
copyFileSync(launcher, join(dir, 'bin', 'erp-delta.js'));
chmodSync(join(dir, 'bin', 'erp-delta.js'), 0o755);
const engines = (JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', '..', 'package.json'), 'utf8')) as { engines: { node: string } }).engines;
writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', engines }));
// The handler before the report: the test signals once it reads the report.
writeFileSync(
  join(dir, 'dist', 'cli', 'main.js'),
  `
  const [mode, code] = process.argv.slice(2);
  process.once('SIGTERM', () => { console.log('stopping on SIGTERM'); process.exit(0); });
  console.log(JSON.stringify({ pid: process.pid, execArgv: process.execArgv, arenaMax: process.env.MALLOC_ARENA_MAX ?? null, args: process.argv.slice(2) }));
  if (mode === 'exit') process.exit(Number(code));
  setInterval(() => {}, 1_000);
`,
);

interface Report {
  pid: number;
  execArgv: string[];
  arenaMax: string | null;
  args: string[];
}

interface Run {
  pid: number;
  report: Report;
  stdout: string;
  stderr: string;
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Starts the copied launcher (through `node`, or `exec` it as a file), optionally signals it once it has reported, and waits for its end. */
function launch(args: string[], options: { nodeArgs?: string[]; env?: NodeJS.ProcessEnv; signal?: NodeJS.Signals; direct?: boolean } = {}): Promise<Run> {
  // Neither setting comes from the test's own environment unless a test asks for it.
  // Executed as a file, the shebang's `env node` finds the node that runs this test first.
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env['PATH'] ?? ''}`, NODE_OPTIONS: '', ...options.env };
  if (options.env?.['MALLOC_ARENA_MAX'] === undefined) delete env['MALLOC_ARENA_MAX'];
  const bin = join(dir, 'bin', 'erp-delta.js');
  const child =
    options.direct === true
      ? spawn(bin, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn(process.execPath, [...(options.nodeArgs ?? []), bin, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the launcher did not finish: ${stdout} ${stderr}`));
    }, 20_000);
    let signalled = false;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (options.signal !== undefined && !signalled && stdout.includes('\n')) signalled = child.kill(options.signal);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.split('\n')[0] ?? '';
      try {
        resolve({ pid: child.pid ?? -1, report: JSON.parse(line) as Report, stdout, stderr, code, signal });
      } catch {
        reject(new Error(`no report from the stand-in CLI: ${stdout} ${stderr}`));
      }
    });
  });
}

describe('bin/erp-delta.js, the launcher', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('starts on plain node: its shebang needs no `env -S`, which BusyBox and Alpine lack', () => {
    assert.equal(readFileSync(launcher, 'utf8').split('\n')[0], '#!/usr/bin/env node');
  });

  it('runs the CLI with --max-semi-space-size=32 and MALLOC_ARENA_MAX=2, in the same process it started as', async () => {
    const run = await launch(['exit', '0']);
    assert.equal(run.report.pid, run.pid, "no second process: signals and the exit code are the real process's");
    assert.deepEqual(run.report.execArgv, ['--max-semi-space-size=32']);
    assert.equal(run.report.arenaMax, '2');
    assert.deepEqual(run.report.args, ['exit', '0']);
    assert.equal(run.stderr, '');
  });

  it('passes the exit code through', async () => {
    assert.equal((await launch(['exit', '3'])).code, 3);
  });

  it('delivers SIGTERM to the CLI, which shuts down as it chooses', async () => {
    const run = await launch(['wait'], { signal: 'SIGTERM' });
    assert.match(run.stdout, /stopping on SIGTERM/);
    assert.equal(run.code, 0);
  });

  it('works when executed as a file, through its shebang', async () => {
    const run = await launch(['exit', '0'], { direct: true });
    assert.deepEqual(run.report.execArgv, ['--max-semi-space-size=32']);
    assert.equal(run.report.arenaMax, '2');
  });

  it('keeps a semi-space size and an arena count chosen by the user', async () => {
    const flag = await launch(['exit', '0'], { nodeArgs: ['--max-semi-space-size=8'] });
    assert.deepEqual(flag.report.execArgv, ['--max-semi-space-size=8']);
    assert.equal(flag.report.arenaMax, '2');
    const arenas = await launch(['exit', '0'], { env: { MALLOC_ARENA_MAX: '4' } });
    assert.deepEqual(arenas.report.execArgv, ['--max-semi-space-size=32']);
    assert.equal(arenas.report.arenaMax, '4');
  });

  it('starts nothing again when both are set already (the image sets them)', async () => {
    const run = await launch(['exit', '0'], { env: { NODE_OPTIONS: '--max-semi-space-size=32', MALLOC_ARENA_MAX: '2' } });
    assert.deepEqual(run.report.execArgv, [], 'not re-executed: the flag came from NODE_OPTIONS only');
    assert.equal(run.report.arenaMax, '2');
  });

  it('keeps the node options it was started with', async () => {
    const run = await launch(['exit', '0'], { nodeArgs: ['--stack-size=2000'] });
    assert.deepEqual(run.report.execArgv, ['--stack-size=2000', '--max-semi-space-size=32']);
  });

  it('runs the CLI without the settings where Node cannot re-execute (no process.execve)', async () => {
    const run = await launch(['exit', '0'], { nodeArgs: ['--import', 'data:text/javascript,process.execve = undefined'] });
    assert.equal(run.report.pid, run.pid);
    assert.equal(run.report.arenaMax, null);
    assert.ok(!run.report.execArgv.includes('--max-semi-space-size=32'));
  });

  it("refuses a Node older than package.json's engines, saying which it needs, before any dependency fails on it", async () => {
    const floor = /^>=(\d+)\.(\d+)\.(\d+)$/.exec(engines.node);
    assert.ok(floor, `engines.node is a floor (${engines.node})`);
    const [major, minor, patch] = floor.slice(1).map(Number) as [number, number, number];
    const older = patch > 0 ? `${major}.${minor}.${patch - 1}` : minor > 0 ? `${major}.${minor - 1}.99` : `${major - 1}.99.99`;
    const pretend = (version: string) => ['--import', `data:text/javascript,Object.defineProperty(process.versions, 'node', { value: '${version}' })`];
    const refused = await launch(['exit', '0'], { nodeArgs: pretend(older) }).catch((error: Error) => error);
    assert.ok(refused instanceof Error, 'the CLI never ran');
    assert.match(refused.message, new RegExp(`this is Node ${older.replaceAll('.', '\\.')}; erp-delta needs Node ${major}\\.${minor}\\.${patch} or later`));
    const floorItself = await launch(['exit', '0'], { nodeArgs: pretend(`${major}.${minor}.${patch}`) });
    assert.equal(floorItself.code, 0);
  });
});
