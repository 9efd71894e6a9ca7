import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assignmentJoin } from '../../../src/assignment/assigned-user.js';
import { decideBatch, keyRecords, type DecodedRecord } from '../../../src/tracker/batch-decision.js';
import { decodeDebeziumJson } from '../../../src/tracker/decode-debezium-json.js';
import type { LoadedRecord } from '../../../src/tracker/loaded-record.js';
import { isErpDeltaError } from '../../../src/errors/erp-delta-error.js';
import { changeKey, changeValue } from '../../support/debezium-json.js';
import { defaultEntity } from '../../support/default-entities.js';

const customers = defaultEntity('customers');
const TOPIC = 'erp.public.customers';

type Row = Record<string, unknown>;

function row(code: string, overrides: Row = {}): Row {
  return { code, name: 'ABC Hardware', address: '3 Main Road', city: 'Cape Town', sales_rep_code: 'SAL001', credit_limit: '1500.00', updated_at: '2026-11-25T10:00:00Z', ...overrides };
}

function record(offset: number, key: Buffer | null, value: Buffer | null): DecodedRecord {
  const position = { topic: TOPIC, partition: 0, offset };
  try {
    return { position, raw: { key, value }, decoded: decodeDebeziumJson(key, value) };
  } catch (error) {
    if (!isErpDeltaError(error)) throw error;
    return { position, raw: { key, value }, decoded: error };
  }
}

function change(offset: number, op: 'c' | 'u' | 'r' | 'd', data: Row): DecodedRecord {
  const after = op === 'd' ? null : data;
  const before = op === 'd' ? { code: data['code'] } : null;
  return record(offset, changeKey('customers', data, false), changeValue({ table: 'customers', op, before, after, withSchema: false }));
}

function decide(records: DecodedRecord[], loaded: Map<string, LoadedRecord | undefined> = new Map()) {
  return decideBatch(customers, keyRecords(customers, records), loaded, 1_000);
}

describe('batch decision', () => {
  it('emits the first load, then only real changes, in source order', () => {
    const decision = decide([
      change(0, 'r', row('C1')),
      change(1, 'u', row('C1', { updated_at: '2026-11-25T11:00:00Z' })),
      change(2, 'u', row('C1', { sales_rep_code: 'SAL002' })),
      change(3, 'u', row('C1', { sales_rep_code: 'SAL002', name: '  ABC Hardware ', credit_limit: '1500.0' })),
    ]);
    assert.deepEqual(decision.deltas.map((delta) => [delta.source.offset, delta.changedFields]), [
      [0, ['code', 'name', 'address', 'city', 'salesRepCode', 'creditLimit', 'assignedUserId']],
      [2, ['salesRepCode']],
    ]);
    assert.equal(decision.suppressed, 2);
    assert.equal(decision.loadedAfter.get('C1')?.data['salesRepCode'], 'SAL002');
    assert.equal(decision.loadedAfter.get('C1')?.source.offset, 2);
  });

  it('skips records the loaded record already reflects, so a re-read never emits an older version', () => {
    const first = decide([change(10, 'c', row('C1')), change(11, 'u', row('C1', { city: 'Durban' }))]);
    const loaded = new Map(first.loadedAfter);
    const reread = decide([change(10, 'c', row('C1')), change(11, 'u', row('C1', { city: 'Durban' })), change(12, 'u', row('C1', { city: 'Paarl' }))], loaded);
    assert.equal(reread.alreadyApplied, 2);
    assert.deepEqual(reread.deltas.map((delta) => delta.data?.['city']), ['Paarl']);
  });

  it('deletes a loaded key, and ignores the delete of a key never loaded and the tombstones', () => {
    const load = decide([change(0, 'c', row('C1'))]);
    const decision = decide([
      change(1, 'd', row('C1')),
      record(2, changeKey('customers', row('C1'), false), null),
      change(3, 'd', row('NEVER')),
      record(4, changeKey('customers', row('NEVER'), false), null),
    ], new Map(load.loadedAfter));
    assert.deepEqual(decision.deltas.map((delta) => [delta.key, delta.op]), [['C1', 'DELETE']]);
    assert.ok(decision.loadedAfter.has('C1'));
    assert.equal(decision.loadedAfter.get('C1'), undefined);
    assert.equal(decision.suppressed, 1, 'the delete of a never-loaded key counts as suppressed');
  });

  it('keeps the loaded value for an unchanged TOASTed column and does not call it a change', () => {
    const longAddress = 'x'.repeat(10_000);
    const load = decide([change(0, 'c', row('C1', { address: longAddress }))]);
    const decision = decide([change(1, 'u', row('C1', { address: '__debezium_unavailable_value', name: 'ABC Hardware & Co' }))], new Map(load.loadedAfter));
    assert.equal(decision.deltas.length, 1);
    assert.deepEqual(decision.deltas[0]?.changedFields, ['name']);
    assert.equal(decision.deltas[0]?.data?.['address'], longAddress);
  });

  it('dead-letters undecodable and keyless records and a value no normalizer reads, and goes on', () => {
    const decision = decide([
      record(0, Buffer.from('{"code":"C1"}'), Buffer.from([0xde, 0xad, 0xbe, 0xef])),
      record(1, null, changeValue({ table: 'customers', op: 'c', after: row('C2'), withSchema: false })),
      change(2, 'c', row('C3', { credit_limit: 'lots' })),
      change(3, 'c', row('C4')),
    ]);
    assert.deepEqual(decision.deadLetters.map((dead) => [dead.record.position.offset, dead.error.code]), [[0, 'DECODE_FAILED'], [1, 'DECODE_FAILED'], [2, 'NORMALIZE_FAILED']]);
    assert.deepEqual(decision.deltas.map((delta) => delta.key), ['C4']);
  });
});

describe('batch decision with the assignment join', () => {
  const join = assignmentJoin({ userOfRep: (rep) => ({ SAL001: 'u-1', SAL002: 'u-2' })[rep], manualUserOf: () => undefined }, { repField: 'salesRepCode', respectManual: false });

  it('gives a customer moved to another rep that rep\'s user in the same CHANGE delta', () => {
    const decision = decideBatch(customers, keyRecords(customers, [change(0, 'r', row('C1')), change(1, 'u', row('C1', { sales_rep_code: 'SAL002' })), change(2, 'u', row('C1', { sales_rep_code: 'SAL003' }))]), new Map(), 1_000, join);
    assert.deepEqual(decision.deltas.map((delta) => [delta.reason, delta.changedFields, delta.data?.['assignedUserId']]), [
      ['CHANGE', ['code', 'name', 'address', 'city', 'salesRepCode', 'creditLimit', 'assignedUserId'], 'u-1'],
      ['CHANGE', ['salesRepCode', 'assignedUserId'], 'u-2'],
      ['CHANGE', ['salesRepCode', 'assignedUserId'], null],
    ]);
  });
});
