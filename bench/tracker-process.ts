import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface TrackerCommand {
  command: string;
  args: string[];
  cwd: string;
  logFile: string;
}

export interface TrackerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * `erp-delta run --config C --data-dir D` as the bin runs it (its launcher gives it the V8 and
 * malloc settings users get), or with ERP_DELTA_BENCH_TRACKER's command instead of the bin (for
 * developing the benches, e.g. `node --cpu-prof .../bin/erp-delta.js`, or the Kafka Streams peer).
 */
export function trackerCommand(root: string, configPath: string, dataDir: string): { command: string; args: string[] } {
  const args = ['run', '--config', configPath, '--data-dir', dataDir];
  const override = process.env['ERP_DELTA_BENCH_TRACKER']?.trim();
  if (override) {
    const [command, ...prefix] = override.split(/\s+/);
    return { command: command as string, args: [...prefix, ...args] };
  }
  return { command: join(root, 'bin', 'erp-delta.js'), args };
}

/**
 * The tracker as a child process (its stdout and stderr, pino JSON, go to `logFile`), with its
 * memory sampled from /proc every 200 ms, for it and its descendants together:
 * - RssAnon, its anonymous memory (V8's heaps, malloc: LevelDB's caches and write buffers, Node's
 *   buffers), the memory figure: only the process can give it back. The kernel keeps no
 *   high-water mark of it, so its peak is the highest sample;
 * - RssFile, the file pages it maps (its program and libraries, LevelDB's table files): clean
 *   page cache that the kernel reclaims under pressure, reported beside it;
 * - VmRSS (both, and shared memory), with its own VmHWM, the kernel's high-water mark.
 */
export class TrackerProcess {
  readonly startedAtMs: number;
  readonly startedAt: number;
  private readonly child: ChildProcess;
  private readonly exited: Promise<TrackerExit>;
  private exit: TrackerExit | undefined;
  private readonly sampler: NodeJS.Timeout;
  private peakTreeRssKb = 0;
  private peakHwmKb = 0;
  private peakAnonKb = 0;
  private peakFileKb = 0;

  constructor(private readonly spec: TrackerCommand) {
    const log = openSync(spec.logFile, 'a');
    this.startedAt = performance.now();
    this.startedAtMs = Date.now();
    this.child = spawn(spec.command, spec.args, { cwd: spec.cwd, stdio: ['ignore', log, log], env: process.env });
    closeSync(log);
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
      this.child.on('error', (error) => {
        this.exit = { code: null, signal: null };
        process.stderr.write(`[bench] the tracker could not be started: ${error.message}\n`);
        resolve(this.exit);
      });
    });
    this.sampler = setInterval(() => this.sample(), 200);
    this.sample();
  }

  get logFile(): string {
    return this.spec.logFile;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Undefined while it runs. */
  get exitStatus(): TrackerExit | undefined {
    return this.exit;
  }

  /** Peak resident memory in MB: the larger of the sampled VmRSS (process tree) and VmHWM. */
  get peakRssMb(): number {
    return Math.max(this.peakTreeRssKb, this.peakHwmKb) / 1024;
  }

  /**
   * Peak anonymous memory in MB (the memory figure), and beside it the peak of the file pages
   * mapped (LevelDB maps the state's table files for reading: page cache the kernel can take back).
   * Each is its own peak: they need not come at the same moment.
   */
  get peakSplitMb(): { anon: number; file: number } {
    return { anon: this.peakAnonKb / 1024, file: this.peakFileKb / 1024 };
  }

  sample(): void {
    const pid = this.child.pid;
    if (pid === undefined || this.exit !== undefined) return;
    const own = readStatus(pid);
    if (own === undefined) return;
    this.peakHwmKb = Math.max(this.peakHwmKb, own.hwmKb);
    const tree = { rssKb: own.rssKb, anonKb: own.anonKb, fileKb: own.fileKb };
    for (const descendant of descendants(pid)) {
      const status = readStatus(descendant);
      tree.rssKb += status?.rssKb ?? 0;
      tree.anonKb += status?.anonKb ?? 0;
      tree.fileKb += status?.fileKb ?? 0;
    }
    this.peakTreeRssKb = Math.max(this.peakTreeRssKb, tree.rssKb);
    this.peakAnonKb = Math.max(this.peakAnonKb, tree.anonKb);
    this.peakFileKb = Math.max(this.peakFileKb, tree.fileKb);
  }

  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
  async stop(graceMs = 30_000): Promise<TrackerExit & { killed: boolean }> {
    this.sample();
    clearInterval(this.sampler);
    if (this.exit !== undefined) return { ...this.exit, killed: false };
    this.child.kill('SIGTERM');
    const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), graceMs).unref());
    const outcome = await Promise.race([this.exited, timer]);
    if (outcome !== 'timeout') return { ...outcome, killed: false };
    this.child.kill('SIGKILL');
    return { ...(await this.exited), killed: true };
  }

  /** The lines of its log with this `msg`, parsed (pino JSON), oldest first. */
  logLines(msg: string): Array<Record<string, unknown>> {
    if (!existsSync(this.spec.logFile)) return [];
    return readFileSync(this.spec.logFile, 'utf8')
      .split('\n')
      .filter((line) => line.includes(`"msg":"${msg}"`))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  /** The first line of its log with this `msg`, once it is there; throws if it exits first or after `timeoutMs`. */
  async waitForLog(msg: string, timeoutMs: number): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const exit = this.exit;
      if (exit) throw new Error(`the tracker exited (exit code ${exit.code}, signal ${exit.signal}) before logging "${msg}":\n${this.logTail()}`);
      const [line] = this.logLines(msg);
      if (line) return line;
      if (Date.now() > deadline) throw new Error(`no "${msg}" within ${timeoutMs} ms`);
      await sleep(200);
    }
  }

  /** Resolves when the process exits by itself (or is stopped). */
  whenExited(): Promise<TrackerExit> {
    return this.exited;
  }

  /**
   * The counters of the tracker's last `counters` log line (erp-delta run logs them every 10 s and
   * on stop), or undefined when there is none: a cross-check of what the bench counted.
   */
  lastLoggedCounters(): Record<string, number> | undefined {
    if (!existsSync(this.spec.logFile)) return undefined;
    const lines = readFileSync(this.spec.logFile, 'utf8').trimEnd().split('\n').reverse();
    for (const line of lines) {
      if (!line.includes('"counters"')) continue;
      try {
        const entry = JSON.parse(line) as { msg?: unknown; counters?: unknown };
        if (entry.msg === 'counters' && typeof entry.counters === 'object' && entry.counters !== null) return entry.counters as Record<string, number>;
      } catch {
        // Not a JSON line: keep looking.
      }
    }
    return undefined;
  }

  logTail(lines = 20): string {
    if (!existsSync(this.spec.logFile)) return '(no log written)';
    return readFileSync(this.spec.logFile, 'utf8')
      .trimEnd()
      .split('\n')
      .slice(-lines)
      .map((line) => `  | ${line}`)
      .join('\n');
  }
}

function readStatus(pid: number): { rssKb: number; hwmKb: number; anonKb: number; fileKb: number } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
  return { rssKb: field('VmRSS'), hwmKb: field('VmHWM'), anonKb: field('RssAnon'), fileKb: field('RssFile') };
}

function descendants(pid: number): number[] {
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift() as number;
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${parent}/task`);
    } catch {
      continue;
    }
    for (const task of tasks) {
      let children: string;
      try {
        children = readFileSync(`/proc/${parent}/task/${task}/children`, 'utf8');
      } catch {
        continue;
      }
      for (const child of children.split(' ').filter((entry) => entry !== '')) {
        const childPid = Number(child);
        found.push(childPid);
        queue.push(childPid);
      }
    }
  }
  return found;
}
