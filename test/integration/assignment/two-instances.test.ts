/**
 * Issue 4 with two instances in one group, on the real stack: each instance reads the whole
 * mapping, each re-checks the customers of the partitions it holds, and a mapping change made
 * while partitions move (one instance leaving) still reaches every customer exactly once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type pg from 'pg';
import { erpDatabase } from '../../support/test-stack.js';
import { CdcRecorder, TrackerTest, uniqueCode, waitUntil, type Deltas, type TrackerProcess } from '../../support/tracker-harness.js';

const CUSTOMERS = 30;

describe('assignment: two instances in one group', () => {
  let test: TrackerTest;
  let db: pg.Client;
  let cdc: CdcRecorder;
  before(async () => {
    test = new TrackerTest('assignment-group');
    db = await erpDatabase();
    cdc = await CdcRecorder.start(['customers']);
  });
  after(async () => {
    await cdc?.stop();
    await db?.end();
    await test?.cleanup();
  });

  function assignmentsPerCustomer(deltas: Deltas, codes: readonly string[]): Map<string, unknown[]> {
    return new Map(
      codes.map((code) => [
        code,
        deltas
          .of('customers', code)
          .filter((record) => record.delta?.reason === 'ASSIGNMENT')
          .map((record) => record.delta?.data?.['assignedUserId']),
      ]),
    );
  }

  function rechecksOf(trackers: readonly TrackerProcess[], rep: string): number {
    return trackers.flatMap((tracker) => tracker.logs('customers of rep re-checked')).filter((line) => line['rep'] === rep).length;
  }

  it("each customer gets each of its rep's users exactly once, also across a rebalance", async () => {
    const rep = uniqueCode('RG');
    const codes = Array.from({ length: CUSTOMERS }, () => uniqueCode('CG'));
    const a = test.start('a');
    await a.waitForLog('tracker running');
    const b = test.start('b');
    await a.waitForLog('tasks ready');
    await b.waitForLog('tasks ready');
    await db.query(
      `INSERT INTO customers (code, name, address, city, sales_rep_code, credit_limit)
      SELECT code, 'Customer ' || code, '5 Bree Street', 'Cape Town', $2, 1.00 FROM unnest($1::text[]) AS code`,
      [codes, rep],
    );
    for (const code of codes) await cdc.waitForEvents('customers', code, 1);
    await test.waitCaughtUp();
    await waitUntil(
      'both instances to hold partitions',
      async () => {
        const members = await test.groupAssignment();
        return members.length === 2 && members.every((member) => member.partitions.length > 0);
      },
      60_000,
      () => test.describeProcesses(),
    );

    const first = await test.cli(['assign', rep, 'user-1']);
    assert.equal(first.code, 0, first.stderr);
    // Three customers tasks, wherever they run, each log their re-check of the rep.
    await waitUntil(
      'every customers task to re-check the rep',
      () => rechecksOf([a, b], rep) >= 3,
      60_000,
      () => test.describeProcesses(),
    );
    const afterFirst = assignmentsPerCustomer(await test.readDeltas(['customers']), codes);
    assert.deepEqual(
      [...afterFirst.values()].filter((users) => users.join() !== 'user-1'),
      [],
      'one ASSIGNMENT delta per customer',
    );

    // b leaves; the mapping changes while its partitions move to a.
    await b.stop();
    const second = await test.cli(['assign', rep, 'user-2']);
    assert.equal(second.code, 0, second.stderr);
    await waitUntil(
      'every customer to get user-2',
      async () => {
        const users = assignmentsPerCustomer(await test.readDeltas(['customers']), codes);
        return [...users.values()].every((list) => list.at(-1) === 'user-2');
      },
      60_000,
      () => test.describeProcesses(),
    );
    await a.stop();

    const final = assignmentsPerCustomer(await test.readDeltas(['customers']), codes);
    assert.deepEqual(
      [...final].filter(([, users]) => users.join() !== 'user-1,user-2'),
      [],
      'each user exactly once per customer, in order',
    );
  });
});
