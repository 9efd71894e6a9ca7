import { spawn } from 'node:child_process';
import { openSync, closeSync, readFileSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { ErpDeltaError } from '../errors/erp-delta-error.js';

/** A stack component's process, started detached so that it outlives the CLI that started it. */
export interface BackgroundProcessSpec {
  command: string;
  args: string[];
  cwd: string;
  logFile: string;
  pidFile: string;
  env?: NodeJS.ProcessEnv;
  /** Run as this OS user (PostgreSQL refuses to run as root). */
  user?: { uid: number; gid: number };
  /**
   * A string that appears in the process's command line: it tells our process apart from an
   * unrelated one that reused a stale pid.
   */
  marker: string;
}

export function startBackgroundProcess(spec: BackgroundProcessSpec): number {
  const log = openSync(spec.logFile, 'a');
  try {
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env ?? process.env,
      detached: true,
      stdio: ['ignore', log, log],
      ...(spec.user ?? {}),
    });
    if (child.pid === undefined) {
      throw new ErpDeltaError('COMPONENT_START_FAILED', `Could not start ${spec.command}: see ${spec.logFile}`);
    }
    child.unref();
    writeFileSync(spec.pidFile, `${child.pid}\n`);
    return child.pid;
  } finally {
    closeSync(log);
  }
}

/** The pid recorded for a component, if that process still runs and is ours. */
export function runningPid(pidFile: string, marker: string): number | undefined {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number.parseInt(readFileSync(pidFile, 'utf8').trim(), 10);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  return isProcessRunning(pid) && commandLineContains(pid, marker) ? pid : undefined;
}

/** True while the process runs; an exited one awaiting its parent's reaping does not count. */
export function isProcessRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !isZombie(pid);
}

/**
 * A process that exited but was not yet reaped by its parent (the CLI that started it, while that
 * still runs) still answers signal 0; /proc tells it apart.
 */
function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false;
  }
}

function commandLineContains(pid: number, marker: string): boolean {
  const procFile = `/proc/${pid}/cmdline`;
  // Without /proc (macOS) a live pid is the best evidence there is.
  if (!existsSync('/proc/self/cmdline')) return true;
  try {
    return readFileSync(procFile, 'utf8').split('\0').join(' ').includes(marker);
  } catch {
    return false;
  }
}

/**
 * Stops the process group (a PostgreSQL postmaster has children), politely first. Returns once no
 * process of the group is left, so that `stack down` can promise that nothing keeps running.
 */
export async function stopBackgroundProcess(pidFile: string, marker: string, options: { signal?: NodeJS.Signals; graceMs?: number } = {}): Promise<boolean> {
  const pid = runningPid(pidFile, marker);
  if (pid === undefined) {
    rmSync(pidFile, { force: true });
    return false;
  }
  signalGroup(pid, options.signal ?? 'SIGTERM');
  const deadline = Date.now() + (options.graceMs ?? 20_000);
  while (groupAlive(pid) && Date.now() < deadline) await sleep(100);
  if (groupAlive(pid)) {
    signalGroup(pid, 'SIGKILL');
    while (groupAlive(pid)) await sleep(50);
  }
  rmSync(pidFile, { force: true });
  return true;
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

/** The group counts as gone once its leader is: PostgreSQL's postmaster outlives its children. */
function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !isZombie(pid);
}
