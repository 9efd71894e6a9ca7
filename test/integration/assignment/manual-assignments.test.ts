/**
 * Issue 4, manual assignments (`assignment.respectManual`), on the real stack: a customer assigned
 * by hand with `erp-delta assign --customer`, and what a later mapping change does to it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type pg from 'pg';
import { uniqueCode, useCaughtUpTracker, waitUntil, type CaughtUpTracker, type DeltaRecord } from '../../support/tracker-harness.js';

/** The customers CDC topic has 3 partitions: one task each, all on the one instance here. */
const CUSTOMER_TASKS = 3;

async function insertCustomers(fixture: CaughtUpTracker, rep: string, codes: readonly string[]): Promise<void> {
  for (const code of codes) {
    await (fixture.db as pg.Client).query('INSERT INTO customers (code, name, address, city, sales_rep_code, credit_limit) VALUES ($1, $2, $3, $4, $5, $6)', [
      code,
      `Customer ${code}`,
      '2 Short Street',
      'Durban',
      rep,
      '10.00',
    ]);
  }
  for (const code of codes) await fixture.cdc.waitForEvents('customers', code, 1);
  await fixture.test.waitCaughtUp();
}

/** Runs an assignment command, waits for `settled` log lines from it on, returns the users the customers got meanwhile. */
async function run(fixture: CaughtUpTracker, args: readonly string[], settled: (line: Record<string, unknown>) => boolean): Promise<Array<[string, unknown]>> {
  const before = await fixture.test.readDeltas(['customers']);
  const from = fixture.tracker.lines.length;
  const result = await fixture.test.cli(args);
  assert.equal(result.code, 0, result.stderr);
  await waitUntil(
    `the tracker to handle ${args.join(' ')}`,
    () => fixture.tracker.lines.slice(from).filter(settled).length >= CUSTOMER_TASKS,
    60_000,
    () => fixture.tracker.tail(),
  );
  const deltas = (await fixture.test.readDeltas(['customers'])).since(before).all;
  for (const record of deltas) assert.deepEqual([record.delta?.reason, record.delta?.changedFields], ['ASSIGNMENT', ['assignedUserId']], JSON.stringify(record));
  return deltas.map((record: DeltaRecord): [string, unknown] => [record.key, record.delta?.data?.['assignedUserId']]).sort(([a], [b]) => a.localeCompare(b));
}

const repRechecked =
  (rep: string) =>
  (line: Record<string, unknown>): boolean =>
    line['msg'] === 'customers of rep re-checked' && line['rep'] === rep;
const manualRechecked = (line: Record<string, unknown>): boolean => line['msg'] === 'manually assigned customers re-checked';

describe('assignment: manual assignments respected (respectManual: true)', () => {
  const fixture = useCaughtUpTracker('manual-respected', ['customers'], { respectManual: true });
  const rep = uniqueCode('RM');
  const [handAssigned, other] = [uniqueCode('CM'), uniqueCode('CM')].sort() as [string, string];

  it('a manual assignment wins for its customer, and mapping changes leave it alone', async () => {
    await insertCustomers(fixture, rep, [handAssigned, other]);
    assert.deepEqual(await run(fixture, ['assign', rep, 'user-1'], repRechecked(rep)), [
      [handAssigned, 'user-1'],
      [other, 'user-1'],
    ]);
    assert.deepEqual(await run(fixture, ['assign', '--customer', handAssigned, 'user-hand'], manualRechecked), [[handAssigned, 'user-hand']]);
    assert.deepEqual(await run(fixture, ['assign', rep, 'user-2'], repRechecked(rep)), [[other, 'user-2']]);
    const listed = await fixture.test.cli(['assignments', '--manual', '--json']);
    assert.deepEqual(JSON.parse(listed.stdout).assignments, [{ customerKey: handAssigned, userId: 'user-hand' }]);
  });

  it("removing the manual assignment returns the customer to its rep's user", async () => {
    assert.deepEqual(await run(fixture, ['unassign', '--customer', handAssigned], manualRechecked), [[handAssigned, 'user-2']]);
  });
});

describe('assignment: manual assignments overwritten (respectManual: false, as today)', () => {
  const fixture = useCaughtUpTracker('manual-ignored', ['customers'], { respectManual: false });
  const rep = uniqueCode('RO');
  const [handAssigned, other] = [uniqueCode('CO'), uniqueCode('CO')].sort() as [string, string];

  it('the mapping wins: a manual assignment neither emits nor protects its customer', async () => {
    await insertCustomers(fixture, rep, [handAssigned, other]);
    assert.deepEqual(await run(fixture, ['assign', rep, 'user-1'], repRechecked(rep)), [
      [handAssigned, 'user-1'],
      [other, 'user-1'],
    ]);
    const manual = await fixture.test.cli(['assign', '--customer', handAssigned, 'user-hand']);
    assert.equal(manual.code, 0, manual.stderr);
    // The tracker does not read the manual topic at all: the next mapping change is the proof.
    assert.deepEqual(await run(fixture, ['assign', rep, 'user-2'], repRechecked(rep)), [
      [handAssigned, 'user-2'],
      [other, 'user-2'],
    ]);
    assert.equal(fixture.tracker.logs('manual assignment changed').length, 0);
  });
});
