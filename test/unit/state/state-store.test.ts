import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CONFIG_DEFAULTS } from '../../../src/config/tracker-config.js';
import { leveldbOptions, StateStore } from '../../../src/state/state-store.js';
import type { LoadedRecord } from '../../../src/model/loaded-record.js';

function loaded(key: string, city: string, offset: number): LoadedRecord {
  const data = { code: key, city };
  return { key, data, source: { topic: 'erp.public.customers', partition: 1, offset, tsMs: 0, connector: null, position: null, epoch: 0 } };
}

/** The record as plain data: getMany's records parse themselves lazily (stored-record.ts). */
function plain(record: LoadedRecord | undefined): LoadedRecord | undefined {
  return record && { key: record.key, data: record.data, source: record.source };
}

describe('state store (a real LevelDB)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'erp-delta-store-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes records and the checkpoint together, and reads many keys at once in order', async () => {
    const store = await StateStore.open(join(dir, 'a'));
    assert.equal(await store.changelogNextOffset(), undefined);
    await store.write({ put: [loaded('C1', 'Durban', 5), loaded('C2', 'Paarl', 6)], delete: [], changelogNextOffset: '12' });
    assert.deepEqual((await store.getMany(['C2', 'missing', 'C1'])).map(plain), [loaded('C2', 'Paarl', 6), undefined, loaded('C1', 'Durban', 5)]);
    assert.equal(await store.changelogNextOffset(), '12');

    await store.write({ put: [loaded('C1', 'Cape Town', 9)], delete: ['C2'] });
    assert.equal(await store.changelogNextOffset(), '12', 'a write without deltas keeps the checkpoint');
    const all = [];
    for await (const record of store.records()) all.push(record);
    assert.deepEqual(all, [loaded('C1', 'Cape Town', 9)]);
    await store.close();
  });

  it('says how much memory its write buffer holds, and nothing once closed', async () => {
    const store = await StateStore.open(join(dir, 'memory'));
    const before = store.memoryBytes();
    const records = Array.from({ length: 5_000 }, (_, index) => loaded(`C${index}`, 'Stellenbosch'.repeat(10), index));
    await store.write({ put: records, delete: [] });
    const after = store.memoryBytes();
    assert.ok(after - before > 5_000 * 120, `5,000 records of more than 120 bytes each are in the write buffer: ${before} -> ${after} bytes`);
    await store.close();
    assert.equal(store.memoryBytes(), 0);
  });

  it('says what its compactions wrote, once a memtable was flushed, and nothing once closed', async () => {
    const store = await StateStore.open(join(dir, 'compactions'));
    assert.deepEqual(store.compactionStats(), { level0Files: 0, seconds: 0, writtenBytes: 0 });
    // About five times the smallest write buffer: LevelDB switches to a new one only once the one
    // before is flushed to level 0, so at least three flushes have completed when the writes return.
    for (let page = 0; page < 8; page += 1) {
      // Random text: LevelDB compresses its tables, and a repeated city would shrink to nothing.
      const records = Array.from({ length: 5_000 }, (_, index) => loaded(`C${page}-${index}`, randomBytes(90).toString('base64'), index));
      await store.write({ put: records, delete: [] });
    }
    const stats = store.compactionStats();
    assert.ok(stats.writtenBytes >= 3 * 1024 * 1024, `the flushed write buffers' tables are counted: ${JSON.stringify(stats)}`);
    await store.close();
    assert.deepEqual(store.compactionStats(), { level0Files: 0, seconds: 0, writtenBytes: 0 });
  });

  it('keeps everything across a reopen', async () => {
    const first = await StateStore.open(join(dir, 'b'));
    await first.write({ put: [loaded('K', 'X', 1)], delete: [], changelogNextOffset: '2' });
    await first.close();
    const second = await StateStore.open(join(dir, 'b'));
    assert.deepEqual((await second.getMany(['K'])).map(plain), [loaded('K', 'X', 1)]);
    assert.equal(await second.changelogNextOffset(), '2');
    await second.close();
  });

  it("keeps a compare's marks with how far its marking read got and the snapshot rows it counted, across a reopen", async () => {
    const first = await StateStore.open(join(dir, 'c'));
    await first.markSeen('cmp-1', ['A', 'B'], '10', 2);
    await first.markSeen('cmp-1', ['C'], '15', 1);
    // A key the live path marks adds no snapshot row and keeps how far the read got.
    await first.markSeen('cmp-1', ['D']);
    await first.close();
    const second = await StateStore.open(join(dir, 'c'));
    assert.deepEqual(await second.compareMarks(), { id: 'cmp-1', markedTo: '15', snapshotRows: 3 });
    assert.deepEqual(await second.seenBy('cmp-1', ['A', 'D', 'E']), [true, true, false]);
    // Another compare starts over.
    await second.markSeen('cmp-2', ['E'], '20', 1);
    assert.deepEqual(await second.compareMarks(), { id: 'cmp-2', markedTo: '20', snapshotRows: 1 });
    assert.deepEqual(await second.seenBy('cmp-2', ['A', 'E']), [false, true]);
    await second.close();
  });

  it("opens with the options the config gives, its write buffer a share of the process's budget", async () => {
    const MiB = 1024 * 1024;
    const options = leveldbOptions({ ...CONFIG_DEFAULTS.stateStore, cacheBytes: 0, maxOpenFiles: 100, blockBytes: 16_384 }, 6);
    assert.deepEqual(options, { cacheBytes: 0, maxOpenFiles: 100, blockBytes: 16_384, writeBufferBytes: 4 * MiB });
    const store = await StateStore.open(join(dir, 'options'), { leveldb: options });
    await store.write({ put: [loaded('C1', 'Durban', 5)], delete: [] });
    assert.deepEqual((await store.getMany(['C1'])).map(plain), [loaded('C1', 'Durban', 5)]);
    await store.close();
  });
});
