import { readFileSync } from 'node:fs';

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
