import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseRepIndexKey, repIndexKey, repRange, repRangesExcept } from '../../../src/state/rep-index.js';
import { StateStore } from '../../../src/state/state-store.js';
import type { LoadedRecord } from '../../../src/model/loaded-record.js';

function inRange(key: string, range: { gte: string; lt: string }): boolean {
  return key >= range.gte && key < range.lt;
}

function customer(key: string, rep: string | null, user: string | null, offset = 1): LoadedRecord {
  const data = { code: key, salesRepCode: rep, assignedUserId: user };
  return { key, data, source: { topic: 'erp.public.customers', partition: 0, offset, tsMs: 0, connector: null, position: null, epoch: 0 } };
}

describe('rep index keys', () => {
  it('round-trips whatever characters the parts hold', () => {
    for (const [rep, user, key] of [
      ['SAL001', 'u-1', 'C1'],
      ['S"A,L', null, '["A","B"]'],
      ['', 'ü', 'x]y'],
    ] as const) {
      assert.deepEqual(parseRepIndexKey(repIndexKey(rep, user, key)), { rep, userId: user, customerKey: key });
    }
  });

  it("puts a rep's entries, and only those, in its range", () => {
    assert.ok(inRange(repIndexKey('SAL1', 'u', 'C'), repRange('SAL1')));
    assert.ok(!inRange(repIndexKey('SAL10', 'u', 'C'), repRange('SAL1')), 'a rep code that extends another is another rep');
    assert.ok(!inRange(repIndexKey('SAL', 'u', 'C'), repRange('SAL1')));
  });

  it('excludes exactly the entries that carry the given user', () => {
    const ranges = repRangesExcept('SAL1', 'u-2');
    const matched = (key: string): boolean => ranges.some((range) => inRange(key, range));
    assert.ok(!matched(repIndexKey('SAL1', 'u-2', 'C1')));
    assert.ok(matched(repIndexKey('SAL1', 'u-1', 'C1')));
    assert.ok(matched(repIndexKey('SAL1', 'u-20', 'C1')), 'a user id that extends another is another user');
    assert.ok(matched(repIndexKey('SAL1', null, 'C1')));
    assert.ok(!matched(repIndexKey('SAL2', 'u-1', 'C1')));
    assert.ok(!repRangesExcept('SAL1', null).some((range) => inRange(repIndexKey('SAL1', null, 'C'), range)));
  });
});

describe('state store rep index (a real LevelDB)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'erp-delta-rep-index-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function keysOf(store: StateStore, rep: string, exceptUser: string | null, pageSize = 2): Promise<string[]> {
    const pages = store.indexPages(repRangesExcept(rep, exceptUser));
    const keys: string[] = [];
    for (let page = await pages.next(pageSize); page.length > 0; page = await pages.next(pageSize)) keys.push(...page);
    await pages.close();
    return keys;
  }

  it('follows each record from rep to rep and user to user, and forgets deleted ones', async () => {
    const store = await StateStore.open(join(dir, 'a'), { repIndex: { repField: 'salesRepCode', userField: 'assignedUserId' } });
    await store.write({ put: [customer('C1', 'SAL1', 'u-1'), customer('C2', 'SAL1', 'u-1'), customer('C3', 'SAL1', null), customer('C4', 'SAL2', 'u-2'), customer('C5', null, null)], delete: [] });
    assert.deepEqual(await store.indexedReps(), ['SAL1', 'SAL2']);
    assert.deepEqual(await keysOf(store, 'SAL1', 'u-1'), ['C3']);
    assert.deepEqual((await keysOf(store, 'SAL1', 'u-9')).sort(), ['C1', 'C2', 'C3'], 'every page is read');

    await store.write({ put: [customer('C1', 'SAL2', 'u-2', 2), customer('C3', 'SAL1', 'u-1', 2)], delete: ['C2'] });
    assert.deepEqual(await keysOf(store, 'SAL1', 'u-9'), ['C3']);
    assert.deepEqual(await keysOf(store, 'SAL2', null), ['C1', 'C4']);
    await store.write({ put: [], delete: ['C3'] });
    assert.deepEqual(await store.indexedReps(), ['SAL2']);
    await store.close();
  });

  it('reads pages from a snapshot: entries moved while paging are not read twice', async () => {
    const store = await StateStore.open(join(dir, 'b'), { repIndex: { repField: 'salesRepCode', userField: 'assignedUserId' } });
    await store.write({ put: ['K1', 'K2', 'K3', 'K4'].map((key) => customer(key, 'R', 'old')), delete: [] });
    const pages = store.indexPages(repRangesExcept('R', 'new'));
    const seen: string[] = [];
    for (let page = await pages.next(1); page.length > 0; page = await pages.next(1)) {
      seen.push(...page);
      await store.write({ put: page.map((key) => customer(key, 'R', 'new', 2)), delete: [] });
    }
    assert.deepEqual(seen, ['K1', 'K2', 'K3', 'K4']);
    assert.deepEqual(await keysOf(store, 'R', 'new'), []);
    await store.close();
  });

  it('builds the index of a store written without one, and drops it when no longer wanted', async () => {
    const fields = { repField: 'salesRepCode', userField: 'assignedUserId' };
    const plain = await StateStore.open(join(dir, 'c'));
    await plain.write({ put: [customer('C1', 'SAL1', 'u-1'), customer('C2', 'SAL2', null)], delete: [] });
    assert.deepEqual(await plain.indexedReps(), []);
    await plain.close();

    const indexed = await StateStore.open(join(dir, 'c'), { repIndex: fields });
    assert.deepEqual(await indexed.indexedReps(), ['SAL1', 'SAL2']);
    assert.deepEqual(await keysOf(indexed, 'SAL1', null), ['C1']);
    await indexed.close();

    const dropped = await StateStore.open(join(dir, 'c'));
    assert.deepEqual(await dropped.indexedReps(), []);
    await dropped.close();

    const other = await StateStore.open(join(dir, 'c'), { repIndex: { repField: 'code', userField: 'assignedUserId' } });
    assert.deepEqual(await other.indexedReps(), ['C1', 'C2'], 'an index of other fields is rebuilt');
    await other.close();
  });
});
