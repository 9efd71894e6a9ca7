/**
 * Issue 23: a restore's progress, for its log lines and metrics: records applied, offsets left,
 * records per second (overall and lately) and the time left.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RestoreProgress } from '../../../src/tracker/restore-progress.js';

const P0 = { id: 'erp-delta.customers-0', entity: 'customers', partition: 0, from: 0n, end: 100_000n };
const P1 = { id: 'erp-delta.customers-1', entity: 'customers', partition: 1, from: 40_000n, end: 50_000n };

describe('restore progress', () => {
  it('counts records and offsets read per partition, and the rate in records per second', () => {
    const progress = new RestoreProgress([P0, P1], 1_000);
    const start = progress.report(1_000);
    assert.deepEqual(start, { records: 0, elapsedMs: 0, recordsPerSecond: 0, recentRecordsPerSecond: 0, offsetsRead: 0, offsetsLeft: 110_000, ratio: 0, partitionsLeft: 2, etaMs: undefined });

    // 10 s in: partition 1 read whole (its markers too), partition 0 a fifth.
    progress.applied(P0.id, 19_000, 20_000n);
    progress.applied(P1.id, 9_500, 49_990n);
    progress.advance(P1.id, 50_000n);
    const early = progress.report(11_000);
    assert.equal(early.records, 28_500);
    assert.equal(early.recordsPerSecond, 2_850);
    assert.equal(early.recentRecordsPerSecond, 2_850);
    assert.equal(early.offsetsRead, 30_000);
    assert.equal(early.offsetsLeft, 80_000);
    assert.equal(progress.offsetsLeft(P1.id), 0);
    assert.equal(progress.offsetsLeft(P0.id), 80_000);
    assert.equal(early.partitionsLeft, 1);
    assert.ok(Math.abs(early.ratio - 30_000 / 110_000) < 1e-9);
    // 3,000 offsets a second lately: 80,000 left take about 26.7 s.
    assert.equal(early.etaMs, 26_667);

    // The next 10 s go faster: the recent rate says so, the overall one less.
    progress.applied(P0.id, 50_000, 70_000n);
    const later = progress.report(21_000);
    assert.equal(later.recentRecordsPerSecond, 5_000);
    assert.equal(later.recordsPerSecond, Math.round((78_500 * 1000) / 20_000));
    assert.equal(later.etaMs, 6_000);
  });

  it('estimates from the overall pace when nothing was read lately, and says 0 left once done', () => {
    const progress = new RestoreProgress([P0], 0);
    progress.applied(P0.id, 50_000, 50_000n);
    progress.report(10_000);
    const stalled = progress.report(20_000);
    assert.equal(stalled.recentRecordsPerSecond, 0);
    assert.equal(stalled.etaMs, 20_000, '50,000 offsets in 20 s, 2,500 a second: the 50,000 left take 20 s');
    progress.applied(P0.id, 50_000, 100_000n);
    const done = progress.report(30_000);
    assert.equal(done.offsetsLeft, 0);
    assert.equal(done.ratio, 1);
    assert.equal(done.partitionsLeft, 0);
    assert.equal(done.etaMs, 0);
  });

  it('never goes back: a position behind the one known, or a partition not restored, changes nothing', () => {
    const progress = new RestoreProgress([P1], 0);
    progress.advance(P1.id, 45_000n);
    progress.advance(P1.id, 41_000n);
    progress.advance('erp-delta.products-0', 9_000n);
    assert.equal(progress.offsetsLeft(P1.id), 5_000);
    assert.equal(progress.offsetsLeft('erp-delta.products-0'), 0);
    const report = progress.report(1_000, false);
    assert.equal(report.offsetsLeft, 5_000);
    assert.equal(progress.report(2_000).recentRecordsPerSecond, 0, 'a report not marked is not the base of the next');
  });

  it('counts a restore with nothing to read as done', () => {
    const progress = new RestoreProgress([{ ...P0, from: 10n, end: 10n }], 0);
    assert.deepEqual(progress.report(0), { records: 0, elapsedMs: 0, recordsPerSecond: 0, recentRecordsPerSecond: 0, offsetsRead: 0, offsetsLeft: 0, ratio: 1, partitionsLeft: 0, etaMs: 0 });
  });
});
