/**
 * What LevelDB says of its compactions (the `leveldb.stats` property): per level, the table files
 * and their size now, and the time and output of every compaction into that level since the
 * store opened. Compactions run on LevelDB's own background thread, beside the hot path's reads and
 * writes; level 0 holds the memtables just flushed, and from 8 files there LevelDB delays each write
 * by 1 ms, from 12 it stops writes until a compaction has caught up.
 */
export interface CompactionStats {
  level0Files: number;
  /** Seconds spent compacting since the store opened (LevelDB prints whole seconds per level). */
  seconds: number;
  /** What the compactions wrote, the memtables written to level 0 included. */
  writtenBytes: number;
}

/** A store that has not compacted, or is closed. */
export const NO_COMPACTIONS: CompactionStats = { level0Files: 0, seconds: 0, writtenBytes: 0 };

/** The stats of several stores as one: times and bytes added, level 0 the fullest store's. */
export function sumCompactionStats(all: readonly CompactionStats[]): CompactionStats {
  return all.reduce(
    (sum, stats) => ({
      level0Files: Math.max(sum.level0Files, stats.level0Files),
      seconds: sum.seconds + stats.seconds,
      writtenBytes: sum.writtenBytes + stats.writtenBytes,
    }),
    NO_COMPACTIONS,
  );
}
