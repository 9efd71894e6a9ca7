import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countSnapshotReads, entityCompareProgress, SnapshotReadCounter } from '../../../src/refresh/compare-progress.js';
import { RefreshBoard } from '../../../src/refresh/refresh-board.js';
import type { RefreshProgress, RefreshRequest } from '../../../src/refresh/refresh-record.js';
import { compareBar, describeEntityCompare, latestCompare, refreshStatus } from '../../../src/refresh/refresh-status.js';
import type { KeyedRecord } from '../../../src/model/keyed-record.js';
import type { Delta, DeltaReason } from '../../../src/model/delta.js';
import type { SourceOp } from '../../../src/model/source-change.js';

const topic = 'erp.public.products';

function change(offset: number, op: SourceOp): KeyedRecord {
  const record = { position: { topic, partition: 0, offset }, raw: { key: null, value: null }, decoded: new Error('unused') };
  return {
    kind: 'change',
    key: `P${offset}`,
    record: record as unknown as Extract<KeyedRecord, { kind: 'change' }>['record'],
    change: {
      kind: 'change',
      op,
      key: { code: `P${offset}` },
      before: null,
      after: { code: `P${offset}` },
      sourceTsMs: 1,
      position: undefined,
      ...(op === 'r' ? { snapshot: 'incremental' as const } : {}),
    },
  };
}

function delta(offset: number, reason: DeltaReason = 'CHANGE'): Delta {
  return {
    op: 'UPSERT',
    reason,
    changedFields: ['unitPrice'],
    key: `P${offset}`,
    data: {},
    source: { topic, partition: 0, offset, tsMs: 1, connector: null, position: null, epoch: 0 },
    emittedAtMs: 1,
  };
}

describe("a full compare's count of snapshot rows", () => {
  it('counts the op r rows from the window start on, and the CHANGE deltas they made, not those of live changes', () => {
    const keyed = [change(9, 'r'), change(10, 'r'), change(11, 'u'), change(12, 'r'), change(13, 'r'), { kind: 'tombstone', key: 'P14', record: change(14, 'd').record } as KeyedRecord];
    assert.deepEqual(countSnapshotReads(keyed, [delta(9), delta(11), delta(12), delta(13, 'ASSIGNMENT')], 10), { compared: 3, changed: 1 });
    assert.deepEqual(countSnapshotReads(keyed, [], 0), { compared: 4, changed: 0 });
  });

  it("adds batches up, goes on from an earlier run's count, and knows when its first row came", () => {
    const counter = new SnapshotReadCounter('c1', 0, { compared: 5, changed: 1, firstAtMs: undefined });
    counter.add([change(1, 'u')], [delta(1)], 1_000);
    assert.equal(counter.firstAtMs, undefined, 'a live change is no snapshot row');
    counter.add([change(2, 'r'), change(3, 'r')], [delta(3)], 2_000);
    counter.add([change(4, 'r')], [], 3_000);
    assert.deepEqual({ compared: counter.compared, changed: counter.changed, firstAtMs: counter.firstAtMs }, { compared: 8, changed: 2, firstAtMs: 2_000 });
  });
});

describe("a full compare's progress per entity", () => {
  const base = { compared: 300, changed: 2, deleted: 0, estimate: 1_000, snapshotThrough: false, done: false, firstAtMs: 10_000, untilMs: 13_000 };

  it('measures rows compared against the estimate, with the rate since the first row and the ETA at that rate', () => {
    assert.deepEqual(entityCompareProgress(base), { phase: 'snapshot', compared: 300, estimate: 1_000, percent: 30, changed: 2, deleted: 0, rowsPerSecond: 100, etaSeconds: 7 });
  });

  it('caps the percentage at 99 while an estimate that was too low is passed, with no ETA, and shows 100 once done', () => {
    const passed = entityCompareProgress({ ...base, compared: 1_200 });
    assert.equal(passed.percent, 99);
    assert.equal(passed.etaSeconds, null);
    assert.equal(entityCompareProgress({ ...base, compared: 1_000, snapshotThrough: true }).percent, 99, 'through, but the sweep is not done');
    const done = entityCompareProgress({ ...base, compared: 1_200, snapshotThrough: true, done: true, deleted: 3 });
    assert.deepEqual([done.phase, done.percent, done.etaSeconds, done.deleted], ['done', 100, 0, 3]);
    assert.equal(entityCompareProgress({ ...base, estimate: 0, compared: 4 }).percent, 99, 'an empty table by the estimate');
  });

  it('has no ETA while the rate is 0, nor in the sweep, and says why there is no estimate', () => {
    const waiting = entityCompareProgress({ ...base, compared: 0, firstAtMs: undefined });
    assert.deepEqual([waiting.rowsPerSecond, waiting.etaSeconds, waiting.percent], [0, null, 0]);
    assert.equal(entityCompareProgress({ ...base, untilMs: 10_200 }).etaSeconds, null, 'a rate over less than a second is not one');
    assert.deepEqual([entityCompareProgress({ ...base, snapshotThrough: true }).phase, entityCompareProgress({ ...base, snapshotThrough: true }).etaSeconds], ['sweep', null]);
    const unknown = entityCompareProgress({ ...base, estimate: undefined, estimateUnknown: 'the ERP database cannot be read: ECONNREFUSED' });
    assert.deepEqual([unknown.estimate, unknown.percent, unknown.etaSeconds, unknown.estimateUnknown], [null, null, null, 'the ERP database cannot be read: ECONNREFUSED']);
    assert.match(describeEntityCompare(unknown), /^300 rows compared \(estimate unknown: the ERP database cannot be read: ECONNREFUSED\), 2 changed, 0 deleted, 100 rows\/s$/);
  });
});

describe('refresh status of a full compare', () => {
  const request: RefreshRequest = {
    id: 'c1',
    kind: 'compare',
    groupId: 'g',
    entities: ['products'],
    trigger: 'cli',
    requestedAtMs: 1_000,
    starts: { [topic]: { 0: 50, 1: 20 } },
    ends: { [topic]: { 0: 50, 1: 20 } },
    status: 'running',
    estimates: { [topic]: 400 },
  };
  function progress(partition: number, compared: number, changed: number, more: Partial<RefreshProgress> = {}): RefreshProgress {
    return {
      id: 'c1',
      groupId: 'g',
      topic,
      partition,
      replayed: 0,
      total: 0,
      emitted: 0,
      reconciled: 0,
      startedAtMs: 1_000,
      updatedAtMs: 5_000,
      done: false,
      compared,
      changed,
      comparedSinceMs: 2_000,
      ...more,
    };
  }

  it("sums the tasks' rows compared against the table's estimate, then shows the sweep and the deletes", () => {
    const board = new RefreshBoard('g');
    board.apply({ kind: 'request', request });
    board.apply({ kind: 'progress', progress: progress(0, 100, 1) });
    board.apply({ kind: 'progress', progress: progress(1, 60, 0, { comparedSinceMs: 3_000 }) });
    const running = refreshStatus(board, undefined, 6_000).running;
    assert.equal(running?.kind, 'compare');
    assert.deepEqual(running?.entities[0]?.compare, { phase: 'snapshot', compared: 160, estimate: 400, percent: 40, changed: 1, deleted: 0, rowsPerSecond: 40, etaSeconds: 6 });
    assert.deepEqual(compareBar(running as NonNullable<typeof running>), { ratio: 0.4, text: '160/400 rows compared, 1 changed, 0 deleted, 40 rows/s, ETA 6 s' });
    assert.match(
      describeEntityCompare(running?.entities[0]?.compare as NonNullable<NonNullable<typeof running>['entities'][0]['compare']>),
      /^160\/400 rows compared \(40%\), 1 changed, 0 deleted, 40 rows\/s, ETA 6 s$/,
    );

    board.apply({ kind: 'snapshot-end', end: { id: 'c1', groupId: 'g', topic, ends: { 0: 260, 1: 230 }, atMs: 8_000 } });
    board.apply({ kind: 'progress', progress: progress(0, 210, 1, { replayed: 210, total: 210, reconciled: 2 }) });
    board.apply({ kind: 'progress', progress: progress(1, 200, 1, { replayed: 100, total: 210, comparedSinceMs: 3_000 }) });
    const sweeping = refreshStatus(board, undefined, 20_000).running;
    assert.deepEqual(sweeping?.entities[0]?.compare, { phase: 'sweep', compared: 410, estimate: 400, percent: 99, changed: 2, deleted: 2, rowsPerSecond: 68, etaSeconds: null });
    assert.equal(compareBar(sweeping as NonNullable<typeof sweeping>).text, 'snapshot through (410 rows compared, 2 changed): 310/420 keys marked, 2 deleted');

    board.apply({ kind: 'progress', progress: progress(0, 210, 1, { replayed: 210, total: 210, reconciled: 2, done: true }) });
    board.apply({ kind: 'progress', progress: progress(1, 200, 1, { replayed: 210, total: 210, reconciled: 1, done: true, comparedSinceMs: 3_000 }) });
    board.apply({ kind: 'request', request: { ...request, status: 'completed', completedAtMs: 30_000 } });
    const last = refreshStatus(board, undefined, 40_000).last;
    assert.deepEqual(last?.totals, { replayed: 420, total: 420, emitted: 0, reconciled: 3, compared: 410, changed: 2 });
    assert.deepEqual([last?.entities[0]?.compare?.percent, last?.entities[0]?.compare?.etaSeconds, last?.entities[0]?.compare?.rowsPerSecond], [100, 0, 68]);
    assert.equal(latestCompare(board, undefined, 40_000)?.id, 'c1', 'the metrics show the last compare once it completed');
  });

  it('reads requests and progress written before the estimates and counts existed', () => {
    const board = new RefreshBoard('g');
    const { estimates: _estimates, ...old } = request;
    board.apply({ kind: 'request', request: old });
    board.apply({ kind: 'progress', progress: { id: 'c1', groupId: 'g', topic, partition: 0, replayed: 0, total: 0, emitted: 0, reconciled: 0, startedAtMs: 1_000, updatedAtMs: 2_000, done: false } });
    const compare = refreshStatus(board, undefined, 3_000).running?.entities[0]?.compare;
    assert.deepEqual([compare?.compared, compare?.estimate, compare?.percent, compare?.etaSeconds], [0, null, null, null]);
    assert.equal(
      compareBar(refreshStatus(board, undefined, 3_000).running as NonNullable<ReturnType<typeof refreshStatus>['running']>).text,
      '0 rows compared (estimate unknown), 0 changed, 0 deleted, 0 rows/s',
    );
  });

  it("leaves a replay's summary as it was: no compare numbers", () => {
    const board = new RefreshBoard('g');
    board.apply({ kind: 'request', request: { ...request, id: 'r1', kind: 'replay', starts: { [topic]: { 0: 0 } }, ends: { [topic]: { 0: 10 } }, estimates: undefined } });
    const running = refreshStatus(board, undefined, 3_000).running;
    assert.equal(running?.entities[0]?.compare, undefined);
    assert.deepEqual(running?.totals, { replayed: 0, total: 10, emitted: 0, reconciled: 0 });
    assert.equal(latestCompare(board, undefined, 3_000), undefined);
  });
});
