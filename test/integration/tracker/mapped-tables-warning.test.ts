/**
 * `run` says so when its state store maps LevelDB's table files into memory (classic-level's
 * prebuilt binary, when the install could not build the pread one): the RSS would then grow with
 * the key count. With the install's build it says nothing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { prebuiltClassicLevelEnv } from '../../support/prebuilt-classic-level.js';
import { codes, ProductTopic } from '../../support/product-topic.js';
import { TrackerTest, uniqueCode } from '../../support/tracker-harness.js';

const WARNING = 'the state store maps its LevelDB tables into memory: the RSS grows with the key count';
/** Counters, and with them the check, every 300 ms instead of 10 s. */
const OFTEN = { ERP_DELTA_COUNTERS_INTERVAL_MS: '300' };

describe('tracker: the state store\'s table reads', () => {
  it('warns when its tables are mapped (the prebuilt classic-level), and not with the install\'s build', async (t) => {
    const products = new ProductTopic();
    await products.create();
    const rows = codes(uniqueCode('MT'), 40);
    await products.upsert(rows);
    const test = new TrackerTest('mapped-tables', { cdcTopics: { products: products.topic } });
    t.after(() => test.cleanup());

    // The first run fills the store; LevelDB turns its log into a table file when it is reopened.
    await (await test.startCaughtUp('a', test.dataDir('a'), OFTEN)).stop();

    const built = await test.startCaughtUp('a', test.dataDir('a'), OFTEN);
    await products.upsert(rows);
    await test.waitCaughtUp();
    const after = built.lines.length;
    await built.waitForLog('counters', 10_000, after);
    await built.waitForLog('counters', 10_000, built.lines.length);
    assert.deepEqual(built.logs(WARNING), [], 'the install\'s build reads its tables without mapping them');
    await built.stop();

    const prebuilt = await test.startCaughtUp('a', test.dataDir('a'), { ...OFTEN, ...prebuiltClassicLevelEnv(test.workDir) });
    await products.upsert(rows);
    await test.waitCaughtUp();
    const warning = await prebuilt.waitForLog(WARNING, 10_000);
    assert.ok(typeof warning['mappedTables'] === 'number' && warning['mappedTables'] >= 1, JSON.stringify(warning));
    assert.match(String(warning['hint']), /npm run build:state-store/);
    await prebuilt.stop();
  });
});
