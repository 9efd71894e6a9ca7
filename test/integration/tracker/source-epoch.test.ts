/**
 * Issue 16, part 3 on the real stack: a source whose positions start over (the ERP database
 * restored onto another server). Changes made after the loaded version but with earlier positions
 * are not applied and not dropped silently: an error log names the entity and both positions, a
 * metric counts them, the status page shows them. `erp-delta capture reset --entity products`
 * starts a new source epoch, after which the source's changes compare again, also after a kill -9.
 *
 * The records are written by hand to a CDC topic of the test's own: making Debezium's positions
 * start over takes a second database server, which the local stack does not have.
 */
import assert from 'node:assert/strict';
import { describe, it, after, before } from 'node:test';
import kafkajs from 'kafkajs';
import { changeKey, changeValue } from '../../support/debezium-json.js';
import { testKafka } from '../../support/test-stack.js';
import { TrackerTest, uniqueCode, waitUntil, type Deltas, type TrackerProcess } from '../../support/tracker-harness.js';

const { Partitioners } = kafkajs;
const topic = `erp-delta-test.${uniqueCode('epoch')}.products`;
const T0 = 1_796_000_000_000;

async function send(code: string, op: 'r' | 'u', price: string, position: { lsn: number; lastCommitLsn?: number | null; txId?: number }, tsMs: number): Promise<void> {
  const row = { code, description: `Product ${code}`, unit_price: price, active: true, updated_at: '2026-12-01T10:00:00Z' };
  const producer = testKafka().producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: [{ key: changeKey('products', row, false), value: changeValue({ table: 'products', op, after: row, position, tsMs, withSchema: false }) }] });
  } finally {
    await producer.disconnect();
  }
}

function prices(deltas: Deltas, code: string): Array<[string | undefined, unknown, number | undefined]> {
  return deltas
    .of('products', code)
    .filter((record) => !record.tombstone)
    .map((record) => [record.delta?.op, record.delta?.data?.['unitPrice'], record.delta?.source.epoch]);
}

async function adminPort(tracker: TrackerProcess): Promise<number> {
  return Number((await tracker.waitForLog('admin endpoint: /healthz /readyz /metrics'))['port']);
}

describe('tracker: source positions that start over, and a new source epoch', () => {
  let test: TrackerTest;
  let tracker: TrackerProcess;
  const code = uniqueCode('EP');

  before(async () => {
    const admin = testKafka().admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }], waitForLeaders: true });
    await admin.disconnect();
    test = new TrackerTest('source-epoch', { cdcTopics: { products: topic } });
  });
  // The test's own CDC topic goes with the test's other topics.
  after(() => test?.cleanup());

  it('reports changes behind the loaded position, and applies them in a new epoch', async () => {
    await send(code, 'r', '1.00', { lsn: 50_000_000, lastCommitLsn: null }, T0);
    await send(code, 'u', '2.00', { lsn: 50_000_200, lastCommitLsn: 50_000_100, txId: 900 }, T0 + 1_000);
    tracker = await test.startCaughtUp();
    assert.deepEqual(prices(await test.readDeltas(['products']), code), [
      ['UPSERT', '1.00', 0],
      ['UPSERT', '2.00', 0],
    ]);

    // The ERP database, restored onto a new server, writes its changes at positions far behind.
    await send(code, 'u', '3.00', { lsn: 2_000, lastCommitLsn: 1_900, txId: 5 }, T0 + 60_000);
    const logged = await tracker.waitForLog('source positions went back: changes made after the loaded version carry an earlier position, so they are not applied');
    assert.equal(logged['entity'], 'products');
    assert.equal(logged['key'], code);
    assert.match(String(logged['recordPosition']), /^lsn 0\/7D0 \(last commit 0\/76C\)/);
    assert.match(String(logged['loadedPosition']), /^lsn 0\/2FAF148 \(last commit 0\/2FAF0E4\)/);
    const port = await adminPort(tracker);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    assert.match(metrics, /erp_delta_source_positions_behind_total\{entity="products"\} 1/);
    const status = (await (await fetch(`http://127.0.0.1:${port}/api/status`)).json()) as {
      entities: Array<{ name: string; sourcePositions: { behind: number; epoch: number; lastBehind: { key: string } | null } }>;
    };
    const products = status.entities.find((entity) => entity.name === 'products');
    assert.equal(products?.sourcePositions.behind, 1);
    assert.equal(products?.sourcePositions.epoch, 0);
    assert.equal(products?.sourcePositions.lastBehind?.key, code);
    await test.waitCaughtUp();
    assert.deepEqual(
      prices(await test.readDeltas(['products']), code),
      [
        ['UPSERT', '1.00', 0],
        ['UPSERT', '2.00', 0],
      ],
      'held back, not applied',
    );

    const reset = await test.cli(['capture', 'reset', '--entity', 'products']);
    assert.equal(reset.code, 0, reset.stderr);
    assert.match(reset.stdout, /products: source epoch 1 started/);
    assert.match(reset.stdout, /refresh --from-source --entity products/);
    await tracker.waitForLog((line) => line.msg === 'source epoch' && line['entity'] === 'products' && line['epoch'] === 1);

    await send(code, 'u', '4.00', { lsn: 2_400, lastCommitLsn: 2_300, txId: 6 }, T0 + 120_000);
    await waitUntil(
      'the change in the new epoch',
      async () => prices(await test.readDeltas(['products']), code).length === 3,
      60_000,
      () => tracker.tail(),
    );

    // Killed and started again: the epoch is read back, and a re-sent record of it changes nothing.
    await tracker.kill();
    await test.evictGroupMembers();
    tracker = await test.startCaughtUp();
    await send(code, 'u', '4.00', { lsn: 2_400, lastCommitLsn: 2_300, txId: 6 }, T0 + 120_000);
    await send(code, 'u', '3.00', { lsn: 2_000, lastCommitLsn: 1_900, txId: 5 }, T0 + 60_000);
    await test.waitCaughtUp();
    assert.deepEqual(prices(await test.readDeltas(['products']), code), [
      ['UPSERT', '1.00', 0],
      ['UPSERT', '2.00', 0],
      ['UPSERT', '4.00', 1],
    ]);
    await tracker.stop();
  });
});
