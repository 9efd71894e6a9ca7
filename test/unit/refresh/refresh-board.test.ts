import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RefreshBoard } from '../../../src/refresh/refresh-board.js';
import type { RefreshProgress, RefreshRequest } from '../../../src/refresh/refresh-record.js';
import { refreshStatus } from '../../../src/refresh/refresh-status.js';
import { RatePacer } from '../../../src/refresh/refresh-throttle.js';

function request(id: string, overrides: Partial<RefreshRequest> = {}): RefreshRequest {
  return {
    id,
    groupId: 'g',
    entities: ['products'],
    trigger: 'cli',
    requestedAtMs: 1_000,
    starts: { 'erp.public.products': { 0: 0, 1: 10 } },
    ends: { 'erp.public.products': { 0: 100, 1: 60 } },
    status: 'running',
    ...overrides,
  };
}

function progress(partition: number, replayed: number, done = false): RefreshProgress {
  return { id: 'r1', groupId: 'g', topic: 'erp.public.products', partition, replayed, total: 0, emitted: replayed, reconciled: 0, startedAtMs: 1_000, updatedAtMs: 2_000, done };
}

describe('refresh board and status', () => {
  it("knows the running refresh, ignores other groups' and keeps the first request of an id", () => {
    const board = new RefreshBoard('g');
    board.apply({ kind: 'request', request: request('other', { groupId: 'h' }) });
    assert.equal(board.running(), undefined);
    board.apply({ kind: 'request', request: request('r1') });
    board.apply({ kind: 'request', request: request('r1', { ends: { 'erp.public.products': { 0: 999 } } }) });
    assert.equal(board.running()?.ends['erp.public.products']?.['0'], 100);
  });

  it('is done when every partition reported done, and the status sums per entity with rate and ETA', () => {
    const board = new RefreshBoard('g');
    board.apply({ kind: 'request', request: request('r1') });
    board.apply({ kind: 'progress', progress: progress(0, 50) });
    const running = board.running() as RefreshRequest;
    assert.equal(board.isDone(running), false);
    const status = refreshStatus(board, undefined, 11_000);
    assert.deepEqual(status.running?.entities, [{ entity: 'products', replayed: 50, total: 150, emitted: 50, reconciled: 0, recordsPerSecond: 5, etaSeconds: 20, done: false }]);

    board.apply({ kind: 'progress', progress: progress(0, 100, true) });
    board.apply({ kind: 'progress', progress: progress(1, 50, true) });
    assert.equal(board.isDone(running), true);
    board.apply({ kind: 'request', request: { ...running, status: 'completed', completedAtMs: 21_000 } });
    const after = refreshStatus(board, undefined, 30_000);
    assert.equal(after.running, undefined);
    assert.equal(after.last?.completedAt, new Date(21_000).toISOString());
    assert.deepEqual(after.last?.totals, { replayed: 150, total: 150, emitted: 150, reconciled: 0 });
  });
});

describe('refresh pacing', () => {
  it('spreads records so that the rate from the first to the last stays within the bound', async () => {
    const pacer = new RatePacer(200);
    assert.equal(pacer.pageSize(500), 40, 'a fifth of a second per page');
    const started = Date.now();
    for (let page = 0; page < 5; page += 1) await pacer.take(40);
    const seconds = (Date.now() - started) / 1000;
    assert.ok(seconds >= 0.95, `200 records at 200/s took ${seconds} s`);
  });
});
