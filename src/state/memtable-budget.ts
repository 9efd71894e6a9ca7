/**
 * LevelDB keeps a store's latest writes in memory (its write buffer, or memtable) until it has
 * this many bytes, then writes them to a table file. Bigger buffers mean fewer flushes and
 * compactions: 8 MiB instead of 2 took a fifth less CPU for the stores' reads and writes
 * (bench/HISTORY.md). But every task has its own store, and a full buffer is resident memory: the
 * tasks of one process share a budget (the config's stateStore.writeBufferBudgetBytes), so that
 * an instance with many partitions stays as small as one with three.
 */
export interface MemtableBudget {
  /** All the stores of one process together. */
  budgetBytes: number;
  /** One store at most. */
  maxBytesPerStore: number;
}

/**
 * The floor: a smaller buffer flushes a table file every few batches (LevelDB's own default is
 * 4 MiB). It is also what a store opened outside a tracker takes.
 */
export const MIN_MEMTABLE_BYTES = 2 * 1024 * 1024;

/** The write buffer of each of `tasks` stores open in one process; never above the configured maximum. */
export function memtableBytesPerTask(tasks: number, budget: MemtableBudget): number {
  const share = Math.floor(budget.budgetBytes / Math.max(1, tasks));
  return Math.min(budget.maxBytesPerStore, Math.max(MIN_MEMTABLE_BYTES, share));
}
