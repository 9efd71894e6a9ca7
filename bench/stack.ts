import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { LocalStack } from '../src/stack/local-stack.js';
import { findJava } from '../src/stack/prerequisites.js';

export interface BenchStack {
  dataDir: string;
  bootstrap: string;
  registryUrl: string;
  /** Where the stack's jars are; Kafka's tools are in `<libDir>/kafka/*`. */
  libDir: string;
  /** A Java 17+ to run Kafka's tools with. */
  java: string;
  /** True when the bench had to start it. */
  started: boolean;
}

interface StatusEntry {
  healthy: boolean;
  bootstrap?: string;
  url?: string;
}

/**
 * The local stack in `dataDir`, started with `erp-delta stack up` when `stack status` says it is
 * not healthy (as a user would; the stack then keeps running after the bench, like any `stack up`).
 */
export async function ensureStack(root: string, dataDir: string, progress: (line: string) => void): Promise<BenchStack> {
  const cli = join(root, 'bin', 'erp-delta.js');
  let status = await stackStatus(cli, root, dataDir);
  let started = false;
  if (!allHealthy(status)) {
    const entries: Array<[string, StatusEntry]> = Object.entries(status ?? {});
    const down = entries.filter(([, entry]) => !entry.healthy).map(([name]) => name);
    progress(`the stack in ${dataDir} is not healthy (${down.join(', ') || 'no status'}): starting it with \`erp-delta stack up --data-dir ${dataDir}\``);
    const code = await runCli(cli, root, ['stack', 'up', '--data-dir', dataDir], 'stderr');
    if (code.exit !== 0) throw new Error(`\`erp-delta stack up --data-dir ${dataDir}\` failed (exit code ${code.exit}); see the lines above`);
    status = await stackStatus(cli, root, dataDir);
    if (!allHealthy(status)) throw new Error(`the stack in ${dataDir} is still not healthy after \`stack up\`: ${JSON.stringify(status)}`);
    started = true;
  }
  const bootstrap = status?.['kafka']?.bootstrap;
  const registryUrl = status?.['registry']?.url;
  if (bootstrap === undefined || registryUrl === undefined) throw new Error(`\`stack status --json\` gave no Kafka bootstrap or registry URL: ${JSON.stringify(status)}`);
  const stack = LocalStack.open({ dataDir });
  return { dataDir: stack.options.dataDir, bootstrap, registryUrl, libDir: stack.options.libDir, java: await findJava(17), started };
}

function allHealthy(status: Record<string, StatusEntry> | undefined): boolean {
  return status !== undefined && Object.keys(status).length > 0 && Object.values(status).every((entry) => entry.healthy);
}

async function stackStatus(cli: string, root: string, dataDir: string): Promise<Record<string, StatusEntry> | undefined> {
  const { stdout } = await runCli(cli, root, ['stack', 'status', '--json', '--data-dir', dataDir], 'capture');
  const line = stdout.trim().split('\n').at(-1);
  if (line === undefined || line === '') return undefined;
  try {
    return JSON.parse(line) as Record<string, StatusEntry>;
  } catch {
    return undefined;
  }
}

/** Runs the CLI; its stdout is captured (or sent to our stderr), never mixed into the bench's stdout. */
function runCli(cli: string, root: string, args: string[], stdout: 'capture' | 'stderr'): Promise<{ exit: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: root, stdio: ['ignore', 'pipe', stdout === 'capture' ? 'pipe' : 'inherit'] });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      if (stdout === 'capture') output += chunk.toString();
      else process.stderr.write(chunk);
    });
    child.stderr?.resume();
    child.on('error', reject);
    child.on('close', (exit) => resolve({ exit, stdout: output }));
  });
}
