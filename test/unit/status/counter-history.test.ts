import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CounterHistory, type EntityCounters } from '../../../src/status/counter-history.js';

function counters(seen: number, emitted: number, extra: Partial<EntityCounters> = {}): EntityCounters {
  return { seen, suppressed: seen - emitted, deadLettered: 0, emitted: { CHANGE: emitted, ASSIGNMENT: 0, REFRESH: 0, RECONCILE: 0 }, ...extra };
}

describe('counter history (status page charts)', () => {
  it('turns counter samples into per-minute rates between them', () => {
    const history = new CounterHistory();
    history.record(0, { customers: counters(0, 0) });
    history.record(30_000, { customers: counters(600, 30) });
    history.record(60_000, { customers: counters(900, 30) });
    assert.deepEqual(history.rates().customers, [
      { atMs: 30_000, seen: 1_200, suppressed: 1_140, emitted: 60, deadLettered: 0 },
      { atMs: 60_000, seen: 600, suppressed: 600, emitted: 0, deadLettered: 0 },
    ]);
  });

  it('adds a live point from the current counters, so the chart moves between samples', () => {
    const history = new CounterHistory();
    history.record(0, { customers: counters(0, 0) });
    const rates = history.rates({ atMs: 6_000, counters: { customers: counters(100, 10) } }).customers;
    assert.deepEqual(rates, [{ atMs: 6_000, seen: 1_000, suppressed: 900, emitted: 100, deadLettered: 0 }]);
  });

  it('counts every reason in emitted, and an entity first seen later from zero', () => {
    const history = new CounterHistory();
    history.record(0, {});
    history.record(60_000, { stock_levels: { seen: 5, suppressed: 0, deadLettered: 1, emitted: { CHANGE: 1, ASSIGNMENT: 2, REFRESH: 3, RECONCILE: 4 } } });
    assert.deepEqual(history.rates().stock_levels, [{ atMs: 60_000, seen: 5, suppressed: 0, emitted: 10, deadLettered: 1 }]);
  });

  it('keeps one hour: older samples are dropped, the one that starts the window stays', () => {
    const history = new CounterHistory(60 * 60 * 1000);
    for (let minute = 0; minute <= 180; minute += 1) history.record(minute * 60_000, { customers: counters(minute * 10, minute) });
    const rates = history.rates().customers ?? [];
    assert.equal(rates.length, 60);
    assert.equal(rates[0]?.atMs, 121 * 60_000);
    assert.ok(rates.every((point) => point.seen === 10 && point.emitted === 1));
  });

  it('ignores a sample that is not later than the last one', () => {
    const history = new CounterHistory();
    history.record(10_000, { customers: counters(10, 1) });
    history.record(10_000, { customers: counters(99, 9) });
    history.record(5_000, { customers: counters(99, 9) });
    assert.deepEqual(history.rates(), {});
  });
});
