/**
 * Issue 6, inspection on the real stack: `state get` (what was sent for a key, and why) and
 * `dlq list` (what could not be processed, and why), next to a running tracker.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CDC_TOPICS, produce, uniqueCode, useCaughtUpTracker, waitUntil } from '../../support/tracker-harness.js';

describe('state get and dlq list', () => {
  const fixture = useCaughtUpTracker('inspect', ['customers']);
  const code = uniqueCode('SG');
  const rep = uniqueCode('RS');

  it("state get shows the loaded record and its last delta's reason and changed fields", async () => {
    await fixture.db.query("INSERT INTO customers (code, name, address, city, sales_rep_code, credit_limit) VALUES ($1, 'State Get Ltd', '4 Loop Street', 'Cape Town', $2, 12.5)", [code, rep]);
    await fixture.cdc.waitForEvents('customers', code, 1);
    await fixture.test.waitCaughtUp();
    const first = await fixture.test.cli(['state', 'get', 'customers', code, '--json']);
    assert.equal(first.code, 0, first.stderr);
    const state = JSON.parse(first.stdout) as { key: string; delta: { op: string; reason: string; data: Record<string, unknown>; changedFields: string[] } };
    assert.equal(state.key, code);
    assert.deepEqual([state.delta.op, state.delta.reason, state.delta.data['name'], state.delta.data['creditLimit']], ['UPSERT', 'CHANGE', 'State Get Ltd', '12.50']);

    const assigned = await fixture.test.cli(['assign', rep, 'user-state']);
    assert.equal(assigned.code, 0, assigned.stderr);
    const text = await waitUntil(
      'the ASSIGNMENT delta to be the last',
      async () => {
        const result = await fixture.test.cli(['state', 'get', 'customers', code]);
        return /reason ASSIGNMENT/.test(result.stdout) ? result.stdout : undefined;
      },
      60_000,
    );
    assert.match(text, new RegExp(`^customers ${code}: loaded$`, 'm'));
    assert.match(text, /last delta: +UPSERT, reason ASSIGNMENT, changedFields \[assignedUserId\]/);
    assert.match(text, /"assignedUserId":"user-state"/);
  });

  it('state get says so for a key never sent, and refuses a key of the wrong shape', async () => {
    const missing = await fixture.test.cli(['state', 'get', 'customers', uniqueCode('NONE')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no delta for customers NONE-.* it was never sent/);
    const wrongShape = await fixture.test.cli(['state', 'get', 'stock_levels', 'P0001']);
    assert.equal(wrongShape.code, 2);
    assert.match(wrongShape.stderr, /keyed by 2 field\(s\) \(productCode, warehouseCode\); got 1 value/);
  });

  it('dlq list shows a dead letter with its origin, code and reason', async () => {
    const key = `{"code":"${uniqueCode('DLQ')}"}`;
    const [written] = await produce(CDC_TOPICS.customers, [{ key, value: 'this is not JSON' }]);
    await waitUntil('the dead letter', async () => (await fixture.test.readDeadLetters()).some((record) => record.key?.toString() === key), 60_000);
    const listed = await fixture.test.cli(['dlq', 'list', '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    const entry = (JSON.parse(listed.stdout) as { deadLetters: Array<Record<string, unknown>> }).deadLetters.find((candidate) => candidate['key'] === key);
    assert.ok(entry, listed.stdout);
    assert.deepEqual(entry['source'], { topic: CDC_TOPICS.customers, partition: written?.partition, offset: Number(written?.baseOffset) });
    assert.equal(entry['errorCode'], 'DECODE_FAILED');
    assert.equal(entry['entity'], 'customers');
    assert.match(String(entry['reason']), /not JSON/);
    const later = await fixture.test.cli(['dlq', 'list', '--since', '2999-01-01T00:00:00Z']);
    assert.match(later.stdout, /No dead letters in .* since 2999/);
    const bad = await fixture.test.cli(['dlq', 'list', '--since', 'yesterday']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--since "yesterday" is not an ISO time/);
  });
});
