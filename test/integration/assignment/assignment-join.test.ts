/**
 * Issue 4 on the real stack: the user assignment mapping, written with the CLI as a user would,
 * joined into the customers' deltas by a running tracker. Customers are rows of the ERP database
 * (through Debezium) with sales rep codes of this test's own, so other tests' rows never count.
 *
 * "Nothing else is emitted" is checked once every customers task has logged its re-check of the
 * rep (it logs after committing): from then on, a delta not yet on the topic will never come.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEAD_LETTER_HEADERS } from '../../../src/dead-letters/dead-letter.js';
import { produce, uniqueCode, useCaughtUpTracker, waitUntil, type DeltaRecord, type Deltas } from '../../support/tracker-harness.js';

/** The customers CDC topic has 3 partitions: one task each, all on the one instance here. */
const CUSTOMER_TASKS = 3;

describe("assignment: a rep's customers follow the rep's user", () => {
  const fixture = useCaughtUpTracker('assignment', ['customers']);
  const repA = uniqueCode('RA');
  const repB = uniqueCode('RB');
  const customersOfA = [uniqueCode('CA'), uniqueCode('CA'), uniqueCode('CA')];
  const customersOfB = [uniqueCode('CB'), uniqueCode('CB')];

  async function insertCustomers(rep: string, codes: readonly string[]): Promise<void> {
    for (const code of codes) {
      await fixture.db.query('INSERT INTO customers (code, name, address, city, sales_rep_code, credit_limit) VALUES ($1, $2, $3, $4, $5, $6)', [
        code,
        `Customer ${code}`,
        '1 Long Street',
        'Cape Town',
        rep,
        '100.00',
      ]);
    }
    for (const code of codes) await fixture.cdc.waitForEvents('customers', code, 1);
    await fixture.test.waitCaughtUp();
  }

  /**
   * Runs an assignment command and waits until every customers task has re-checked the rep;
   * returns the deltas written meanwhile.
   */
  async function changeAssignment(args: readonly string[], rep: string): Promise<Deltas> {
    const before = await fixture.test.readDeltas(['customers']);
    const from = fixture.tracker.lines.length;
    const result = await fixture.test.cli(args);
    assert.equal(result.code, 0, result.stderr);
    await waitUntil(
      `every customers task to re-check ${rep}`,
      () => fixture.tracker.lines.slice(from).filter((line) => line.msg === 'customers of rep re-checked' && line['rep'] === rep).length >= CUSTOMER_TASKS,
      60_000,
      () => fixture.tracker.tail(),
    );
    return (await fixture.test.readDeltas(['customers'])).since(before);
  }

  /**
   * A mapping record that changes nothing starts no re-check, so nothing can be awaited for it.
   * The feed applies the mapping topic in order: once a later change of a rep of its own has been
   * re-checked everywhere, every earlier record has been handled.
   */
  async function barrier(): Promise<void> {
    const rep = uniqueCode('RX');
    assert.equal((await changeAssignment(['assign', rep, 'barrier'], rep)).count(), 0);
  }

  function summary(records: readonly DeltaRecord[]): Array<[string, string | undefined, string[] | undefined, unknown]> {
    return records
      .map((record) => [record.key, record.delta?.reason, record.delta?.changedFields, record.delta?.data?.['assignedUserId']] as [string, string | undefined, string[] | undefined, unknown])
      .sort(([a], [b]) => a.localeCompare(b));
  }

  function expected(codes: readonly string[], reason: string, changedFields: string[], user: string | null): ReturnType<typeof summary> {
    return codes.map((code): [string, string, string[], unknown] => [code, reason, changedFields, user]).sort(([a], [b]) => a.localeCompare(b));
  }

  it('loads new customers with assignedUserId null while their rep is unassigned', async () => {
    await insertCustomers(repA, customersOfA);
    await insertCustomers(repB, customersOfB);
    const deltas = await fixture.test.readDeltas(['customers']);
    for (const code of [...customersOfA, ...customersOfB]) {
      const [first, ...rest] = deltas.of('customers', code);
      assert.equal(rest.length, 0, code);
      assert.equal(first?.delta?.reason, 'CHANGE');
      assert.equal(first?.delta?.data?.['assignedUserId'], null);
    }
  });

  it("assign: exactly the rep's customers get an ASSIGNMENT delta with the user", async () => {
    const deltas = await changeAssignment(['assign', repA, 'user-1'], repA);
    assert.deepEqual(summary(deltas.all), expected(customersOfA, 'ASSIGNMENT', ['assignedUserId'], 'user-1'));
    const [one] = deltas.all;
    assert.equal(one?.delta?.data?.['salesRepCode'], repA, 'the whole record is sent');
    assert.equal(one?.delta?.op, 'UPSERT');
  });

  it("reassign: the rep's customers move to the new user", async () => {
    const deltas = await changeAssignment(['assign', repA, 'user-2'], repA);
    assert.deepEqual(summary(deltas.all), expected(customersOfA, 'ASSIGNMENT', ['assignedUserId'], 'user-2'));
  });

  it('assigning a rep to the user it already has emits nothing, whatever else the value says', async () => {
    const before = await fixture.test.readDeltas(['customers']);
    const again = await fixture.test.cli(['assign', repA, 'user-2']);
    assert.equal(again.code, 0, again.stderr);
    await produce(fixture.test.assignmentTopic, [{ key: repA, value: JSON.stringify({ userId: 'user-2', note: 'extra fields are not tracked' }) }]);
    await barrier();
    assert.equal((await fixture.test.readDeltas(['customers'])).since(before).count(), 0);
    const listed = await fixture.test.cli(['assignments', '--json']);
    assert.deepEqual(
      JSON.parse(listed.stdout).assignments.filter((entry: { repCode: string }) => entry.repCode === repA),
      [{ repCode: repA, userId: 'user-2' }],
    );
  });

  it("a second rep gets its own user; the first rep's customers are left alone", async () => {
    const deltas = await changeAssignment(['assign', repB, 'user-b'], repB);
    assert.deepEqual(summary(deltas.all), expected(customersOfB, 'ASSIGNMENT', ['assignedUserId'], 'user-b'));
  });

  it("a customer moved to another rep in the ERP gets that rep's user in the same CHANGE delta", async () => {
    const moved = customersOfA[0] as string;
    const before = await fixture.test.readDeltas(['customers']);
    await fixture.db.query('UPDATE customers SET sales_rep_code = $2 WHERE code = $1', [moved, repB]);
    await fixture.cdc.waitForEvents('customers', moved, 2);
    await fixture.test.waitCaughtUp();
    const deltas = (await fixture.test.readDeltas(['customers'])).since(before);
    assert.deepEqual(summary(deltas.all), [[moved, 'CHANGE', ['salesRepCode', 'assignedUserId'], 'user-b']]);
  });

  it("unassign: the rep's remaining customers get assignedUserId null; the moved one keeps its new rep's user", async () => {
    const deltas = await changeAssignment(['unassign', repA], repA);
    assert.deepEqual(summary(deltas.all), expected(customersOfA.slice(1), 'ASSIGNMENT', ['assignedUserId'], null));
    const listed = await fixture.test.cli(['assignments', '--json']);
    const reps = (JSON.parse(listed.stdout) as { assignments: Array<{ repCode: string }> }).assignments.map((entry) => entry.repCode);
    assert.ok(reps.includes(repB) && !reps.includes(repA), `${repA} is no longer listed: ${listed.stdout}`);
  });

  it('a rep with no customers: the mapping is listed, nothing is emitted', async () => {
    const lonely = uniqueCode('RN');
    assert.equal((await changeAssignment(['assign', lonely, 'user-n'], lonely)).count(), 0);
    const listed = await fixture.test.cli(['assignments']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(`^${lonely}\\s+user-n$`, 'm'));
  });

  it('an invalid mapping record goes to the dead-letter topic and leaves the mapping as it was', async () => {
    const before = await fixture.test.readDeltas(['customers']);
    await produce(fixture.test.assignmentTopic, [{ key: repB, value: '{"user": "typo"}' }]);
    const deadLetter = await waitUntil('the invalid mapping record in the DLQ', async () => (await fixture.test.readDeadLetters()).find((record) => record.key?.toString() === repB), 30_000);
    assert.equal(deadLetter.headers[DEAD_LETTER_HEADERS.topic]?.toString(), fixture.test.assignmentTopic);
    assert.equal(deadLetter.headers[DEAD_LETTER_HEADERS.errorCode]?.toString(), 'INVALID_ASSIGNMENT');
    assert.match(deadLetter.headers[DEAD_LETTER_HEADERS.reason]?.toString() ?? '', /needs "userId"/);
    assert.equal(deadLetter.value?.toString(), '{"user": "typo"}', 'the record is kept as it came');
    await barrier();
    assert.deepEqual((await fixture.test.readDeltas(['customers'])).since(before).count(), 0);
    const listed = await fixture.test.cli(['assignments', '--json']);
    const parsed = JSON.parse(listed.stdout) as { assignments: Array<{ repCode: string; userId: string }>; invalid: Array<{ reason: string }> };
    assert.deepEqual(
      parsed.assignments.find((entry) => entry.repCode === repB),
      { repCode: repB, userId: 'user-b' },
      'the mapping is as it was',
    );
    assert.equal(parsed.invalid.length, 1, 'the listing names the invalid record');
  });

  it('a mapping change while the tracker is down is applied when it starts again', async () => {
    await fixture.tracker.stop();
    const before = await fixture.test.readDeltas(['customers']);
    const result = await fixture.test.cli(['assign', repB, 'user-while-down']);
    assert.equal(result.code, 0, result.stderr);
    fixture.tracker = await fixture.test.startCaughtUp();
    const customersNowOfB = [...customersOfB, customersOfA[0] as string];
    await waitUntil(
      'the ASSIGNMENT deltas of the rep changed while down',
      async () => (await fixture.test.readDeltas(['customers'])).since(before).count() >= customersNowOfB.length,
      60_000,
      () => fixture.tracker.tail(),
    );
    await waitUntil(
      "every task's re-check after restore",
      () => fixture.tracker.logs('assignments re-checked after restore').length >= CUSTOMER_TASKS,
      60_000,
      () => fixture.tracker.tail(),
    );
    const deltas = (await fixture.test.readDeltas(['customers'])).since(before);
    assert.deepEqual(summary(deltas.all), expected(customersNowOfB, 'ASSIGNMENT', ['assignedUserId'], 'user-while-down'));
  });

  it('the CLI refuses bad input with exit code 2, naming it', async () => {
    const empty = await fixture.test.cli(['assign', repA, ' ']);
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /userId must not be empty/);
    const spaced = await fixture.test.cli(['unassign', ` ${repA}`]);
    assert.equal(spaced.code, 2);
    assert.match(spaced.stderr, /sales rep code " RA-.*" has leading or trailing spaces/);
  });
});
