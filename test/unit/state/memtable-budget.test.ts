import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CONFIG_DEFAULTS } from '../../../src/config/tracker-config.js';
import { memtableBytesPerTask, MIN_MEMTABLE_BYTES, type MemtableBudget } from '../../../src/state/memtable-budget.js';

const MiB = 1024 * 1024;
/** The config's defaults. */
const DEFAULT: MemtableBudget = { budgetBytes: CONFIG_DEFAULTS.stateStore.writeBufferBudgetBytes, maxBytesPerStore: CONFIG_DEFAULTS.stateStore.writeBufferBytes };

describe('memtableBytesPerTask', () => {
  it('gives the few tasks of a small instance 8 MiB each', () => {
    assert.equal(memtableBytesPerTask(1, DEFAULT), 8 * MiB);
    assert.equal(memtableBytesPerTask(3, DEFAULT), 8 * MiB);
  });

  it('shares the budget among more tasks, so that their write buffers together stay within it', () => {
    assert.equal(DEFAULT.budgetBytes, 24 * MiB);
    assert.equal(memtableBytesPerTask(6, DEFAULT), 4 * MiB);
    for (let tasks = 3; tasks <= 12; tasks += 1) {
      assert.ok(tasks * memtableBytesPerTask(tasks, DEFAULT) <= DEFAULT.budgetBytes, `${tasks} tasks: ${memtableBytesPerTask(tasks, DEFAULT)} bytes each`);
    }
  });

  it('never goes below 2 MiB, however many tasks', () => {
    assert.equal(memtableBytesPerTask(13, DEFAULT), MIN_MEMTABLE_BYTES);
    assert.equal(memtableBytesPerTask(500, DEFAULT), MIN_MEMTABLE_BYTES);
    assert.equal(memtableBytesPerTask(0, DEFAULT), 8 * MiB);
  });

  it('takes a configured budget and maximum', () => {
    const large: MemtableBudget = { budgetBytes: 64 * MiB, maxBytesPerStore: 16 * MiB };
    assert.equal(memtableBytesPerTask(2, large), 16 * MiB);
    assert.equal(memtableBytesPerTask(8, large), 8 * MiB);
    // A maximum below the floor wins: it is what the operator asked each store to stay within.
    assert.equal(memtableBytesPerTask(1, { budgetBytes: 24 * MiB, maxBytesPerStore: MiB }), MiB);
  });
});
