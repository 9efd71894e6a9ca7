import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tuneHeapForTracker } from '../../../src/tracker/heap-tuning.js';

describe('heap tuning of `erp-delta run`', () => {
  it("sets the old generation's growth unless the operator gave it on the command line", () => {
    assert.deepEqual(tuneHeapForTracker([]), ['--heap-growing-percent=100']);
    assert.deepEqual(tuneHeapForTracker(['--heap-growing-percent=40']), []);
    assert.deepEqual(tuneHeapForTracker(['--heap_growing_percent=40']), [], 'V8 takes either spelling');
    assert.deepEqual(tuneHeapForTracker(['--max-semi-space-size=64']), ['--heap-growing-percent=100'], 'other flags leave it to us');
  });

  it('the bin starts Node with the young generation and malloc arenas it documents', () => {
    // What the process sees, printed before the CLI loads, by a module Node imports first. It reports
    // once the bin's own code has run: the launcher may first replace the process with one that has
    // the settings (process.execve), and only the process that runs the CLI reaches the report.
    const report = 'setImmediate(() => { process.stdout.write(JSON.stringify({ arenas: process.env.MALLOC_ARENA_MAX ?? null, execArgv: process.execArgv })); process.exit(0); });';
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: `--import=data:text/javascript,${encodeURIComponent(report)}` };
    delete env['MALLOC_ARENA_MAX'];
    const seen = JSON.parse(execFileSync(join(import.meta.dirname, '..', '..', '..', 'bin', 'erp-delta.js'), ['--version'], { env, encoding: 'utf8' })) as unknown;
    assert.deepEqual(seen, { arenas: '2', execArgv: ['--max-semi-space-size=32'] });
  });
});
