import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeLoadedRecord, decodeStoredState, encodeLoadedRecord, storedState, StoredLoadedRecord } from '../../../src/state/stored-record.js';
import { compareWithLoaded } from '../../../src/model/compare.js';
import type { LoadedRecord } from '../../../src/model/loaded-record.js';
import { trackedEntity } from '../../../src/model/tracked-entity.js';

const POSITIONED = { tsMs: 1_709_280_000_000, connector: 'postgresql', position: '0000000001a2b3c8:0000000001a2b400', epoch: 2 } as const;

function record(data: LoadedRecord['data'], offset = 7): LoadedRecord {
  return { key: String(data['code']), data, source: { topic: 'erp.public.customers', partition: 2, offset, ...POSITIONED } };
}

/** What a store written before source positions holds: `s` with the Kafka position only. */
const LEGACY_SOURCE = { topic: 'erp.public.customers', partition: 2, offset: 7, tsMs: 0, connector: null, position: null, epoch: 0 };

const entity = trackedEntity({
  name: 'customers',
  topic: 'erp.public.customers',
  deltaTopic: 'erp-delta.customers',
  keyFields: ['code'],
  fields: {
    code: { column: 'code', normalizer: 'text', emptyIsNull: true },
    name: { column: 'name', normalizer: 'text', emptyIsNull: true },
    city: { column: 'city', normalizer: 'text', emptyIsNull: true },
  },
});

describe("stored record (the state store's form of a loaded record)", () => {
  it('reads back what was written, whole or lazily', () => {
    const written = record({ code: 'C1', name: 'A "quoted" ,"h":"name', city: null });
    const text = encodeLoadedRecord(written);
    assert.deepEqual(decodeLoadedRecord('C1', text), written);
    const lazy = new StoredLoadedRecord('C1', text);
    assert.deepEqual(lazy.source, written.source);
    assert.equal(lazy.dataJson, JSON.stringify(written.data), 'the data text, even with the member names inside a value');
    assert.deepEqual({ key: lazy.key, data: lazy.data, source: lazy.source }, written);
  });

  it('a field named like a member of the stored form does not confuse the data text', () => {
    const written = record({ code: 'C2', h: 'x', s: '[1]' });
    const lazy = new StoredLoadedRecord('C2', encodeLoadedRecord(written));
    assert.equal(lazy.dataJson, JSON.stringify(written.data));
    assert.deepEqual(lazy.source, written.source);
  });

  it('lets compare decide "no change" from the text, and still finds real changes field by field', () => {
    const loaded = new StoredLoadedRecord('C1', encodeLoadedRecord(record({ code: 'C1', name: 'A', city: 'Durban' })));
    const observed = (data: LoadedRecord['data']) => ({ key: 'C1', desired: { data, unknownFields: [] }, source: { ...LEGACY_SOURCE, offset: 9, tsMs: 1 } });
    assert.equal(compareWithLoaded(entity, observed({ code: 'C1', name: 'A', city: 'Durban' }), loaded, 'CHANGE', 5), undefined);
    assert.equal(compareWithLoaded(entity, observed({ city: 'Durban', name: 'A', code: 'C1' }), loaded, 'CHANGE', 5), undefined, 'other member order: equal field by field');
    assert.deepEqual(compareWithLoaded(entity, observed({ code: 'C1', name: 'A', city: 'Paarl' }), loaded, 'CHANGE', 5)?.changedFields, ['city']);
    assert.deepEqual(compareWithLoaded(entity, observed({ code: 'C1', name: 'A', city: 'Durban' }), loaded, 'REFRESH', 5)?.changedFields, [], 'a refresh re-sends anyway');
  });

  it('reads what stores written before kept with a hash, ignoring the hash', () => {
    const data = { code: 'C4', name: 'A', h: 'x' };
    const source = LEGACY_SOURCE;
    const legacy = `{"d":${JSON.stringify(data)},"h":"ukApt4XNq6MsVAZGKUzKMBmyGdZT33JDy8t0UcmXQL4","s":["erp.public.customers",2,7]}`;
    assert.deepEqual(decodeLoadedRecord('C4', legacy), { key: 'C4', data, source });
    const lazy = new StoredLoadedRecord('C4', legacy);
    assert.equal(lazy.dataJson, JSON.stringify(data));
    assert.deepEqual({ key: lazy.key, data: lazy.data, source: lazy.source }, { key: 'C4', data, source });
  });

  it('reads what stores written before source positions kept: a Kafka position only', () => {
    const text = '{"d":{"code":"C6","name":"A"},"s":["erp.public.customers",2,7]}';
    assert.deepEqual(decodeLoadedRecord('C6', text), { key: 'C6', data: { code: 'C6', name: 'A' }, source: LEGACY_SOURCE });
    assert.deepEqual(new StoredLoadedRecord('C6', text).source, LEGACY_SOURCE);
  });

  it('stores nothing but the record and its source', () => {
    assert.equal(
      encodeLoadedRecord(record({ code: 'C5', name: 'A' })),
      '{"d":{"code":"C5","name":"A"},"s":["erp.public.customers",2,7,1709280000000,2,"postgresql","0000000001a2b3c8:0000000001a2b400"]}',
    );
  });

  it('keeps a deleted key with the source of its delete, and tells it from a loaded one', () => {
    const deleted = { key: 'C7', deleted: true as const, source: record({ code: 'C7' }).source };
    const text = encodeLoadedRecord(deleted);
    assert.equal(text, '{"d":null,"s":["erp.public.customers",2,7,1709280000000,2,"postgresql","0000000001a2b3c8:0000000001a2b400"]}');
    assert.deepEqual(decodeStoredState('C7', text), deleted);
    assert.deepEqual(storedState('C7', text), deleted);
    assert.throws(() => decodeLoadedRecord('C7', text), /deleted/);
    assert.ok(storedState('C1', encodeLoadedRecord(record({ code: 'C1' }))) instanceof StoredLoadedRecord);
  });

  it("reads a source without a source position, and each connector's", () => {
    for (const extra of [
      { connector: null, position: null, epoch: 0, tsMs: 0 },
      ...(['postgresql', 'mysql', 'mariadb', 'sqlserver', 'oracle'] as const).map((connector) => ({ connector, position: '00ab:ff', epoch: 3, tsMs: 12 })),
    ]) {
      const source = { topic: 'erp.public.customers', partition: 1, offset: 99, ...extra };
      assert.deepEqual(new StoredLoadedRecord('C8', encodeLoadedRecord({ ...record({ code: 'C8' }), source })).source, source);
    }
  });

  it('reads the source of any topic, partition and offset from the text', () => {
    for (const kafka of [
      { topic: 'erp.public.customers', partition: 0, offset: 0 },
      { topic: 'a_b-c.D9', partition: 123, offset: 9_007_199_254_740_991 },
      { topic: 'x', partition: 7, offset: 42 },
    ]) {
      const source = { ...kafka, ...POSITIONED };
      const written = { ...record({ code: 'C3', name: ',"s":["evil",1,2]' }), source };
      assert.deepEqual(new StoredLoadedRecord('C3', encodeLoadedRecord(written)).source, source);
    }
  });
});
