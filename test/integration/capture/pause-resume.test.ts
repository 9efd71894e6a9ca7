/**
 * Issue 19 on the real stack: the shipped connector paused and resumed under a running tracker
 * that watches the capture. /readyz turns not ready within 30 s, naming the connector and PAUSED;
 * the metrics and the status page say PAUSED; the log says it once. After the resume it is ready
 * again, and each change made while capture was paused reaches the delta topic once.
 *
 * The test pauses the shipped connector, which every tracker test reads through: `after` resumes
 * it whatever happened, and waits until it runs.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { adminBase, loggedStates, metric, metricState, openStatusPage, readyz, SHIPPED_CONNECTOR, testConnect, waitConnectorRunning, waitPageState, waitReadyz } from '../../support/capture-watch.js';
import { uniqueCode, useCaughtUpTracker } from '../../support/tracker-harness.js';

describe('capture health: the shipped connector paused and resumed', () => {
  const fixture = useCaughtUpTracker('capture-pause', ['products'], { capture: { pollIntervalMs: 1_000 } });
  const connect = testConnect();
  const codes = [uniqueCode('CP'), uniqueCode('CP'), uniqueCode('CP')];
  let base: string;
  let browser: Browser;
  let page: Page;

  before(async () => {
    base = await adminBase(fixture.tracker);
    ({ browser, page } = await openStatusPage(base));
  });

  after(async () => {
    await browser?.close();
    // Leave the stack as it was found: the shipped connector running.
    await connect.resume(SHIPPED_CONNECTOR).catch(() => undefined);
    await waitConnectorRunning(connect, SHIPPED_CONNECTOR);
  });

  it('is ready while the connector runs, and says RUNNING in the metrics and on the page', async () => {
    const answer = await waitReadyz(
      base,
      'the tracker to be ready',
      (state) => state.ready,
      30_000,
      () => fixture.tracker.tail(),
    );
    assert.equal(answer.status, 200);
    assert.equal(await metric(base, 'erp_delta_capture_connector_up', { connector: SHIPPED_CONNECTOR }), 1);
    assert.equal(await metricState(base, SHIPPED_CONNECTOR), 'RUNNING');
    assert.equal(await metric(base, 'erp_delta_capture_connect_up'), 1);
    await waitPageState(page, SHIPPED_CONNECTOR, 'RUNNING');
    assert.equal(
      await page
        .locator(`#capture-rows tr[data-connector="${SHIPPED_CONNECTOR}"] td.tasks`)
        .innerText()
        .then((text) => text.split('\n')[0]),
      '0 RUNNING',
    );
  });

  it('turns not ready within 30 s of a pause, naming the connector and its state', async () => {
    const pausedAt = Date.now();
    await connect.pause(SHIPPED_CONNECTOR);
    const answer = await waitReadyz(
      base,
      '/readyz to say the connector is paused',
      (state) => state.reasons.includes(`connector ${SHIPPED_CONNECTOR} is PAUSED`),
      30_000,
      () => fixture.tracker.tail(),
    );
    const seconds = (Date.now() - pausedAt) / 1000;
    assert.equal(answer.status, 503);
    assert.deepEqual(answer.reasons, [`connector ${SHIPPED_CONNECTOR} is PAUSED`]);
    assert.ok(seconds < 30, `not ready after ${seconds} s`);
    // A probe that must not wait for the capture (a rollout of erp-delta itself) leaves it out.
    assert.equal((await readyz(base, '?exclude=capture')).status, 200);
    assert.equal(await metric(base, 'erp_delta_capture_connector_up', { connector: SHIPPED_CONNECTOR }), 0);
    assert.equal(await metricState(base, SHIPPED_CONNECTOR), 'PAUSED');
    await waitPageState(page, SHIPPED_CONNECTOR, 'PAUSED');
    assert.match(await page.locator('#readiness').innerText(), /not ready: connector erp-postgres is PAUSED/);
    assert.match(await page.locator(`#capture-rows tr[data-connector="${SHIPPED_CONNECTOR}"] td.advice`).innerText(), /\/connectors\/erp-postgres\/resume/);

    // Changes made while capture is paused wait in the slot.
    for (const code of codes) await fixture.db.query("INSERT INTO products (code, description, unit_price, active) VALUES ($1, 'While paused', 4.20, true)", [code]);
  });

  it('is ready again after the resume, and each change made meanwhile reaches the delta topic once', async () => {
    await connect.resume(SHIPPED_CONNECTOR);
    await waitReadyz(
      base,
      '/readyz to be ready again',
      (state) => state.ready,
      60_000,
      () => fixture.tracker.tail(),
    );
    assert.equal(await metricState(base, SHIPPED_CONNECTOR), 'RUNNING');
    await waitPageState(page, SHIPPED_CONNECTOR, 'RUNNING');
    for (const code of codes) await fixture.cdc.waitForEvents('products', code, 1, 120_000);
    await fixture.test.waitCaughtUp(120_000);
    const deltas = await fixture.test.readDeltas(['products']);
    for (const code of codes) {
      assert.deepEqual(
        deltas.of('products', code).map((record) => [record.delta?.op, record.delta?.data?.['unitPrice']]),
        [['UPSERT', '4.20']],
        `${code}: once`,
      );
    }
    // One log line per change of state, though the watch polled every second all along.
    assert.deepEqual(loggedStates(fixture.tracker, SHIPPED_CONNECTOR), ['RUNNING', 'PAUSED', 'RUNNING']);
    assert.ok((await metric(base, 'erp_delta_source_change_age_seconds', { entity: 'products' })) !== undefined, 'the age of the newest source change is known once a change was read');
  });
});
