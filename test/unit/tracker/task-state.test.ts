import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isErpDeltaError } from '../../../src/errors/erp-delta-error.js';
import { isAllowedTransition, nextTaskState, pathToClosed, restoreStart, TASK_STATES, type TaskState } from '../../../src/tracker/task-state.js';

/** Kafka Streams' Task.State transitions, written out: the table in task-state.ts must say the same. */
const ALLOWED: ReadonlyArray<[TaskState, TaskState]> = [
  ['CREATED', 'RESTORING'],
  ['CREATED', 'SUSPENDED'],
  ['RESTORING', 'RUNNING'],
  ['RESTORING', 'SUSPENDED'],
  ['RUNNING', 'SUSPENDED'],
  ['SUSPENDED', 'RESTORING'],
  ['SUSPENDED', 'CLOSED'],
  ['CLOSED', 'CREATED'],
];

describe('task states', () => {
  it("allows exactly the transitions of Kafka Streams' Task.State", () => {
    for (const from of TASK_STATES) {
      for (const to of TASK_STATES) {
        const allowed = ALLOWED.some(([a, b]) => a === from && b === to);
        assert.equal(isAllowedTransition(from, to), allowed, `${from} → ${to}`);
        if (allowed) assert.equal(nextTaskState('erp.public.customers-0', from, to), to);
      }
    }
  });

  it('refuses every other transition with ILLEGAL_TASK_TRANSITION, naming the task and both states', () => {
    let refused = 0;
    for (const from of TASK_STATES) {
      for (const to of TASK_STATES) {
        if (isAllowedTransition(from, to)) continue;
        refused += 1;
        assert.throws(
          () => nextTaskState('erp.public.customers-3', from, to),
          (error: unknown) => {
            assert.ok(isErpDeltaError(error, 'ILLEGAL_TASK_TRANSITION'), String(error));
            assert.equal(error.retriable, false);
            assert.match(error.message, /erp\.public\.customers-3/);
            assert.ok(error.message.includes(`from ${from} to ${to}`), error.message);
            return true;
          },
        );
      }
    }
    // 25 pairs, 8 allowed: a running task cannot skip to CLOSED, nor a closed one come back to life but through CREATED.
    assert.equal(refused, 17);
    assert.throws(() => nextTaskState('t-0', 'RUNNING', 'CLOSED'), { code: 'ILLEGAL_TASK_TRANSITION' });
    assert.throws(() => nextTaskState('t-0', 'CLOSED', 'RUNNING'), { code: 'ILLEGAL_TASK_TRANSITION' });
    assert.throws(() => nextTaskState('t-0', 'CREATED', 'RUNNING'), { code: 'ILLEGAL_TASK_TRANSITION' }, 'a task runs only once restored');
  });

  it('closes from every state through SUSPENDED, each step an allowed one', () => {
    for (const from of TASK_STATES) {
      const path = pathToClosed(from);
      let state = from;
      for (const to of path) state = nextTaskState('t-0', state, to);
      assert.equal(state, 'CLOSED', `from ${from}`);
      if (from !== 'CLOSED' && from !== 'SUSPENDED') assert.deepEqual(path, ['SUSPENDED', 'CLOSED']);
    }
    assert.deepEqual(pathToClosed('CLOSED'), [], 'closing a closed task does nothing');
  });
});

describe('where a restore starts', () => {
  it('reads nothing when the store is caught up: the changelog ends with the commit marker of its last transaction', () => {
    assert.deepEqual(restoreStart({ checkpoint: '0', end: '0' }), { kind: 'caught-up' });
    assert.deepEqual(restoreStart({ checkpoint: '41', end: '42' }), { kind: 'caught-up' });
    assert.deepEqual(restoreStart({ checkpoint: '42', end: '42' }), { kind: 'caught-up' });
  });

  it('reads from the checkpoint when the changelog has more', () => {
    assert.deepEqual(restoreStart({ checkpoint: '0', end: '2' }), { kind: 'from', offset: '0' });
    assert.deepEqual(restoreStart({ checkpoint: '41', end: '50' }), { kind: 'from', offset: '41' });
    assert.deepEqual(restoreStart({ checkpoint: '9007199254740993', end: '9007199254740999' }), { kind: 'from', offset: '9007199254740993' }, 'offsets past 2^53 compare exactly');
  });

  it("finds a checkpoint past the changelog's end: the store holds deltas the changelog no longer has", () => {
    assert.deepEqual(restoreStart({ checkpoint: '43', end: '42' }), { kind: 'past-end' });
    assert.deepEqual(restoreStart({ checkpoint: '120', end: '0' }), { kind: 'past-end' });
  });
});
