import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../../src/config/load-config.js';
import { nextScheduledRun, scheduledRuns } from '../../../src/refresh/scheduled-runs.js';

const shipped = loadConfig();
const due = new Date('2026-12-06T22:00:00Z');

function withSchedule(schedule: Partial<NonNullable<typeof shipped.refresh.schedule>>) {
  return { ...shipped, refresh: { ...shipped.refresh, schedule: { cron: '0 22 * * 0', timeZone: 'UTC', kinds: ['replay' as const], entities: {}, ...schedule } } };
}

describe('scheduled runs', () => {
  it('runs a replay of every entity by default, under the id it always had', () => {
    assert.deepEqual(scheduledRuns(withSchedule({}), due), [{ kind: 'replay', entities: ['customers', 'products', 'stock_levels'], id: 'scheduled-20261206T2200' }]);
  });

  it('runs both for the shipped config: the weekly run also finds what capture missed', () => {
    assert.deepEqual(
      scheduledRuns(shipped, due).map((run) => run.kind),
      ['replay', 'compare'],
    );
  });

  it('runs both in order, each for the entities whose kinds include it', () => {
    const runs = scheduledRuns(withSchedule({ kinds: ['replay', 'compare'], entities: { stock_levels: ['compare'] } }), due);
    assert.deepEqual(
      runs.map((run) => [run.kind, run.entities, run.id]),
      [
        ['replay', ['customers', 'products'], 'scheduled-20261206T2200'],
        ['compare', ['customers', 'products', 'stock_levels'], 'scheduled-20261206T2200-compare'],
      ],
    );
    assert.equal(nextScheduledRun(runs, 'scheduled-20261206T2200')?.kind, 'compare');
    assert.equal(nextScheduledRun(runs, 'scheduled-20261206T2200-compare'), undefined);
  });

  it('leaves out an entity whose kinds are empty, and a kind no entity has', () => {
    assert.deepEqual(
      scheduledRuns(withSchedule({ kinds: ['compare'], entities: { customers: [], stock_levels: [] } }), due).map((run) => [run.kind, run.entities]),
      [['compare', ['products']]],
    );
  });

  it('runs nothing without a schedule', () => {
    assert.deepEqual(scheduledRuns({ ...shipped, refresh: { ...shipped.refresh, schedule: null } }, due), []);
  });
});
