import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time, from /proc, to tell the tracker's own cost from the machine's: wall-clock events/s
 * moves with what the broker does on the same cores, the tracker's CPU seconds per event do not.
 * Linux only; elsewhere every reading is undefined and the report says n/a.
 */

/** The kernel's clock ticks per second for /proc times (USER_HZ: 100 on every Linux build). */
const TICKS_PER_SECOND = 100;

/** User plus system CPU seconds a process has used, all its threads (LevelDB's, GC's) included. */
export function processCpuSeconds(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  return cpuOfStat(stat);
}

/** User plus system CPU seconds of a /proc stat line (a process's or a thread's). */
function cpuOfStat(stat: string): number | undefined {
  // The command name (field 2) may hold spaces: fields are counted after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? (utime + stime) / TICKS_PER_SECOND : undefined;
}

/** The machine's busy and total CPU ticks so far, over all cores. */
export interface MachineTicks {
  busy: number;
  total: number;
}

export function machineTicks(): MachineTicks | undefined {
  let stat: string;
  try {
    stat = readFileSync('/proc/stat', 'utf8');
  } catch {
    return undefined;
  }
  const line = /^cpu\s+(.+)$/m.exec(stat)?.[1];
  if (line === undefined) return undefined;
  // user nice system idle iowait irq softirq steal ...: idle and iowait are the idle ones.
  const ticks = line.trim().split(/\s+/).map(Number);
  const total = ticks.slice(0, 8).reduce((sum, value) => sum + value, 0);
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
  return { busy: total - idle, total };
}

/** The share of all cores' time spent busy between two readings, in percent. */
export function busyPercent(from: MachineTicks | undefined, to: MachineTicks | undefined): number | undefined {
  if (from === undefined || to === undefined || to.total <= from.total) return undefined;
  return (100 * (to.busy - from.busy)) / (to.total - from.total);
}

/**
 * A process's CPU seconds by the kind of thread that spent them: its main thread (JavaScript),
 * V8's helper threads (the parallel and concurrent garbage collector, the compilers), libuv's
 * pool (LevelDB's reads and writes) together with LevelDB's compaction thread, which is started
 * from the pool and takes its name, and the rest. Threads that have exited are not counted.
 */
export interface ThreadCpu {
  main: number;
  v8Helpers: number;
  libuvAndLevelDb: number;
  other: number;
}

export function threadCpuSeconds(pid: number): ThreadCpu | undefined {
  const threads = threadsOf(pid);
  if (threads === undefined) return undefined;
  const split: ThreadCpu = { main: 0, v8Helpers: 0, libuvAndLevelDb: 0, other: 0 };
  for (const { tid, name, seconds } of threads) {
    if (tid === pid) split.main += seconds;
    else if (name.includes('V8Worker')) split.v8Helpers += seconds;
    else if (name.startsWith('libuv-worker')) split.libuvAndLevelDb += seconds;
    else split.other += seconds;
  }
  return split;
}

/** A process's threads (this process's for 'self'), in the order they started, with their names and CPU seconds. */
export function threadsOf(pid: number | 'self'): Array<{ tid: number; name: string; seconds: number }> | undefined {
  let tids: number[];
  try {
    tids = readdirSync(`/proc/${pid}/task`)
      .map(Number)
      .sort((a, b) => a - b);
  } catch {
    return undefined;
  }
  const threads: Array<{ tid: number; name: string; seconds: number }> = [];
  for (const tid of tids) {
    try {
      const seconds = cpuOfStat(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8'));
      if (seconds !== undefined) threads.push({ tid, name: readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim(), seconds });
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return threads;
}

/** What a process spent by kind of thread between two readings. */
export function threadCpuBetween(from: ThreadCpu | undefined, to: ThreadCpu | undefined): ThreadCpu | undefined {
  if (from === undefined || to === undefined) return undefined;
  return { main: to.main - from.main, v8Helpers: to.v8Helpers - from.v8Helpers, libuvAndLevelDb: to.libuvAndLevelDb - from.libuvAndLevelDb, other: to.other - from.other };
}
