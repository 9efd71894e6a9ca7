import { readFileSync } from 'node:fs';
import { resolve, sep } from 'node:path';

/**
 * How many LevelDB table files under `dir` this process has mapped into memory; undefined where
 * the process cannot tell (no /proc: not Linux). Each mapped table's touched pages count in the
 * process's RSS, which then grows with the key count: the install builds classic-level to read
 * them with pread instead (scripts/build-state-store.mjs), and this says whether that took.
 */
export function mappedTableFiles(dir: string): number | undefined {
  let maps: string;
  try {
    maps = readFileSync('/proc/self/maps', 'utf8');
  } catch {
    return undefined;
  }
  const under = resolve(dir) + sep;
  const tables = new Set<string>();
  for (const line of maps.split('\n')) {
    // address perms offset dev inode path: the path is everything from the first '/'.
    const slash = line.indexOf('/');
    if (slash < 0) continue;
    const path = line.slice(slash);
    if (path.startsWith(under) && path.endsWith('.ldb')) tables.add(path);
  }
  return tables.size;
}
