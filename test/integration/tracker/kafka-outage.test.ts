/**
 * Issue 6, failure at the edges, on the real stack: the broker goes away under a running tracker
 * and comes back. Readiness turns false, then true again; the changes made in the ERP meanwhile
 * each reach the delta topic once.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCli } from '../../support/cli.js';
import { STACK_DIR_FLAG } from '../../support/test-stack.js';
import { componentPid, isProcessRunning } from '../../support/stack-process.js';
import { expectOneUpsertEach, uniqueCode, useCaughtUpTracker, waitUntil } from '../../support/tracker-harness.js';

describe('tracker: Kafka stopped and restarted under it', () => {
  const fixture = useCaughtUpTracker('kafka-outage', ['products']);

  it('turns not ready, then ready again, and misses no change made meanwhile', async () => {
    const line = await fixture.tracker.waitForLog('admin endpoint: /healthz /readyz /metrics');
    const readyz = `http://127.0.0.1:${String(line['port'])}/readyz`;
    assert.equal((await fetch(readyz)).status, 200);

    const pid = await componentPid('kafka');
    process.kill(-pid, 'SIGTERM');
    await waitUntil('Kafka to stop', () => !isProcessRunning(pid), 60_000);
    const down = await waitUntil(
      '/readyz to say Kafka is unreachable',
      async () => {
        const response = await fetch(readyz);
        const body = (await response.json()) as { ready: boolean; reasons: string[] };
        return response.status === 503 && body.reasons.some((reason) => reason.startsWith('Kafka is not reachable')) ? body : undefined;
      },
      30_000,
    );
    assert.equal(down.ready, false);

    // Changes made while the broker is away: Debezium sends them once it is back.
    const codes = [uniqueCode('K'), uniqueCode('K'), uniqueCode('K')];
    for (const code of codes) await fixture.db.query("INSERT INTO products (code, description, unit_price, active) VALUES ($1, 'During the outage', 9.99, true)", [code]);

    const up = await runCli(['stack', 'up', ...STACK_DIR_FLAG]);
    assert.equal(up.code, 0, up.stderr);
    await waitUntil(
      '/readyz to turn 200 again',
      async () => (await fetch(readyz)).status === 200,
      120_000,
      () => fixture.tracker.tail(),
    );
    await expectOneUpsertEach(fixture, codes);
    assert.ok(fixture.tracker.running, 'the tracker rode the outage out');
  });
});
