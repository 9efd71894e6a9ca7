import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { compareWithLoaded } from '../../../src/model/compare.js';
import { decodeDebeziumJson } from '../../../src/capture/decode-debezium-json.js';
import type { Delta, DeltaReason } from '../../../src/model/delta.js';
import { desiredRecord } from '../../../src/model/desired-record.js';
import { entityKey } from '../../../src/model/entity-key.js';
import { loadedRecordOf, type LoadedRecord } from '../../../src/model/loaded-record.js';
import { DEBEZIUM_UNAVAILABLE_VALUE, type SourceOp } from '../../../src/model/source-change.js';
import type { TrackedEntity } from '../../../src/model/tracked-entity.js';
import { changeKey, changeValue } from '../../support/debezium-json.js';
import { defaultEntity } from '../../support/default-entities.js';

const NOW = 1_709_290_000_000;
const customers = defaultEntity('customers');
const stockLevels = defaultEntity('stock_levels');

type Row = Record<string, unknown>;

/**
 * A pure stand-in for a task: decode, key, desired record, compare with the loaded record, and
 * keep what was emitted as loaded. Enough to drive the compare rules with real Debezium records.
 */
class Tracker {
  readonly loaded = new Map<string, LoadedRecord>();
  private offset = 0;

  constructor(
    private readonly entity: TrackedEntity,
    private readonly table: string,
  ) {}

  event(op: SourceOp, row: Row, reason: DeltaReason = 'CHANGE'): Delta | undefined {
    const value = changeValue({ table: this.table, op, before: op === 'd' ? row : null, after: op === 'd' ? null : row, withSchema: true });
    return this.record(changeKey(this.table, row, true), value, reason);
  }

  tombstone(row: Row): Delta | undefined {
    return this.record(changeKey(this.table, row, true), null, 'CHANGE');
  }

  private record(keyBytes: Buffer, value: Buffer | null, reason: DeltaReason): Delta | undefined {
    const offset = this.offset++;
    const decoded = decodeDebeziumJson(keyBytes, value);
    if (decoded.kind !== 'change') return undefined;
    const key = entityKey(this.entity, decoded.key);
    const loaded = this.loaded.get(key);
    const desired = decoded.after === null ? null : desiredRecord(this.entity, decoded.after, loaded);
    const source = { topic: this.entity.topic, partition: 0, offset, tsMs: decoded.sourceTsMs, connector: null, position: null, epoch: 0 };
    const delta = compareWithLoaded(this.entity, { key, desired, source }, loaded, reason, NOW);
    if (delta) {
      const next = loadedRecordOf(delta);
      if (next) this.loaded.set(key, next);
      else this.loaded.delete(key);
    }
    return delta;
  }
}

const CUSTOMER: Row = {
  code: 'C0001',
  name: 'Alpine Foods Ltd',
  address: '38 Station Road',
  city: 'Berlin',
  sales_rep_code: 'SAL002',
  credit_limit: '8919.37',
  updated_at: '2024-03-01T08:00:00.000000Z',
};

describe('compareWithLoaded', () => {
  let tracker: Tracker;
  beforeEach(() => {
    tracker = new Tracker(customers, 'customers');
  });

  it('emits a new key as an UPSERT of the whole record, every field changed', () => {
    const delta = tracker.event('c', CUSTOMER);
    assert.deepEqual(delta, {
      op: 'UPSERT',
      reason: 'CHANGE',
      changedFields: ['code', 'name', 'address', 'city', 'salesRepCode', 'creditLimit', 'assignedUserId'],
      key: 'C0001',
      data: { code: 'C0001', name: 'Alpine Foods Ltd', address: '38 Station Road', city: 'Berlin', salesRepCode: 'SAL002', creditLimit: '8919.37', assignedUserId: null },
      source: { topic: 'erp.public.customers', partition: 0, offset: 0, tsMs: 1_709_280_000_000, connector: null, position: null, epoch: 0 },
      emittedAtMs: NOW,
    });
  });

  it('emits a real change with the whole record and only the changed field', () => {
    tracker.event('c', CUSTOMER);
    const delta = tracker.event('u', { ...CUSTOMER, sales_rep_code: 'MAL001' });
    assert.equal(delta?.op, 'UPSERT');
    assert.deepEqual(delta?.changedFields, ['salesRepCode']);
    assert.equal(delta?.data?.['salesRepCode'], 'MAL001');
    assert.equal(delta?.data?.['name'], 'Alpine Foods Ltd');
    assert.equal(delta?.source.offset, 1);
  });

  it("lists changed fields in the entity's field order", () => {
    tracker.event('c', CUSTOMER);
    const delta = tracker.event('u', { ...CUSTOMER, credit_limit: '100', name: 'Alpine Foods GmbH', code: 'C0001' });
    assert.deepEqual(delta?.changedFields, ['name', 'creditLimit']);
  });

  it('emits nothing for an update of an untracked column only (updated_at)', () => {
    tracker.event('c', CUSTOMER);
    assert.equal(tracker.event('u', { ...CUSTOMER, updated_at: '2024-03-02T09:00:00.000000Z' }), undefined);
  });

  it('emits nothing for UPDATE ... SET name = name', () => {
    tracker.event('c', CUSTOMER);
    assert.equal(tracker.event('u', { ...CUSTOMER }), undefined);
  });

  it('emits nothing for values equal after normalization (whitespace, 1.50 vs 1.5)', () => {
    tracker.event('c', { ...CUSTOMER, credit_limit: '1.50' });
    assert.equal(tracker.event('u', { ...CUSTOMER, name: '  Alpine Foods Ltd ', credit_limit: '1.5' }), undefined);
    assert.equal(tracker.event('u', { ...CUSTOMER, credit_limit: ' 0001.500 ' }), undefined);
  });

  it('emits nothing for a re-snapshot (op r) of an unchanged row, and a CHANGE for a changed one', () => {
    tracker.event('c', CUSTOMER);
    assert.equal(tracker.event('r', CUSTOMER), undefined);
    const delta = tracker.event('r', { ...CUSTOMER, city: 'Munich' });
    assert.equal(delta?.reason, 'CHANGE');
    assert.deepEqual(delta?.changedFields, ['city']);
  });

  it('emits a DELETE for a deleted row that was loaded, and ignores its tombstone', () => {
    tracker.event('c', CUSTOMER);
    const delta = tracker.event('d', { code: 'C0001' });
    assert.deepEqual(delta, {
      op: 'DELETE',
      reason: 'CHANGE',
      changedFields: [],
      key: 'C0001',
      data: null,
      source: { topic: 'erp.public.customers', partition: 0, offset: 1, tsMs: 1_709_280_000_000, connector: null, position: null, epoch: 0 },
      emittedAtMs: NOW,
    });
    assert.equal(tracker.loaded.has('C0001'), false);
    assert.equal(tracker.tombstone({ code: 'C0001' }), undefined);
  });

  it('emits nothing for a delete of a key never loaded', () => {
    assert.equal(tracker.event('d', { code: 'C0999' }), undefined);
  });

  it('emits a re-created row in full after its delete', () => {
    tracker.event('c', CUSTOMER);
    tracker.event('d', { code: 'C0001' });
    assert.equal(tracker.event('c', CUSTOMER)?.changedFields.length, customers.recordFields.length);
  });

  describe('an unchanged TOASTed column (__debezium_unavailable_value)', () => {
    const longAddress = `Unit 4, ${'Industrial Park '.repeat(400)}Berlin`;

    it('is never a change: another column changes, the delta carries the loaded value', () => {
      tracker.event('c', { ...CUSTOMER, address: longAddress });
      const delta = tracker.event('u', { ...CUSTOMER, address: DEBEZIUM_UNAVAILABLE_VALUE, city: 'Munich' });
      assert.deepEqual(delta?.changedFields, ['city']);
      assert.equal(delta?.data?.['address'], longAddress);
    });

    it('alone emits nothing', () => {
      tracker.event('c', { ...CUSTOMER, address: longAddress });
      assert.equal(tracker.event('u', { ...CUSTOMER, address: DEBEZIUM_UNAVAILABLE_VALUE }), undefined);
    });

    it('without a loaded record: the record is emitted, the unknown field null and not listed as changed', () => {
      const delta = tracker.event('u', { ...CUSTOMER, address: DEBEZIUM_UNAVAILABLE_VALUE });
      assert.equal(delta?.op, 'UPSERT');
      assert.equal(delta?.data?.['address'], null);
      assert.ok(!delta?.changedFields.includes('address'));
      assert.ok(delta?.changedFields.includes('city'));
    });
  });

  it("compares composite keys and decimals at the entity's scale", () => {
    const stock = new Tracker(stockLevels, 'stock_levels');
    const row = { product_code: 'P0001', warehouse_code: 'WH01', quantity: '12.5', updated_at: null };
    assert.equal(stock.event('c', row)?.key, '["P0001","WH01"]');
    assert.equal(stock.event('u', { ...row, quantity: '12.500' }), undefined);
    assert.deepEqual(stock.event('u', { ...row, quantity: '12.501' })?.data, { productCode: 'P0001', warehouseCode: 'WH01', quantity: '12.501' });
    assert.equal(stock.event('c', { ...row, warehouse_code: 'WH02' })?.key, '["P0001","WH02"]');
    assert.deepEqual([...stock.loaded.keys()], ['["P0001","WH01"]', '["P0001","WH02"]']);
  });

  describe('by reason', () => {
    const source = { topic: 'erp.public.customers', partition: 0, offset: 7, tsMs: 1, connector: null, position: null, epoch: 0 };
    const data = { code: 'C0001', name: 'A', address: null, city: null, salesRepCode: 'SAL001', creditLimit: '1.00', assignedUserId: 'u-17' };
    const loaded: LoadedRecord = { key: 'C0001', data, source };

    it('REFRESH re-sends an equal record, with no field changed', () => {
      const delta = compareWithLoaded(customers, { key: 'C0001', desired: { data, unknownFields: [] }, source }, loaded, 'REFRESH', NOW);
      assert.equal(delta?.op, 'UPSERT');
      assert.equal(delta?.reason, 'REFRESH');
      assert.deepEqual(delta?.changedFields, []);
    });

    it('REFRESH does not delete what was never loaded', () => {
      assert.equal(compareWithLoaded(customers, { key: 'C0001', desired: null, source }, undefined, 'REFRESH', NOW), undefined);
    });

    it('RECONCILE deletes a loaded key the source no longer has', () => {
      const delta = compareWithLoaded(customers, { key: 'C0001', desired: null, source }, loaded, 'RECONCILE', NOW);
      assert.equal(delta?.op, 'DELETE');
      assert.equal(delta?.reason, 'RECONCILE');
    });

    it('ASSIGNMENT emits only a changed assignedUserId, and nothing for the same user', () => {
      const reassigned = { data: { ...data, assignedUserId: 'u-99' }, unknownFields: [] };
      const delta = compareWithLoaded(customers, { key: 'C0001', desired: reassigned, source }, loaded, 'ASSIGNMENT', NOW);
      assert.equal(delta?.reason, 'ASSIGNMENT');
      assert.deepEqual(delta?.changedFields, ['assignedUserId']);
      assert.equal(compareWithLoaded(customers, { key: 'C0001', desired: { data, unknownFields: [] }, source }, loaded, 'ASSIGNMENT', NOW), undefined);
    });

    it('a field missing from a record loaded under an older config counts as null', () => {
      const { assignedUserId: _dropped, ...older } = data;
      const olderLoaded = { ...loaded, data: older };
      assert.equal(compareWithLoaded(customers, { key: 'C0001', desired: { data: { ...data, assignedUserId: null }, unknownFields: [] }, source }, olderLoaded, 'CHANGE', NOW), undefined);
    });
  });
});
