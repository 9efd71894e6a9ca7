import { setFlagsFromString } from 'node:v8';

/**
 * V8 settings for the tracker's allocation pattern, applied by `erp-delta run` at start-up. Each
 * fetched batch makes many short-lived objects (decoded envelopes, normalized values) that live
 * until the batch's transaction commits, then die together. With a young generation big enough
 * for them to die young (bin/erp-delta.js sets it: V8 reads that one only when it starts), the
 * old generation holds little that lives long (about 40 MB), but V8 lets it grow to a multiple of
 * that before a full collection: that is where the resident memory went (400-480 MB in the bench).
 * Growing it by 15 % at a time keeps the process under 300 MB at no measurable cost (bench: 30 %
 * peaked at 281-305 MB, 15 % at 279-285 MB, both at 45-52k events/s).
 *
 * V8 reads this flag whenever it sizes the old generation, so setting it at run time works. A
 * value the operator gave on the command line (`node --heap-growing-percent=N bin/erp-delta.js
 * run`; Node does not take it in NODE_OPTIONS) wins.
 */
const TRACKER_HEAP_FLAGS: Readonly<Record<string, string>> = {
  '--heap-growing-percent': '15',
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
