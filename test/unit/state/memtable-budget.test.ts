import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MEMTABLE_BUDGET_BYTES, memtableBytesPerTask, MIN_MEMTABLE_BYTES } from '../../../src/state/memtable-budget.js';

const MiB = 1024 * 1024;

describe('memtableBytesPerTask', () => {
  it('gives the few tasks of a small instance 8 MiB each', () => {
    assert.equal(memtableBytesPerTask(1), 8 * MiB);
    assert.equal(memtableBytesPerTask(3), 8 * MiB);
  });

  it('shares the budget among more tasks, so that their write buffers together stay within it', () => {
    assert.equal(memtableBytesPerTask(6), 4 * MiB);
    for (let tasks = 3; tasks <= 12; tasks += 1) {
      assert.ok(tasks * memtableBytesPerTask(tasks) <= MEMTABLE_BUDGET_BYTES, `${tasks} tasks: ${memtableBytesPerTask(tasks)} bytes each`);
    }
  });

  it('never goes below 2 MiB, however many tasks', () => {
    assert.equal(memtableBytesPerTask(13), MIN_MEMTABLE_BYTES);
    assert.equal(memtableBytesPerTask(500), MIN_MEMTABLE_BYTES);
    assert.equal(memtableBytesPerTask(0), 8 * MiB);
  });
});
