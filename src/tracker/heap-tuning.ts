import { setFlagsFromString } from 'node:v8';

/**
 * V8 settings for the tracker's allocation pattern, applied by `erp-delta run` at start-up. Each
 * fetched batch makes many short-lived objects (decoded envelopes, normalized values) that live
 * until the batch's transaction commits, then die together. With a young generation big enough
 * for most of them to die young (bin/erp-delta.js sets it: V8 reads that one only when it
 * starts), the old generation holds little that lives long (25-40 MB), but V8 lets it grow to a
 * multiple of that before a full collection: that is where the resident memory went (335 MB in
 * the bench with V8's own growth, 400-480 MB with 2 MiB fetches). Letting it double at most keeps
 * the process near 235-260 MB; growing it less costs CPU in full collections (bench/HISTORY.md:
 * 15 % made about 80 of them per million events, 100 % about 45, V8's own about 16).
 *
 * V8 reads this flag whenever it sizes the old generation, so setting it at run time works. A
 * value the operator gave on the command line (`node --heap-growing-percent=N bin/erp-delta.js
 * run`; Node does not take it in NODE_OPTIONS) wins.
 */
const TRACKER_HEAP_FLAGS: Readonly<Record<string, string>> = {
  '--heap-growing-percent': '100',
};

export function tuneHeapForTracker(given: readonly string[] = process.execArgv): string[] {
  const applied: string[] = [];
  for (const [flag, value] of Object.entries(TRACKER_HEAP_FLAGS)) {
    const spelled = [flag, flag.replace(/-/g, '_').replace(/^__/, '--')];
    if (given.some((arg) => spelled.some((name) => arg === name || arg.startsWith(`${name}=`)))) continue;
    setFlagsFromString(`${flag}=${value}`);
    applied.push(`${flag}=${value}`);
  }
  return applied;
}
