import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RefreshBoard } from '../../../src/refresh/refresh-board.js';
import type { RefreshProgress, RefreshRequest } from '../../../src/refresh/refresh-record.js';
import { refreshStatus, replayProgress } from '../../../src/refresh/refresh-status.js';

const topic = 'bench.public.items';
const request: RefreshRequest = {
  id: 'r1',
  groupId: 'g',
  kind: 'replay',
  entities: ['items'],
  trigger: 'cli',
  requestedAtMs: 1_000,
  starts: { [topic]: { 0: 0, 1: 0 } },
  ends: { [topic]: { 0: 100, 1: 100 } },
  status: 'running',
};

function progress(partition: number, more: Partial<RefreshProgress>): RefreshProgress {
  return { id: 'r1', groupId: 'g', topic, partition, replayed: 0, total: 100, emitted: 0, reconciled: 0, startedAtMs: 1_000, updatedAtMs: 2_000, done: false, ...more };
}

describe("a replay's progress", () => {
  it('shows the reconcile after the replay: loaded keys checked, and not 100 % until it completed', () => {
    const board = new RefreshBoard('g');
    board.apply({ kind: 'request', request });
    board.apply({ kind: 'progress', progress: progress(0, { replayed: 60, emitted: 50 }) });
    board.apply({ kind: 'progress', progress: progress(1, { replayed: 40, emitted: 30 }) });
    const replaying = refreshStatus(board, undefined, 3_000).running;
    assert.ok(replaying);
    assert.equal(replaying.totals.reconcileChecked, undefined, 'no reconcile before a range is replayed');
    assert.deepEqual(replayProgress(replaying.totals, false), { ratio: 0.5, text: '100/200 replayed, 80 emitted' });

    board.apply({ kind: 'progress', progress: progress(0, { replayed: 100, emitted: 90, reconcileChecked: 4_000, reconciled: 3 }) });
    board.apply({ kind: 'progress', progress: progress(1, { replayed: 100, emitted: 85, reconcileChecked: 0 }) });
    const reconciling = refreshStatus(board, undefined, 4_000).running;
    assert.ok(reconciling);
    assert.equal(reconciling.entities[0]?.reconcileChecked, 4_000);
    assert.deepEqual(replayProgress(reconciling.totals, false), { ratio: 0.999, text: '200/200 replayed, 175 emitted; reconciling: 4000 loaded keys checked, 3 deleted' });

    board.apply({ kind: 'progress', progress: progress(0, { replayed: 100, emitted: 90, reconcileChecked: 9_000, reconciled: 3, done: true }) });
    board.apply({ kind: 'progress', progress: progress(1, { replayed: 100, emitted: 85, reconcileChecked: 8_000, done: true }) });
    board.apply({ kind: 'request', request: { ...request, status: 'completed', completedAtMs: 9_000 } });
    const last = refreshStatus(board, undefined, 10_000).last;
    assert.ok(last);
    assert.deepEqual(replayProgress(last.totals, true), { ratio: 1, text: '200/200 replayed, 175 emitted' });
  });

  it('reads progress written before the reconcile was counted', () => {
    const board = new RefreshBoard('g');
    board.apply({ kind: 'request', request });
    board.apply({ kind: 'progress', progress: progress(0, { replayed: 100, done: true }) });
    board.apply({ kind: 'progress', progress: progress(1, { replayed: 100, done: true }) });
    const running = refreshStatus(board, undefined, 3_000).running;
    assert.ok(running);
    assert.deepEqual(replayProgress(running.totals, false), { ratio: 0.999, text: '200/200 replayed, 0 emitted' });
  });
});
