/**
 * Issue 20, part 5: the loader's status page (`deliver` with its admin port): per entity
 * delivered, retried, refused and in the DLQ, the lag, the last error with its time, the target's
 * last Retry-After; and the button that re-sends an entity's refused deltas (`dlq replay
 * --target`'s re-drive), which a GET cannot trigger. The API end to end, then the page in
 * headless Chromium, clicked as an operator would.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LoaderStatusAnswer, ResendResult } from '../../../src/status/loader-status-page.js';
import { launchChromium } from '../../support/browser.js';
import { loaderConfig, productScenario, startLoader, startTarget } from '../../support/delivery-scenario.js';
import { waitUntil } from '../../support/tracker-harness.js';

describe("the loader's status page", () => {
  it('shows what the loader did and why, and re-sends the refused deltas of an entity on a POST only', async (t) => {
    const { rows, test, tracker } = await productScenario(t, { name: 'deliver-page', codePrefix: 'PG', rowCount: 6 });
    await tracker.stop();
    const [bad] = rows as [string];
    const target = await startTarget(t);
    await target.faults({ rejectKeys: [bad], failNext: { count: 1, status: 429, retryAfter: '1' } });
    const loader = startLoader(t, target.url, loaderConfig(test, {}));
    const adminUrl = await loader.adminUrl();
    const status = async (): Promise<LoaderStatusAnswer> => (await fetch(`${adminUrl}/api/status`)).json() as Promise<LoaderStatusAnswer>;

    const shown = await waitUntil(
      'the page to count the delivered, the refused and the dead letter',
      async () => {
        const now = await status();
        const products = now.entities.find((entity) => entity.name === 'products');
        return products?.delivered === rows.length - 1 && products.refused === 1 && products.inDeadLetters === 1 && products.lag === 0 ? now : undefined;
      },
      60_000,
      () => loader.stderr().slice(-3_000),
    );
    const products = shown.entities.find((entity) => entity.name === 'products');
    assert.ok((products?.retried ?? 0) >= 1, 'the 429 was retried');
    assert.ok((products?.waitedMs.retry_after ?? 0) >= 900, 'and the Retry-After waited');
    assert.equal(shown.lastRetryAfter?.askedMs, 1_000, "the target's last Retry-After");
    assert.equal(shown.lastRetryAfter?.entity, 'products');
    // The 429 and the refusal come from partitions delivered side by side: either is the last.
    assert.match(shown.lastError?.message ?? '', new RegExp(`^(1 delta\\(s\\) refused, sent to the dead-letter topic; key ${bad}: The target answered HTTP 400|HTTP 429: injected failure 429)`));
    assert.ok((shown.lastError?.atMs ?? 0) > Date.now() - 120_000, 'with its time');
    assert.equal(shown.target, target.url);
    assert.equal(shown.groupId, test.loaderGroupId);

    // Writes are POSTs with a JSON body: a GET, a form post or a bad entity re-sends nothing.
    assert.equal((await fetch(`${adminUrl}/api/resend?entity=products`)).status, 404);
    const form = await fetch(`${adminUrl}/api/resend`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'entity=products' });
    assert.equal(form.status, 400);
    const unknown = await fetch(`${adminUrl}/api/resend`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ entity: 'nope' }) });
    assert.equal(unknown.status, 400);
    assert.match(JSON.stringify(await unknown.json()), /The body needs \\"entity\\", one of: products/);
    assert.equal((await target.state()).received.filter((entry) => entry.delta.key === bad).length, 0, 'nothing re-sent');

    // The target takes the record now: the button re-sends it, with the dead letter's idempotency key.
    await target.faults({});
    const deadLetter = (await test.readDeadLetters()).find((letter) => letter.headers['erp-delta.error.code']?.toString() === 'DELIVERY_REJECTED');
    const deadKey = `${deadLetter?.headers['erp-delta.source.topic']?.toString()}-${deadLetter?.headers['erp-delta.source.partition']?.toString()}-${deadLetter?.headers['erp-delta.source.offset']?.toString()}`;
    const browser = await launchChromium();
    t.after(() => browser.close());
    const page = await browser.newPage({ viewport: { width: 1400, height: 800 } });
    page.on('dialog', (dialog) => void dialog.accept());
    await page.goto(`${adminUrl}/`);
    await page.waitForSelector('body[data-loaded="true"]');
    const row = page.locator('#entity-rows tr[data-entity="products"]');
    assert.equal(await row.locator('td.delivered').innerText(), String(rows.length - 1));
    assert.equal(await row.locator('td.refused').innerText(), '1');
    assert.equal(await row.locator('td.in-dlq').innerText(), '1');
    assert.equal(await row.locator('td.lag').innerText(), '0');
    assert.match(await page.locator('#last-error').innerText(), /\(products\): (1 delta\(s\) refused|HTTP 429)/);
    assert.match(await page.locator('#last-retry-after').innerText(), /\(products\): asked 1\.0 s, waited 1\.0 s/);
    await row.locator('button.resend').click();
    await page.waitForSelector('#resend-message[data-state="done"]', { timeout: 60_000 });
    assert.equal(await page.locator('#resend-message').innerText(), 'products: 1 reposted');
    const resent = (await target.state()).received.filter((entry) => entry.delta.key === bad);
    assert.deepEqual(
      resent.map((entry) => entry.delta.idempotencyKey),
      [deadKey],
      'the refused delta, once, under its own idempotency key',
    );

    // Again: the target has it; a second re-send posts it once more, harmless under the same key.
    const again = await fetch(`${adminUrl}/api/resend`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ entity: 'products' }) });
    assert.equal(again.status, 200);
    assert.deepEqual(((await again.json()) as ResendResult).summary, { reposted: 1 });
    assert.match(loader.stderr(), /status page: refused deltas re-sent/);
    assert.equal(await loader.stop(), 0);
  });
});
