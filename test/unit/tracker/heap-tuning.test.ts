import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tuneHeapForTracker } from '../../../src/tracker/heap-tuning.js';

describe('heap tuning of `erp-delta run`', () => {
  it('sets the old generation\'s growth unless the operator gave it on the command line', () => {
    assert.deepEqual(tuneHeapForTracker([]), ['--heap-growing-percent=100']);
    assert.deepEqual(tuneHeapForTracker(['--heap-growing-percent=40']), []);
    assert.deepEqual(tuneHeapForTracker(['--heap_growing_percent=40']), [], 'V8 takes either spelling');
    assert.deepEqual(tuneHeapForTracker(['--max-semi-space-size=64']), ['--heap-growing-percent=100'], 'other flags leave it to us');
  });
});
