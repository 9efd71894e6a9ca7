/**
 * Issue 19 on the real stack: the stack's Kafka Connect stopped and started under a tracker that
 * watches the capture. /readyz names Connect as not reachable (the connectors' state unknown), the
 * metrics and the status page say so, the log says it once and once again when Connect is back.
 * Connect started again resumes the shipped connector from its offsets: the changes made
 * meanwhile each reach the delta topic once.
 *
 * `after` starts Connect again whatever happened, and waits until the shipped connector runs.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { adminBase, loggedStates, metric, metricState, openStatusPage, SHIPPED_CONNECTOR, testConnect, waitConnectorRunning, waitPageState, waitReadyz } from '../../support/capture-watch.js';
import { runCli } from '../../support/cli.js';
import { componentPid, isProcessRunning } from '../../support/stack-process.js';
import { STACK_DIR_FLAG, testStack } from '../../support/test-stack.js';
import { expectOneUpsertEach, uniqueCode, useCaughtUpTracker, waitUntil } from '../../support/tracker-harness.js';

describe('capture health: Kafka Connect stopped and started', () => {
  const fixture = useCaughtUpTracker('capture-connect', ['products'], { capture: { pollIntervalMs: 1_000, connect: { requestTimeoutMs: 2_000 } } });
  const connect = testConnect();
  const connectUrl = testStack().component('connect').endpoint();
  const codes = [uniqueCode('CC'), uniqueCode('CC')];
  let base: string;
  let browser: Browser;
  let page: Page;

  before(async () => {
    base = await adminBase(fixture.tracker);
    ({ browser, page } = await openStatusPage(base));
  });

  after(async () => {
    await browser?.close();
    const up = await runCli(['stack', 'up', ...STACK_DIR_FLAG], { timeoutMs: 300_000 });
    assert.equal(up.code, 0, up.stderr);
    await waitConnectorRunning(connect, SHIPPED_CONNECTOR, 180_000);
  });

  it('names Connect as not reachable while it is down, and is ready again once the connector runs', async () => {
    await waitReadyz(
      base,
      'the tracker to be ready',
      (state) => state.ready,
      30_000,
      () => fixture.tracker.tail(),
    );
    const pid = await componentPid('connect');
    const stoppedAt = Date.now();
    process.kill(-pid, 'SIGTERM');
    await waitUntil('Kafka Connect to stop', () => !isProcessRunning(pid), 60_000);

    const down = await waitReadyz(
      base,
      '/readyz to say Connect is not reachable',
      (state) => state.reasons.some((reason) => reason.startsWith(`Kafka Connect at ${connectUrl} is not reachable`)),
      30_000,
      () => fixture.tracker.tail(),
    );
    assert.equal(down.status, 503);
    assert.match(down.reasons.join('\n'), /the state of connector erp-postgres is unknown/);
    assert.ok(Date.now() - stoppedAt < 60_000);
    assert.equal(await metric(base, 'erp_delta_capture_connect_up'), 0);
    assert.equal(await metric(base, 'erp_delta_capture_connector_up', { connector: SHIPPED_CONNECTOR }), 0);
    assert.equal(await metricState(base, SHIPPED_CONNECTOR), 'UNKNOWN');
    await waitPageState(page, SHIPPED_CONNECTOR, 'UNKNOWN');
    assert.match(await page.locator('#capture-connect').innerText(), /not reachable/);

    // Changes made while Connect is down wait in the slot.
    for (const code of codes) await fixture.db.query("INSERT INTO products (code, description, unit_price, active) VALUES ($1, 'While Connect was down', 6.30, true)", [code]);

    const up = await runCli(['stack', 'up', ...STACK_DIR_FLAG], { timeoutMs: 300_000 });
    assert.equal(up.code, 0, up.stderr);
    await waitConnectorRunning(connect, SHIPPED_CONNECTOR, 180_000);
    await waitReadyz(
      base,
      '/readyz to be ready again',
      (state) => state.ready,
      60_000,
      () => fixture.tracker.tail(),
    );
    assert.equal(await metric(base, 'erp_delta_capture_connect_up'), 1);
    assert.equal(await metricState(base, SHIPPED_CONNECTOR), 'RUNNING');
    await waitPageState(page, SHIPPED_CONNECTOR, 'RUNNING');

    await expectOneUpsertEach(fixture, codes);

    const said = (msg: string): number => fixture.tracker.lines.filter((line) => line.msg === msg).length;
    assert.equal(said("capture: Kafka Connect is not reachable, the connectors' state is unknown"), 1);
    assert.equal(said('capture: Kafka Connect answers again'), 1);
    // Connect's restart may pass through UNASSIGNED (STARTING); the state before and after is RUNNING, each said once.
    const states = loggedStates(fixture.tracker, SHIPPED_CONNECTOR);
    assert.equal(states[0], 'RUNNING');
    assert.equal(states.at(-1), 'RUNNING');
    assert.ok(
      states.every((state, index) => index === 0 || state !== states[index - 1]),
      `one line per change: ${states.join(', ')}`,
    );
  });
});
