import { readFileSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';

export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGb: number;
}

export function machineInfo(): Machine {
  let cpuModel = 'unknown';
  try {
    cpuModel = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpuModel;
  } catch {
    // Not Linux: leave it unknown.
  }
  return { cpus: availableParallelism(), cpuModel, memoryGb: round(totalmem() / 1024 ** 3, 1) };
}

/** Nearest-rank percentile of sorted values (p in 0..100). */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1] ?? null;
}

export function round(value: number, digits = 0): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

export function formatInteger(value: number | null | undefined): string {
  return value === null || value === undefined ? 'n/a' : Math.round(value).toLocaleString('en-US');
}

/** Two columns, the labels padded: readable in a terminal and pasteable into Markdown as is. */
export function formatTable(rows: ReadonlyArray<readonly [string, string]>): string {
  const width = Math.max(...rows.map(([label]) => label.length));
  const valueWidth = Math.max(...rows.map(([, value]) => value.length));
  const rule = `${'-'.repeat(width + 2)}+${'-'.repeat(valueWidth + 2)}`;
  return [rule, ...rows.map(([label, value]) => ` ${label.padEnd(width)} | ${value}`), rule].join('\n');
}

/** A bench run's id: its start time to the second, and the bench's pid (two runs at once differ). */
export function newRunId(): string {
  return `${new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}-${process.pid}`;
}

/** A flag's value as a positive integer, or the bench exits 2 naming the flag. */
export function positiveFlag(bench: string, name: string, value: string | undefined): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) {
    process.stderr.write(`${bench}: --${name} must be a positive integer, not ${JSON.stringify(value)}\n`);
    process.exit(2);
  }
  return parsed;
}
