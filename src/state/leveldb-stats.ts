import { NO_COMPACTIONS, type CompactionStats } from '../model/compaction-stats.js';

const MB = 1024 * 1024;

/** LevelDB's `leveldb.stats` property: its per-level table, summed; undefined when the text is not that table. */
export function parseCompactionStats(text: string): CompactionStats | undefined {
  const rows = text
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number))
    .filter((cells) => cells.length === 6 && cells.every(Number.isFinite));
  if (rows.length === 0) return undefined;
  const stats = { ...NO_COMPACTIONS };
  for (const [level, files, , seconds, , writtenMb] of rows as Array<[number, number, number, number, number, number]>) {
    if (level === 0) stats.level0Files = files;
    stats.seconds += seconds;
    stats.writtenBytes += writtenMb * MB;
  }
  return stats;
}
