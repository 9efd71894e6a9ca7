/**
 * `dlq replay` on the real stack, after the realistic fix of a config problem: the ERP renamed a
 * column (products.unit_price -> list_price) before the tracker's config followed, so every change
 * written after the rename was dead-lettered (NORMALIZE_FAILED: no column unit_price). Once the
 * config reads list_price, the replay re-drives those changes, and only where no newer version of
 * the key was processed since: the tracker never sets a key back, and a second replay emits nothing.
 *
 * The CDC topic is the test's own (Debezium JSON written with a plain producer), so that the test
 * controls which version of which row lands where.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import kafkajs from 'kafkajs';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { changeKey, changeValue } from '../../support/debezium-json.js';
import { PARTITIONS as PRODUCT_PARTITIONS, ProductTopic } from '../../support/product-topic.js';
import { testKafka } from '../../support/test-stack.js';
import { TrackerTest, uniqueCode } from '../../support/tracker-harness.js';

const { Partitioners } = kafkajs;

interface ReplayJson {
  dryRun: boolean;
  results: Array<{ outcome: string; detail: string; deadLetter: { key: string | null; source: { partition: number; offset: number }; errorCode: string } }>;
  summary: Record<string, number>;
}

/** Product rows as Debezium writes them: `upsert` with the price column of the day, `delete` with its tombstone. */
async function write(topic: string, changes: Array<{ code: string; price?: { column: string; value: string }; delete?: true }>): Promise<Array<{ partition: number; offset: number }>> {
  const producer = testKafka().producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const written: Array<{ partition: number; offset: number }> = [];
  try {
    for (const change of changes) {
      const key = changeKey('products', { code: change.code }, false);
      const messages = change.delete
        ? [
            { key, value: changeValue({ table: 'products', op: 'd', before: { code: change.code }, after: null, withSchema: false }) },
            { key, value: null },
          ]
        : [
            {
              key,
              value: changeValue({
                table: 'products',
                op: 'u',
                after: {
                  code: change.code,
                  description: `Product ${change.code}`,
                  active: true,
                  updated_at: '2026-11-25T10:00:00Z',
                  ...(change.price && { [change.price.column]: change.price.value }),
                },
                withSchema: false,
              }),
            },
          ];
      const [metadata] = await producer.send({ topic, acks: -1, messages });
      written.push({ partition: metadata?.partition ?? -1, offset: Number(metadata?.baseOffset) });
    }
  } finally {
    await producer.disconnect();
  }
  return written;
}

async function writeRaw(topic: string, value: string): Promise<{ partition: number; offset: number }> {
  const producer = testKafka().producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    const [metadata] = await producer.send({ topic, acks: -1, messages: [{ key: changeKey('products', { code: uniqueCode('BAD') }, false), value }] });
    return { partition: metadata?.partition ?? -1, offset: Number(metadata?.baseOffset) };
  } finally {
    await producer.disconnect();
  }
}

async function endOffsets(topics: readonly string[]): Promise<string> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    const ends: string[] = [];
    for (const topic of topics) for (const { partition, high } of await admin.fetchTopicOffsets(topic)) ends.push(`${topic}-${partition}:${high}`);
    return ends.sort().join(' ');
  } finally {
    await admin.disconnect();
  }
}

/** The tracker's config now reads the price from `column`. */
function priceColumn(test: TrackerTest, column: string): void {
  const config = parseYaml(readFileSync(test.configPath, 'utf8')) as { entities: { products: { fields: { unitPrice: { column: string } } } } };
  config.entities.products.fields.unitPrice.column = column;
  writeFileSync(test.configPath, stringifyYaml(config));
}

describe('dlq replay', () => {
  it('re-drives what a config problem dead-lettered, once it is fixed: never an older version, twice is harmless', async (t) => {
    const products = new ProductTopic();
    await products.create();
    const test = new TrackerTest('dlq-replay', { cdcTopics: { products: products.topic } });
    t.after(() => test.cleanup());
    const renamed = uniqueCode('REN');
    const changedSince = uniqueCode('NEW');
    const deletedSince = uniqueCode('DEL');
    const old = (value: string) => ({ column: 'unit_price', value });
    const renamedColumn = (value: string) => ({ column: 'list_price', value });

    // The table had the column long before the rename: every partition of its topic holds rows
    // with it (a partition that never had one reads a row without it as written before the
    // column existed: column-sightings.ts).
    const partitionsWithColumn = new Set<number>();
    for (let filler = 0; partitionsWithColumn.size < PRODUCT_PARTITIONS && filler < 200; filler += 1) {
      for (const { partition } of await write(products.topic, [{ code: uniqueCode('OLD'), price: old('9.00') }])) partitionsWithColumn.add(partition);
    }
    await write(products.topic, [
      { code: renamed, price: old('1.00') },
      { code: deletedSince, price: old('4.00') },
    ]);
    let tracker = await test.startCaughtUp();
    const since = new Date().toISOString();
    // The ERP renames the column; the tracker still reads unit_price.
    const [deadRenamed] = await write(products.topic, [
      { code: renamed, price: renamedColumn('2.50') },
      { code: changedSince, price: renamedColumn('3.00') },
      { code: deletedSince, price: renamedColumn('4.50') },
    ]);
    // And a record no config can read.
    const garbage = await writeRaw(products.topic, 'this is not JSON');
    await test.waitCaughtUp();
    const listed = await test.cli(['dlq', 'list', '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.equal(
      (JSON.parse(listed.stdout) as { deadLetters: Array<{ entity: string; errorCode: string }> }).deadLetters.filter((entry) => entry.entity === 'products' && entry.errorCode === 'NORMALIZE_FAILED')
        .length,
      3,
      listed.stdout,
    );

    // The fix: the config follows the rename. Meanwhile one row changes again, one is deleted.
    await tracker.stop();
    priceColumn(test, 'list_price');
    tracker = await test.startCaughtUp();
    await write(products.topic, [
      { code: changedSince, price: renamedColumn('3.75') },
      { code: deletedSince, delete: true },
    ]);
    await test.waitCaughtUp();
    const beforeReplay = await test.readDeltas(['products']);

    // --dry-run: says what it would do, changes nothing.
    // The CDC topic is written without transactions: its end offsets count its records exactly.
    const ends = await endOffsets([products.topic]);
    const deadLetters = (await test.readDeadLetters()).length;
    const dry = await test.cli(['dlq', 'replay', '--since', since, '--dry-run', '--json']);
    assert.equal(dry.code, 0, dry.stderr);
    const planned = JSON.parse(dry.stdout) as ReplayJson;
    assert.equal(planned.dryRun, true);
    const outcomeOf = (result: ReplayJson, code: string) => result.results.filter((entry) => entry.deadLetter.key?.includes(code)).map((entry) => entry.outcome);
    assert.deepEqual(outcomeOf(planned, renamed), ['would-redrive']);
    assert.deepEqual(outcomeOf(planned, changedSince), ['skipped']);
    assert.deepEqual(outcomeOf(planned, deletedSince), ['skipped']);
    assert.deepEqual(
      planned.results
        .filter((entry) => entry.deadLetter.source.partition === garbage.partition && entry.deadLetter.source.offset === garbage.offset)
        .map((entry) => [entry.outcome, entry.detail.replace(/\(Unexpected.*/, '')]),
      [['skipped', 'it still fails under this config (DECODE_FAILED): Cannot decode the record: the value is not JSON ']],
      'a record still bad is not written back: every replay would add a copy',
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    assert.equal(await endOffsets([products.topic]), ends, 'a dry run writes nothing back');
    await test.waitCaughtUp();
    assert.equal((await test.readDeltas(['products'])).count(), beforeReplay.count(), 'nor emits anything');
    assert.equal((await test.readDeadLetters()).length, deadLetters, 'nor writes a dead letter');

    // The replay: the renamed row's change is emitted once, with its data, at its original position.
    const replayed = await test.cli(['dlq', 'replay', '--since', since, '--entity', 'products']);
    assert.equal(replayed.code, 0, replayed.stderr);
    assert.match(
      replayed.stdout,
      new RegExp(
        `^redriven .*products .*@${deadRenamed?.offset}  NORMALIZE_FAILED  key .*${renamed}.*\\n +written back to ${products.topic}\\[${deadRenamed?.partition}\\], at its original offset ${deadRenamed?.offset}$`,
        'm',
      ),
    );
    assert.match(replayed.stdout, new RegExp(`^skipped .*${changedSince}.*\\n +superseded: .* has a newer record of this key at offset \\d+$`, 'm'));
    assert.match(replayed.stdout, new RegExp(`^skipped .*${deletedSince}.*\\n +superseded: .* has a newer record of this key at offset \\d+$`, 'm'));
    assert.match(replayed.stdout, /^1 re-driven to their CDC topic, 0 re-posted to the target, 3 skipped, 0 failed\.$/m);
    await test.waitCaughtUp();
    const afterReplay = await test.readDeltas(['products']);
    const emitted = afterReplay.since(beforeReplay).all;
    assert.deepEqual(
      emitted.map((record) => [record.key, record.delta?.op, record.delta?.data?.['unitPrice'], record.delta?.source.offset, record.delta?.changedFields]),
      [[renamed, 'UPSERT', '2.50', deadRenamed?.offset, ['unitPrice']]],
    );
    // What a user checks: each key's loaded record is its latest version.
    const state = async (code: string) => {
      const result = await test.cli(['state', 'get', 'products', code, '--json']);
      return result.code === 0 ? (JSON.parse(result.stdout) as { delta: { op: string; data: Record<string, unknown> | null } | null }).delta : result.stderr;
    };
    assert.equal(((await state(renamed)) as { data: Record<string, unknown> }).data['unitPrice'], '2.50');
    assert.equal(((await state(changedSince)) as { data: Record<string, unknown> }).data['unitPrice'], '3.75', 'the newer version stays loaded');
    // The last record of a deleted key is the tombstone after its DELETE.
    assert.equal(await state(deletedSince), null, 'the deleted row stays deleted');

    // A second replay re-drives the same record again: the tracker places it where the first one
    // stands, at or before the loaded record, and emits nothing.
    const again = await test.cli(['dlq', 'replay', '--since', since, '--json']);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(outcomeOf(JSON.parse(again.stdout) as ReplayJson, renamed), ['redriven']);
    await test.waitCaughtUp();
    assert.deepEqual(
      (await test.readDeltas(['products'])).since(afterReplay).all.map((record) => record.key),
      [],
      'nothing emitted the second time',
    );
    assert.deepEqual(tracker.logs('record dead-lettered'), [], 'the re-driven record did not fail again');
    const stillListed = await test.cli(['dlq', 'list', '--json']);
    // (The shared customers topic holds other tests' bad records: this tracker dead-lettered them too, before `since`.)
    assert.equal(
      (JSON.parse(stillListed.stdout) as { deadLetters: Array<{ entity: string }> }).deadLetters.filter((entry) => entry.entity === 'products').length,
      4,
      `the dead letters stay, and none was added: ${stillListed.stdout}`,
    );
  });

  it('refuses a bad option value, naming it', async (t) => {
    const test = new TrackerTest('dlq-replay-options');
    t.after(() => test.cleanup());
    const since = await test.cli(['dlq', 'replay', '--since', 'last tuesday']);
    assert.equal(since.code, 2);
    assert.match(since.stderr, /--since "last tuesday" is not an ISO time/);
    const entity = await test.cli(['dlq', 'replay', '--entity', 'invoices']);
    assert.equal(entity.code, 2);
    assert.match(entity.stderr, /--entity "invoices" is not an entity of the config \(customers, products, stock_levels\)/);
    const target = await test.cli(['dlq', 'replay', '--target', 'ftp://example.com']);
    assert.equal(target.code, 2);
    assert.match(target.stderr, /--target "ftp:\/\/example.com" is not an http\(s\) URL/);
  });
});
