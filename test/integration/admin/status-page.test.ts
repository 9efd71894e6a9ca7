/**
 * Issue 6, the status page of `erp-delta run`, end to end: a running tracker on the real stack,
 * the page in headless Chromium (Debian's package, driven by playwright-core), clicked as an
 * operator would. Customers are ERP rows with a sales rep code of this test's own.
 */
import assert from 'node:assert/strict';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../../support/browser.js';
import { uniqueCode, useCaughtUpTracker, waitUntil, type Deltas } from '../../support/tracker-harness.js';

/** The customers CDC topic has 3 partitions: one task each, all on the one instance here. */
const CUSTOMER_TASKS = 3;

/** Where the screenshot goes (kept out of git with the rest of .erp-delta/). */
const ARTIFACTS = join(import.meta.dirname, '..', '..', '..', '.erp-delta', 'test-artifacts');

describe('status page in headless Chromium', () => {
  const fixture = useCaughtUpTracker('status-page', ['customers'], { refresh: { maxRecordsPerSecond: 100_000 } });
  const rep = uniqueCode('RS');
  const customers = [uniqueCode('CS'), uniqueCode('CS')];
  let browser: Browser;
  let page: Page;
  let url: string;

  before(async () => {
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const line = await fixture.tracker.waitForLog('admin endpoint: /healthz /readyz /metrics');
    url = `http://127.0.0.1:${String(line['port'])}/`;
    for (const code of customers) {
      await fixture.db.query('INSERT INTO customers (code, name, address, city, sales_rep_code, credit_limit) VALUES ($1, $2, $3, $4, $5, $6)', [
        code,
        `Customer ${code}`,
        '7 Page Road',
        'Durban',
        rep,
        '250.00',
      ]);
    }
    for (const code of customers) await fixture.cdc.waitForEvents('customers', code, 1);
    await fixture.test.waitCaughtUp();
  });

  after(async () => {
    await browser?.close();
  });

  /** The text of a cell of an entity's row, as the page shows it now. */
  function entityCell(entity: string, column: string): Promise<string> {
    return page.locator(`#entity-rows tr[data-entity="${entity}"] td.${column}`).innerText();
  }

  function count(text: string): number {
    return Number(text.replace(/,/g, ''));
  }

  /** Waits until every customers task has re-checked the rep; returns the deltas written meanwhile. */
  async function afterRecheck(from: number, before: Deltas): Promise<Deltas> {
    await waitUntil(
      `every customers task to re-check ${rep}`,
      () => fixture.tracker.lines.slice(from).filter((line) => line.msg === 'customers of rep re-checked' && line['rep'] === rep).length >= CUSTOMER_TASKS,
      60_000,
      () => fixture.tracker.tail(),
    );
    return (await fixture.test.readDeltas(['customers'])).since(before);
  }

  it('loads with live data: counters, lag and a rate chart per entity, readiness', async () => {
    await page.goto(url);
    await page.waitForSelector('body[data-loaded="true"]');
    assert.equal(await page.locator('#readiness').innerText(), 'ready');
    assert.deepEqual(await Promise.all((await page.locator('#entity-rows tr').all()).map((row) => row.getAttribute('data-entity'))), ['customers', 'products', 'stock_levels']);
    // This tracker read every customer row of the CDC topic (other tests' rows too) and emitted ours.
    assert.ok(count(await entityCell('customers', 'seen')) >= customers.length);
    assert.ok(count(await entityCell('customers', 'emitted')) >= customers.length);
    assert.equal(await entityCell('customers', 'lag'), '0');
    assert.match(await entityCell('customers', 'reasons'), /CHANGE \d/);
    const line = page.locator('#entity-rows tr[data-entity="customers"] svg.chart polyline.emitted');
    assert.match((await line.getAttribute('points')) ?? '', /^[\d.]+,[\d.]+ [\d.]+,[\d.]+/, 'the emitted chart has points');

    // Live: a new row shows up in the counters without reloading the page.
    const seenBefore = count(await entityCell('customers', 'seen'));
    const extra = uniqueCode('CS');
    await fixture.db.query('INSERT INTO customers (code, name, address, city, sales_rep_code, credit_limit) VALUES ($1, $2, $3, $4, $5, $6)', [
      extra,
      'Live',
      '1 Road',
      'Durban',
      uniqueCode('RL'),
      '1.00',
    ]);
    await waitUntil('the page to count the new row', async () => count(await entityCell('customers', 'seen')) > seenBefore, 30_000);
  });

  it("assigns a rep from the page: the mapping shows it and the rep's customers get ASSIGNMENT deltas", async () => {
    const before = await fixture.test.readDeltas(['customers']);
    const from = fixture.tracker.lines.length;
    await page.fill('#assign-rep', rep);
    await page.fill('#assign-user', 'page-user-1');
    await page.click('#assign-form button[type="submit"]');
    await page.waitForSelector(`#assignment-rows tr[data-rep="${rep}"]`, { timeout: 30_000 });
    assert.equal(await page.locator(`#assignment-rows tr[data-rep="${rep}"] td.user`).innerText(), 'page-user-1');
    assert.match(await page.locator('#assign-message').innerText(), new RegExp(`${rep} → page-user-1 \\(partition \\d+, offset \\d+\\)`));

    const deltas = await afterRecheck(from, before);
    assert.deepEqual(
      deltas.all.map((record) => [record.key, record.delta?.reason, record.delta?.changedFields, record.delta?.data?.['assignedUserId']]).sort(),
      customers.map((code) => [code, 'ASSIGNMENT', ['assignedUserId'], 'page-user-1']).sort(),
    );
  });

  it('answers "why was this record sent?" with the key\'s last deltas, reason and changedFields', async () => {
    const [customer] = customers;
    assert.ok(customer);
    await page.selectOption('#lookup-entity', 'customers');
    await page.fill('#lookup-key', customer);
    await page.click('#lookup-form button[type="submit"]');
    await page.waitForSelector('#lookup-rows tr');
    const rows = await Promise.all((await page.locator('#lookup-rows tr').all()).map(async (row) => [await row.getAttribute('data-reason'), await row.locator('td.changed-fields').innerText()]));
    assert.deepEqual(rows, [
      ['ASSIGNMENT', 'assignedUserId'],
      ['CHANGE', 'code, name, address, city, salesRepCode, creditLimit, assignedUserId'],
    ]);
    assert.match(await page.locator('#lookup-message').innerText(), /^2 most recent of /);

    await page.fill('#lookup-key', 'no-such-customer');
    await page.click('#lookup-form button[type="submit"]');
    await waitUntil('the lookup to answer', async () => /never sent/.test(await page.locator('#lookup-message').innerText()), 30_000);
    assert.equal(await page.locator('#lookup-rows tr').count(), 0);
  });

  it('refuses a bad edit with the reason, and changes nothing', async () => {
    await page.fill('#assign-rep', ` ${rep}`);
    await page.fill('#assign-user', 'someone');
    await page.click('#assign-form button[type="submit"]');
    await waitUntil('the page to show the error', async () => /leading or trailing spaces/.test(await page.locator('#assign-message').innerText()), 10_000);
    assert.equal(await page.locator('#assign-message').getAttribute('class'), 'error');
    assert.equal(await page.locator(`#assignment-rows tr[data-rep="${rep}"] td.user`).innerText(), 'page-user-1');
  });

  it('starts a refresh with the button and shows its progress to the end; a screenshot is taken', async () => {
    assert.equal(await page.locator('#refresh-start').isDisabled(), false);
    await page.click('#refresh-start');
    await waitUntil('the page to confirm the request', async () => /^Refresh \S+ requested/.test(await page.locator('#refresh-message').innerText()), 30_000);
    await waitUntil(
      'the refresh to complete on the page',
      async () => (await page.locator('#refresh-summary').getAttribute('data-state')) === 'completed',
      120_000,
      () => fixture.tracker.tail(),
    );
    assert.match(await page.locator('#refresh-summary').innerText(), /^Last refresh \S+ completed .*\(by status page\): [\d,]+ records replayed/);
    assert.equal(await page.locator('#refresh-start').isDisabled(), false, 'another refresh can be started');

    // The screenshot shows a lookup too.
    await page.fill('#lookup-key', customers[0] ?? '');
    await page.click('#lookup-form button[type="submit"]');
    await page.waitForSelector('#lookup-rows tr');
    mkdirSync(ARTIFACTS, { recursive: true });
    const file = join(ARTIFACTS, 'status-page.png');
    await page.screenshot({ path: file, fullPage: true });
    assert.ok(statSync(file).size > 10_000, 'a real screenshot');
  });

  it("unassigns from the row's button: the rep leaves the mapping and its customers go back to no user", async () => {
    const before = await fixture.test.readDeltas(['customers']);
    const from = fixture.tracker.lines.length;
    await page.click(`#assignment-rows tr[data-rep="${rep}"] button`);
    await page.waitForSelector(`#assignment-rows tr[data-rep="${rep}"]`, { state: 'detached', timeout: 30_000 });
    const deltas = await afterRecheck(from, before);
    assert.deepEqual(deltas.all.map((record) => [record.key, record.delta?.reason, record.delta?.data?.['assignedUserId']]).sort(), customers.map((code) => [code, 'ASSIGNMENT', null]).sort());
  });
});
