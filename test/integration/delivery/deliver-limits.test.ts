/**
 * Issue 20, part 2: the loader against a target that limits it, as the real import API does: a
 * rate limit, a body size limit (413), slow answers. Nothing is lost, nothing is delivered twice
 * under a new idempotency key, per-key order holds; the lag grows while the target holds the
 * loader back, the loader's metrics and status page say why, and the refresh pauses on that lag.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LoaderStatusAnswer } from '../../../src/status/loader-status-page.js';
import { byKey } from '../../support/product-topic.js';
import { deliveredTwice, keysOutOfOrder, loaderConfig, productScenario, startLoader, startTarget } from '../../support/delivery-scenario.js';
import { uniqueCode, waitUntil } from '../../support/tracker-harness.js';

async function loaderStatus(adminUrl: string): Promise<LoaderStatusAnswer> {
  return (await fetch(`${adminUrl}/api/status`)).json() as Promise<LoaderStatusAnswer>;
}

/** One sample's value in Prometheus text, 0 when absent. */
async function metric(adminUrl: string, sample: RegExp): Promise<number> {
  const text = await (await fetch(`${adminUrl}/metrics`)).text();
  const line = text.split('\n').find((candidate) => sample.test(candidate));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('deliver: a target that limits the loader', () => {
  it("keeps the whole loader within maxRequestsPerSecond: the target's own rate limit is never hit", async (t) => {
    const { rows, test, tracker } = await productScenario(t, { name: 'deliver-rate', codePrefix: 'RT', rowCount: 40 });
    await tracker.stop();
    const target = await startTarget(t);
    // The target allows 8 requests in any second (429 beyond); the loader is capped at 5, for
    // its three partitions together, with two deltas a request: about 21 requests. The margin is
    // the README's advice: requests paced at the sender can arrive bunched (a busy machine holds
    // some back), so a cap right at the target's limit would meet a 429 now and then.
    await target.faults({ rateLimit: { perSecond: 8, retryAfter: '1' } });
    const loader = startLoader(t, target.url, loaderConfig(test, { batchSize: 2, maxRequestsPerSecond: 5 }));
    const state = await waitUntil(
      'every product at the target',
      async () => {
        const now = await target.state();
        return rows.every((code) => now.received.some((entry) => entry.delta.key === code)) ? now : undefined;
      },
      60_000,
      () => loader.stderr().slice(-3_000),
    );

    assert.deepEqual(
      state.attempts.filter((attempt) => attempt.status === 429),
      [],
      "no request beyond the target's rate",
    );
    const times = state.attempts.map((attempt) => attempt.atMs).sort((a, b) => a - b);
    // At most 5 in any second (RequestRate's unit tests hold each window): from the first to the
    // last, the first 5 at once and the rest at 5 a second.
    const spanMs = (times.at(-1) as number) - (times[0] as number);
    assert.ok(spanMs >= ((times.length - 5) / 5) * 1_000 * 0.95, `${times.length} requests took ${spanMs} ms: paced at 5 a second`);
    assert.deepEqual(deliveredTwice(state.received), [], 'nothing delivered twice');
    assert.deepEqual(keysOutOfOrder(state.received), [], 'per-key order');

    // Why it took that long, on /metrics and the status page; and the lag back at 0 once done.
    const adminUrl = await loader.adminUrl();
    assert.ok((await metric(adminUrl, /^erp_delta_delivery_wait_seconds_total\{entity="products",cause="rate_limit"\}/)) > 1, 'time waited on the rate limit is counted');
    const status = await waitUntil(
      'the lag at 0',
      async () => {
        const now = await loaderStatus(adminUrl);
        return now.entities[0]?.lag === 0 ? now : undefined;
      },
      30_000,
      () => loader.stderr().slice(-2_000),
    );
    const products = status.entities.find((entity) => entity.name === 'products');
    assert.ok(products, JSON.stringify(status));
    assert.equal(products.delivered, rows.length);
    assert.ok(products.waitedMs.rate_limit > 1_000, `the page shows the wait on the rate limit: ${products.waitedMs.rate_limit} ms`);
    assert.deepEqual(status.limits, { maxRequestsPerSecond: 5, maxBodyBytes: null, retryAfterMaxMs: 300_000, batchSize: 2 });
    assert.equal(await loader.stop(), 0);
  });

  it("splits requests at maxBodyBytes; a delta larger on its own is sent alone and only it is dead-lettered with the target's 413", async (t) => {
    const { products, rows, test, tracker } = await productScenario(t, { name: 'deliver-body', codePrefix: 'BS', rowCount: 30 });
    // Two versions of each row, so that per-key order crosses request boundaries; and a row whose
    // code makes its delta larger than any body the target takes.
    const huge = `${uniqueCode('HUGE')}-${'x'.repeat(2_500)}`;
    await products.upsert([...rows.slice(0, 10), huge, ...rows.slice(10)]);
    await test.waitCaughtUp();
    await tracker.stop();
    const expected = (await test.readDeltas(['products'])).all.filter((record) => !record.tombstone);
    const target = await startTarget(t);
    await target.faults({ maxBodyBytes: 2_048 });
    const loader = startLoader(t, target.url, loaderConfig(test, { batchSize: 50, maxBodyBytes: 2_048 }));
    const keyOf = (record: { partition: number; offset: number }): string => `${test.deltaTopics.products}-${record.partition}-${record.offset}`;
    const hugeKey = keyOf(expected.find((record) => record.key === huge) as { partition: number; offset: number });
    const state = await waitUntil(
      'every delta but the huge one at the target',
      async () => {
        const now = await target.state();
        const arrived = new Set(now.received.map((entry) => entry.delta.idempotencyKey));
        return expected.every((record) => arrived.has(keyOf(record)) || keyOf(record) === hugeKey) ? now : undefined;
      },
      60_000,
      () => loader.stderr().slice(-3_000),
    );
    const deadLetters = await waitUntil(
      'the huge delta in the DLQ',
      async () => {
        // The tracker's own dead letters (malformed records other tests put on the shared CDC topics) share the topic.
        const letters = (await test.readDeadLetters(2_000)).filter((letter) => letter.headers['erp-delta.error.code']?.toString() === 'DELIVERY_REJECTED');
        return letters.length > 0 ? letters : undefined;
      },
      30_000,
    );

    assert.deepEqual(
      deadLetters.map(
        (letter) => `${letter.headers['erp-delta.source.topic']?.toString()}-${letter.headers['erp-delta.source.partition']?.toString()}-${letter.headers['erp-delta.source.offset']?.toString()}`,
      ),
      [hugeKey],
      'only the delta too large alone',
    );
    assert.match(deadLetters[0]?.headers['erp-delta.error.reason']?.toString() ?? '', /^The target answered HTTP 413: .*over the limit of 2048/);
    const refused = state.attempts.filter((attempt) => attempt.status === 413);
    assert.equal(refused.length, 1, `one 413, for the huge delta sent alone: ${JSON.stringify(refused)}`);
    assert.ok(
      state.attempts.filter((attempt) => attempt.status !== 413).every((attempt) => attempt.bytes <= 2_048),
      'every other body within the limit',
    );
    assert.ok(state.attempts.filter((attempt) => attempt.status === 200).length >= 10, 'the chunks of up to 50 deltas were split');
    assert.match(loader.stderr(), /a delta larger than delivery.maxBodyBytes on its own: sent alone, the target decides/);
    assert.deepEqual(deliveredTwice(state.received), [], 'nothing delivered twice');
    assert.deepEqual(keysOutOfOrder(state.received), [], 'per-key order across the split requests');
    assert.equal(state.received.filter((entry) => rows.includes(entry.delta.key)).length, rows.length * 2, 'both versions of every row');
    await loader.stop();
  });

  it("a slow target: the lag grows, the page and metrics say the target is slow, and the refresh pauses on the loader's own group", async (t) => {
    const { rows, test, tracker } = await productScenario(t, {
      name: 'deliver-slow',
      codePrefix: 'SW',
      rowCount: 150,
      refresh: { maxLoaderLag: 20, maxRecordsPerSecond: 1_000 },
      // The refresh is told nothing of the loader's group: it must follow delivery.groupId.
      trackerConfig: (config) => {
        delete config['refresh']['loaderGroupId'];
      },
    });
    const target = await startTarget(t);
    await target.faults({ slowNext: { count: 100_000, ms: 300 } });
    const loader = startLoader(t, target.url, loaderConfig(test, { batchSize: 5 }));
    const adminUrl = await loader.adminUrl();
    await waitUntil(
      "the loader's first delivery",
      async () => (await target.state()).received.length > 0,
      60_000,
      () => loader.stderr().slice(-2_000),
    );

    const from = tracker.lines.length;
    const requested = await test.cli(['refresh', '--entity', 'products']);
    assert.equal(requested.code, 0, requested.stderr);
    const paused = await tracker.waitForLog((line) => line.msg === 'refresh paused: the loader lags behind', 60_000, from);
    assert.equal(paused['loaderGroup'], test.loaderGroupId, 'the refresh reads the group `deliver` commits as');
    const slow = await loaderStatus(adminUrl);
    const products = slow.entities.find((entity) => entity.name === 'products');
    assert.ok((products?.lag ?? 0) > 20, `the page shows the lag: ${JSON.stringify(products)}`);
    assert.ok((products?.averageAnswerMs ?? 0) >= 250, `and why: the target takes ${products?.averageAnswerMs} ms to answer`);
    assert.ok((await metric(adminUrl, /^erp_delta_delivery_lag\{entity="products"\}/)) > 20, 'erp_delta_delivery_lag on /metrics');
    assert.ok((await metric(adminUrl, /^erp_delta_delivery_request_seconds_sum\{entity="products"\}/)) > 1);

    // The target speeds up: the loader catches up, the refresh goes on and completes, and every
    // REFRESH delta reaches the target, once, in order.
    await target.faults({});
    await tracker.waitForLog((line) => line.msg === 'refresh resumed: the loader caught up', 60_000, from);
    await tracker.waitForLog((line) => line.msg === 'refresh completed', 120_000, from);
    const refreshed = [...byKey((await test.readDeltas(['products'])).all, 'REFRESH').values()].flat().map((record) => `${test.deltaTopics.products}-${record.partition}-${record.offset}`);
    assert.equal(refreshed.length, rows.length);
    const state = await waitUntil(
      'every REFRESH delta at the target',
      async () => {
        const now = await target.state();
        const arrived = new Set(now.received.map((entry) => entry.delta.idempotencyKey));
        return refreshed.every((key) => arrived.has(key)) ? now : undefined;
      },
      60_000,
      () => loader.stderr().slice(-2_000),
    );
    assert.deepEqual(deliveredTwice(state.received), [], 'nothing delivered twice');
    assert.deepEqual(keysOutOfOrder(state.received), [], 'per-key order');
    await waitUntil('the lag back at 0', async () => (await loaderStatus(adminUrl)).entities.find((entity) => entity.name === 'products')?.lag === 0, 30_000);
    await loader.stop();
  });
});
