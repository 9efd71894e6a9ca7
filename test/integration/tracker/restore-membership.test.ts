/**
 * Issue 23, part 2 on the real stack: a restore longer than the consumer group's session timeout.
 * The data dir is deleted and one changelog partition holds enough keys that restoring it takes
 * several session timeouts. The instance must keep its group membership throughout (one join, one
 * member id, no rebalance), run the partitions whose stores caught up while that one restores,
 * complete the restore, and emit each change after it exactly once: nothing re-sent.
 *
 * ERP_DELTA_TEST_RESTORE_KEYS sets the key count (default 3,000,000: about 20 s of restore at
 * the 140,000 keys/s measured on 2 shared cores): the test checks that the restore took at least
 * twice the session timeout, and says to raise it on a faster machine. Only what was written after
 * the seeded keys is read back, so the key count costs the test Kafka's disk, not its memory.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Delta } from '../../../src/model/delta.js';
import { adminBase, metric } from '../../support/capture-watch.js';
import { codes, ProductTopic } from '../../support/product-topic.js';
import { TrackerTest, uniqueCode, type LogLine, type TrackerProcess } from '../../support/tracker-harness.js';

/** The broker's smallest (group.min.session.timeout.ms): the restore has to outlast it clearly. */
const SESSION_TIMEOUT_MS = 6_000;
const SEEDED_KEYS = Number(process.env['ERP_DELTA_TEST_RESTORE_KEYS'] ?? 3_000_000);
const SEED_CHUNK = 100_000;
/** The changelog partition that gets the seeded keys: its restore is the long one. */
const BIG = 0;

describe('tracker: a restore longer than the session timeout', () => {
  const products = new ProductTopic();
  let test: TrackerTest;
  let tracker: TrackerProcess | undefined;

  before(async () => {
    await products.create();
    test = new TrackerTest('restore', { cdcTopics: { products: products.topic }, kafka: { sessionTimeoutMs: SESSION_TIMEOUT_MS } });
  });

  after(async () => {
    if (tracker?.running) await tracker.stop();
    await test?.cleanup();
  });

  it('keeps its group membership, runs the partitions restored already, and re-sends nothing', async () => {
    const live = codes(uniqueCode('R'), 30);
    await products.upsert(live);
    tracker = await test.startCaughtUp();
    const loaded = await test.readDeltas(['products']);
    assert.equal(loaded.count('products'), live.length, 'one UPSERT per product');
    const partitionOf = new Map(loaded.all.map((record) => [record.key, record.partition]));
    const onBig = live.filter((code) => partitionOf.get(code) === BIG);
    const elsewhere = live.filter((code) => partitionOf.get(code) !== BIG);
    assert.ok(onBig.length >= 1 && elsewhere.length >= 2, `products on partition ${BIG} and elsewhere: ${JSON.stringify([...partitionOf])}`);
    await tracker.stop();
    rmSync(test.dataDir(), { recursive: true, force: true });

    // Loaded records of keys the CDC topic does not hold, as the tracker writes them, on one
    // changelog partition: restoring it takes long, and none of them may be sent again.
    const seededPrefix = uniqueCode('S');
    const seedStarted = Date.now();
    for (let first = 0; first < SEEDED_KEYS; first += SEED_CHUNK) {
      const keys = Array.from({ length: Math.min(SEED_CHUNK, SEEDED_KEYS - first) }, (_, index) => `${seededPrefix}-${first + index}`);
      await test.writeDeltas('products', keys.map(loadedProduct), { partition: BIG });
    }
    const seedMs = Date.now() - seedStarted;
    const seededEnds = await test.deltaEnds('products');

    // Changes made while it is away, on the long partition and on another: each emitted once.
    const [changedOnBig] = onBig as [string];
    const [changedElsewhere, changedDuringRestore] = elsewhere as [string, string];
    await products.upsert([changedOnBig, changedElsewhere]);

    tracker = test.start();
    const restoring = await tracker.waitForLog('restoring state stores from their changelogs', 120_000);
    // A change of a partition whose store is small, made while the big one restores.
    await products.upsert([changedDuringRestore]);
    const restored = await tracker.waitForLog('state stores restored', 600_000);
    await tracker.waitForLog('tasks ready', 60_000);
    await test.waitCaughtUp(120_000);
    const restoreMs = restored['ms'] as number;
    console.log(
      `restore: ${restored['records']} records in ${restoreMs} ms, ${restored['recordsPerSecond']} records/s (session timeout ${SESSION_TIMEOUT_MS} ms; ${SEEDED_KEYS} keys seeded in ${seedMs} ms)`,
    );
    assert.ok(
      restoreMs >= 2 * SESSION_TIMEOUT_MS,
      `the restore took ${restoreMs} ms, not clearly longer than the ${SESSION_TIMEOUT_MS} ms session timeout: raise ERP_DELTA_TEST_RESTORE_KEYS (${SEEDED_KEYS})`,
    );
    assert.ok((restored['records'] as number) >= SEEDED_KEYS, `every seeded key was restored: ${restored['records']}`);

    // The membership: one join and one member id from the start to now; the group has it alone.
    const joins = tracker.logs('joined the group');
    const rebalancing = tracker.lines.filter((line) => typeof line.msg === 'string' && /rebalanc|not aware of this member/i.test(line.msg));
    assert.equal(joins.length, 1, `one join, no rebalance during the restore: ${JSON.stringify(joins.map(joinSummary))}; ${JSON.stringify(rebalancing.map((line) => line.msg))}`);
    assert.deepEqual(rebalancing, []);
    const members = await test.groupAssignment();
    assert.deepEqual(
      members.map((member) => member.memberId),
      [joins[0]?.['memberId']],
      'the member that joined at start is the group',
    );

    // Nothing re-sent: everything written after the seeded keys is the three changes, once each
    // (a seeded key or a product sent again would be there too).
    const fresh = (await test.readDeltasFrom('products', seededEnds)).all;
    assert.deepEqual(fresh.map((record) => record.key).sort(), [changedOnBig, changedElsewhere, changedDuringRestore].sort(), 'one delta per change made, and no other');
    for (const record of fresh) {
      assert.equal(record.delta?.op, 'UPSERT');
      assert.deepEqual(record.delta?.changedFields, ['description', 'unitPrice'], `${record.key}: a change against the restored record`);
    }

    // The partition whose store had caught up processed its change while the big one restored.
    const duringRestore = fresh.find((record) => record.key === changedDuringRestore)?.delta?.emittedAtMs ?? Number.POSITIVE_INFINITY;
    assert.ok(
      duringRestore < (restored['time'] as number),
      `the change of ${changedDuringRestore} (partition ${partitionOf.get(changedDuringRestore)}) was emitted at ${duringRestore}, before the restore ended at ${restored['time']}`,
    );

    // What it said meanwhile: how much it had to read, and its progress.
    assert.ok((restoring['offsets'] as number) >= SEEDED_KEYS, `the restore said how much it had to read: ${restoring['offsets']}`);
    const progress = tracker.logs('restoring state stores: progress');
    assert.ok(progress.length >= 1, 'progress was logged during the restore');
    assert.ok(
      progress.every((line) => (line['recordsPerSecond'] as number) > 0 && typeof line['etaSeconds'] === 'number'),
      JSON.stringify(progress),
    );

    // What the restore cost LevelDB, as the dashboard shows it: the seeded keys' tables written
    // (memtable flushes and compactions) on the task's store, with level 0 below the write stop.
    const base = await adminBase(tracker);
    const written = await metric(base, 'erp_delta_state_store_compaction_written_bytes');
    assert.ok(written !== undefined && written >= 32 * 1024 ** 2, `LevelDB wrote the ${SEEDED_KEYS} seeded keys' tables: ${written} bytes`);
    const level0 = await metric(base, 'erp_delta_state_store_level0_files');
    assert.ok(level0 !== undefined && level0 < 12, `level 0's files: ${level0}`);
    assert.ok((await metric(base, 'erp_delta_state_store_compaction_seconds')) !== undefined);

    await tracker.stop();
  });

  /** A loaded record as the tracker's delta for it: what the restore puts into the store. */
  function loadedProduct(key: string): Delta {
    return {
      op: 'UPSERT',
      reason: 'CHANGE',
      changedFields: ['code', 'description', 'unitPrice', 'active'],
      key,
      data: { code: key, description: `Seeded ${key}`, unitPrice: '1.00', active: true },
      source: { topic: products.topic, partition: BIG, offset: 0, tsMs: 0, connector: null, position: null, epoch: 0 },
      emittedAtMs: Date.now(),
    };
  }
});

function joinSummary(line: LogLine): unknown {
  return { time: line['time'], memberId: line['memberId'], partitions: line['partitions'] };
}
