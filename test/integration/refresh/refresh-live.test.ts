/**
 * Issue 5 on the real stack: a refresh and live changes at the same time (the live changes win,
 * per-key order holds), and the refresh schedule firing inside `erp-delta run`.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { byKey, codes, ProductTopic } from '../../support/product-topic.js';
import { TrackerTest, uniqueCode } from '../../support/tracker-harness.js';

describe('refresh: with live changes, and on a schedule', () => {
  it('live changes during a refresh are never overwritten by older values', async (t) => {
    const products = new ProductTopic();
    await products.create();
    const rows = codes(uniqueCode('V'), 300);
    await products.upsert(rows);
    const test = new TrackerTest('refresh-live', { cdcTopics: { products: products.topic }, refresh: { maxRecordsPerSecond: 150 } });
    t.after(() => test.cleanup());
    const tracker = await test.startCaughtUp();
    const before = await test.readDeltas(['products']);
    const requested = await test.cli(['refresh', '--entity', 'products']);
    assert.equal(requested.code, 0, requested.stderr);
    // While the refresh runs (about 2 s), a third of the rows change, twice.
    const changing = rows.filter((_, index) => index % 3 === 0);
    await tracker.waitForLog('refresh of a task started');
    for (let round = 0; round < 2; round += 1) {
      await products.upsert(changing);
      await sleep(400);
    }
    await tracker.waitForLog('refresh completed', 60_000);
    await test.waitCaughtUp();
    await tracker.stop();

    const deltas = (await test.readDeltas(['products'])).since(before);
    const wrong: string[] = [];
    for (const code of rows) {
      const records = deltas.of('products', code).filter((record) => !record.tombstone);
      const last = records.at(-1)?.delta;
      if (last?.data?.['description'] !== products.rows.get(code)?.description) wrong.push(`${code}: ends with ${String(last?.data?.['description'])}`);
      const offsets = records.map((record) => record.delta?.source.offset ?? -1);
      if (offsets.some((offset, index) => index > 0 && offset < (offsets[index - 1] ?? -1))) wrong.push(`${code}: source offsets ${offsets.join(',')} go back`);
      if (records.filter((record) => record.delta?.reason === 'REFRESH').length > 1) wrong.push(`${code}: refreshed twice`);
    }
    assert.deepEqual(wrong.slice(0, 10), [], `${wrong.length} keys wrong`);
    assert.equal(byKey(deltas.all, 'CHANGE').size, changing.length, 'every live change has its CHANGE delta');
  });

  it('a short cron schedule fires a refresh inside `erp-delta run`', async (t) => {
    const products = new ProductTopic();
    await products.create();
    await products.upsert(codes(uniqueCode('S'), 30));
    const test = new TrackerTest('refresh-schedule', { cdcTopics: { products: products.topic } });
    t.after(() => test.cleanup());
    // Every product loaded first: a refresh re-sends only what is loaded, and a schedule that fires
    // while the tracker still catches up would find some products not loaded yet (they go out as
    // their first load instead, as CHANGE), which is not what this test counts.
    await (await test.startCaughtUp()).stop();
    const config = parseYaml(readFileSync(test.configPath, 'utf8')) as { refresh: Record<string, unknown> };
    config.refresh['schedule'] = { cron: '*/5 * * * * *', timeZone: 'Africa/Johannesburg' };
    writeFileSync(test.configPath, stringifyYaml(config));
    const tracker = await test.startCaughtUp();
    const planned = await tracker.waitForLog('refresh schedule');
    assert.equal(planned['cron'], '*/5 * * * * *');
    const requested = await tracker.waitForLog('scheduled refresh requested', 20_000);
    assert.match(String(requested['refresh']), /^scheduled-\d{8}T\d{4}$/);
    await tracker.waitForLog('refresh completed', 60_000);
    await tracker.stop();
    const refreshed = byKey((await test.readDeltas(['products'])).all, 'REFRESH');
    assert.ok(refreshed.size >= products.rows.size, `the scheduled refresh re-sent the ${products.rows.size} products (${refreshed.size} keys refreshed)`);
  });
});
