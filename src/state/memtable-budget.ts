/**
 * LevelDB keeps a store's latest writes in memory (its write buffer, or memtable) until it has
 * this many bytes, then writes them to a table file. Bigger buffers mean fewer flushes and
 * compactions: 8 MiB instead of 2 took a fifth less CPU for the stores' reads and writes
 * (bench/RESULTS.md). But every task has its own store, and a full buffer is resident memory: the
 * tasks of one process share a budget, so that an instance with many partitions stays as small as
 * one with three.
 */
export const MEMTABLE_BUDGET_BYTES = 24 * 1024 * 1024;
/** The floor (LevelDB's own default is 4 MiB), and what a store opened outside a tracker takes. */
export const MIN_MEMTABLE_BYTES = 2 * 1024 * 1024;
const MAX_BYTES = 8 * 1024 * 1024;

/** The write buffer of each of `tasks` stores open in one process. */
export function memtableBytesPerTask(tasks: number): number {
  const share = Math.floor(MEMTABLE_BUDGET_BYTES / Math.max(1, tasks));
  return Math.min(MAX_BYTES, Math.max(MIN_MEMTABLE_BYTES, share));
}
