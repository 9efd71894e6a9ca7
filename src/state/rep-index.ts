import type { KeyRange } from '../model/task-store.js';

/**
 * The task's index `rep -> customer keys` (DESIGN "Assignment join"), kept in the state store next
 * to the loaded records. Each entry also names the user the loaded record carries, so that the
 * customers of a rep that are *not* loaded with a given user are one or two key ranges: a mapping
 * change, or the check after a restore, reads only the records that may need a delta.
 *
 * Entry keys are `i:` + JSON `[rep, userId or null, customerKey]`. JSON keeps the parts apart
 * whatever characters they hold, and a prefix of the JSON text is a prefix of the key range.
 */
export const REP_INDEX_PREFIX = 'i:';

export function repIndexKey(rep: string, userId: string | null, customerKey: string): string {
  return REP_INDEX_PREFIX + JSON.stringify([rep, userId, customerKey]);
}

export function parseRepIndexKey(indexKey: string): { rep: string; userId: string | null; customerKey: string } {
  const [rep, userId, customerKey] = JSON.parse(indexKey.slice(REP_INDEX_PREFIX.length)) as [string, string | null, string];
  return { rep, userId, customerKey };
}

/** Every entry of a rep. */
export function repRange(rep: string): KeyRange {
  return prefixRange(REP_INDEX_PREFIX + JSON.stringify([rep]).slice(0, -1) + ',');
}

/** The entries of a rep whose loaded record does not carry `userId`: at most two ranges. */
export function repRangesExcept(rep: string, userId: string | null): KeyRange[] {
  const all = repRange(rep);
  const matching = prefixRange(REP_INDEX_PREFIX + JSON.stringify([rep, userId]).slice(0, -1) + ',');
  return [
    { gte: all.gte, lt: matching.gte },
    { gte: matching.lt, lt: all.lt },
  ];
}

/** The keys starting with `prefix`, which ends with "," (so the bound is the next character, "-"). */
function prefixRange(prefix: string): KeyRange {
  return { gte: prefix, lt: `${prefix.slice(0, -1)}-` };
}
