/**
 * Issue 5, the full refresh, on the real stack. The products of these tests are Debezium records
 * on a CDC topic of the test's own (so that "every live key" is a number the test knows), read by
 * `erp-delta run`; the refresh is requested with the CLI, as a user would.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { byKey, codes, ProductTopic, refreshAndWait } from '../../support/product-topic.js';
import { testKafka } from '../../support/test-stack.js';
import { TrackerTest, uniqueCode, waitUntil, type Deltas, type TrackerProcess } from '../../support/tracker-harness.js';

describe('refresh: every live record once, reconciled deletes', () => {
  const products = new ProductTopic();
  let test: TrackerTest;
  let tracker: TrackerProcess;
  const live = codes(uniqueCode('L'), 240);
  const deleted = codes(uniqueCode('D'), 30);
  const ghosts = codes(uniqueCode('G'), 5);

  before(async () => {
    await products.create();
    test = new TrackerTest('refresh', { cdcTopics: { products: products.topic } });
    await products.upsert([...live, ...deleted]);
    await products.upsert(live.slice(0, 60));
    await products.delete(deleted);
    tracker = await test.startCaughtUp();
  });
  after(async () => {
    await tracker?.stop().catch(() => undefined);
    await test?.cleanup();
  });

  it('emits every live key exactly once with reason REFRESH and the current record', async () => {
    const before = await test.readDeltas(['products']);
    await refreshAndWait(test, tracker);
    const deltas = (await test.readDeltas(['products'])).since(before);
    const refreshed = byKey(deltas.all, 'REFRESH');
    assert.equal(refreshed.size, products.rows.size, 'one REFRESH per live row');
    assert.deepEqual(
      [...refreshed.values()].filter((list) => list.length !== 1).map((list) => list[0]?.key),
      [],
      'no key twice',
    );
    for (const [code, row] of products.rows) {
      const delta = refreshed.get(code)?.[0]?.delta;
      assert.equal(delta?.op, 'UPSERT', code);
      assert.deepEqual(delta?.changedFields, [], `${code}: nothing differs from what was sent`);
      assert.equal(delta?.data?.['description'], row.description, `${code}: the latest version`);
    }
    assert.equal(deltas.count(), products.rows.size, 'nothing else: no RECONCILE for keys deleted through the tracker');
    const status = await test.cli(['refresh', 'status', '--json']);
    const parsed = JSON.parse(status.stdout) as { running?: unknown; last: { totals: { emitted: number; replayed: number; total: number } } };
    assert.equal(parsed.running, undefined);
    assert.equal(parsed.last.totals.emitted, products.rows.size);
    assert.equal(parsed.last.totals.replayed, parsed.last.totals.total);
  });

  it('deletes with reason RECONCILE the loaded keys the source no longer has', async () => {
    // Loaded records without a row at the source: their delete was compacted away before the
    // tracker saw it. They are written to the changelog as the tracker would have, then restored.
    await tracker.stop();
    await injectLoaded(test, ghosts);
    tracker = await test.startCaughtUp();
    const before = await test.readDeltas(['products']);
    await refreshAndWait(test, tracker);
    const deltas = (await test.readDeltas(['products'])).since(before);
    const reconciled = byKey(deltas.all, 'RECONCILE');
    assert.deepEqual([...reconciled.keys()].sort(), [...ghosts].sort());
    for (const ghost of ghosts) {
      const records = deltas.of('products', ghost);
      assert.deepEqual(
        records.map((record) => (record.tombstone ? 'tombstone' : `${record.delta?.op} ${record.delta?.reason}`)),
        ['DELETE RECONCILE', 'tombstone'],
      );
    }
    assert.equal(byKey(deltas.all, 'REFRESH').size, products.rows.size);
  });

  it('refuses a second refresh while one runs, naming it', async () => {
    await tracker.stop();
    const first = await test.cli(['refresh', '--entity', 'products']);
    assert.equal(first.code, 0, first.stderr);
    const id = /refresh (\S+) requested/.exec(first.stdout)?.[1];
    const second = await test.cli(['refresh']);
    assert.equal(second.code, 1);
    assert.match(second.stderr, new RegExp(`Refresh ${id} \\(products, requested .* by cli\\) is running: one refresh at a time`));
    tracker = test.start();
    await waitUntil(
      'the refresh to complete',
      async () => /no refresh is running/.test((await test.cli(['refresh', 'status'])).stdout),
      60_000,
      () => tracker.tail(),
    );
  });

  /** Loaded records of keys the CDC topic never had, written to the changelog as the tracker writes them. */
  async function injectLoaded(owner: TrackerTest, keys: readonly string[]): Promise<void> {
    await owner.writeDeltas(
      'products',
      keys.map((key) => ({
        op: 'UPSERT',
        reason: 'CHANGE',
        changedFields: ['code', 'description', 'unitPrice', 'active'],
        key,
        data: { code: key, description: `Ghost ${key}`, unitPrice: '1.00', active: true },
        source: { topic: products.topic, partition: 0, offset: 0, tsMs: 0, connector: null, position: null, epoch: 0 },
        emittedAtMs: Date.now(),
      })),
    );
  }
});

describe('refresh: capacity and crashes', () => {
  const rows = codes(uniqueCode('C'), 600);

  /** A CDC topic of these rows for one test (its cleanup deletes it). */
  async function productTopic(): Promise<ProductTopic> {
    const products = new ProductTopic();
    await products.create();
    await products.upsert(rows);
    return products;
  }
  function refreshedRate(deltas: Deltas): number {
    const times = deltas.all
      .filter((record) => record.delta?.reason === 'REFRESH')
      .map((record) => record.delta?.emittedAtMs ?? 0)
      .sort((a, b) => a - b);
    return times.length / (((times.at(-1) ?? 0) - (times[0] ?? 0)) / 1000);
  }

  it('stays within maxRecordsPerSecond, pauses while the loader lags, resumes when it catches up', async (t) => {
    const products = await productTopic();
    const test = new TrackerTest('refresh-capacity', { cdcTopics: { products: products.topic }, refresh: { maxRecordsPerSecond: 300, maxLoaderLag: 100 } });
    t.after(() => test.cleanup());
    const tracker = await test.startCaughtUp();
    // A loader group far behind: it has read nothing of the 600 first loads.
    const admin = testKafka().admin();
    await admin.connect();
    await admin.setOffsets({ groupId: test.loaderGroupId, topic: test.deltaTopics.products, partitions: [0, 1, 2].map((partition) => ({ partition, offset: '0' })) });
    const before = await test.readDeltas(['products']);
    const requested = await test.cli(['refresh', '--entity', 'products']);
    assert.equal(requested.code, 0, requested.stderr);
    await tracker.waitForLog('refresh paused: the loader lags behind', 30_000);
    await sleep(2_000);
    assert.equal((await test.readDeltas(['products'])).since(before).count(), 0, 'nothing is emitted while paused');
    await admin.disconnect();
    // The loader starts reading (and committing) again, and keeps up from then on.
    const loader = testKafka().consumer({ groupId: test.loaderGroupId, maxWaitTimeInMs: 100, readUncommitted: false });
    t.after(() => loader.disconnect());
    await loader.connect();
    await loader.subscribe({ topics: [test.deltaTopics.products] });
    await loader.run({ autoCommitInterval: 200, eachMessage: async () => undefined });
    await tracker.waitForLog('refresh resumed: the loader caught up', 30_000);
    await tracker.waitForLog('refresh completed', 60_000);
    const deltas = (await test.readDeltas(['products'])).since(before);
    assert.equal(byKey(deltas.all, 'REFRESH').size, rows.length);
    const rate = refreshedRate(deltas);
    assert.ok(rate <= 300 * 1.1, `REFRESH deltas at ${rate.toFixed(0)}/s, bound 300/s`);
    await tracker.stop();
  });

  it('kill -9 in the middle of a refresh: the restart completes it, no key skipped, none twice', async (t) => {
    const products = await productTopic();
    const test = new TrackerTest('refresh-crash', { cdcTopics: { products: products.topic }, refresh: { maxRecordsPerSecond: 200 } });
    t.after(() => test.cleanup());
    let tracker = await test.startCaughtUp();
    const before = await test.readDeltas(['products']);
    const requested = await test.cli(['refresh', '--entity', 'products']);
    assert.equal(requested.code, 0, requested.stderr);
    await waitUntil(
      'some REFRESH deltas',
      async () => byKey((await test.readDeltas(['products'])).since(before).all, 'REFRESH').size >= 100,
      60_000,
      () => tracker.tail(),
    );
    await tracker.kill();
    const atKill = byKey((await test.readDeltas(['products'])).since(before).all, 'REFRESH').size;
    assert.ok(atKill < rows.length, `killed in the middle (${atKill} of ${rows.length})`);
    await test.evictGroupMembers();
    tracker = test.start();
    await tracker.waitForLog((line) => line.msg === 'refresh of a task started' && line['resumed'] === true, 60_000);
    await tracker.waitForLog('refresh completed', 120_000);
    await tracker.stop();
    const refreshed = byKey((await test.readDeltas(['products'])).since(before).all, 'REFRESH');
    assert.equal(refreshed.size, rows.length, 'every key refreshed');
    assert.deepEqual(
      [...refreshed].filter(([, list]) => list.length !== 1).map(([key]) => key),
      [],
      'no key refreshed twice',
    );
  });
});

describe('refresh: safety', () => {
  it('refuses a refresh of a CDC topic that is not compacted, naming it', async (t) => {
    const topic = `erp-delta-test.${uniqueCode('cdc')}.products`;
    const admin = testKafka().admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3, configEntries: [{ name: 'cleanup.policy', value: 'delete' }] }], waitForLeaders: true });
    await admin.disconnect();
    const test = new TrackerTest('refresh-safety', { cdcTopics: { products: topic } });
    t.after(() => test.cleanup());
    const refused = await test.cli(['refresh', '--entity', 'products']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, new RegExp(`A refresh needs compacted CDC topics, and these are not: ${topic.replace(/\./g, '\\.')} \\(cleanup\\.policy=delete\\)`));
    assert.match(refused.stderr, /cleanup\.policy=compact/, 'the hint says what to set');
    const status = await test.cli(['refresh', 'status']);
    assert.match(status.stdout, /no refresh is running/);
    // The tracker says so at start-up too, and runs.
    const tracker = test.start();
    const logged = await tracker.waitForLog((line) => typeof line.msg === 'string' && line.msg.startsWith('A refresh needs compacted CDC topics'));
    assert.equal(logged['code'], 'REFRESH_REFUSED');
    await tracker.waitForLog('tasks ready');
    await tracker.stop();
  });
});
