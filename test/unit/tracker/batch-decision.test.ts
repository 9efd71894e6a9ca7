import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assignmentJoin } from '../../../src/assignment/assigned-user.js';
import type { ColumnSightings } from '../../../src/model/column-sightings.js';
import { decideBatch, findCaptureRestart } from '../../../src/tracker/batch-decision.js';
import { keyRecords, type DecodedRecord } from '../../../src/model/keyed-record.js';
import { decodeDebeziumJson } from '../../../src/capture/decode-debezium-json.js';
import { isLoaded, type LoadedState } from '../../../src/model/loaded-record.js';
import { rowFilter } from '../../../src/model/row-filter.js';
import { isErpDeltaError } from '../../../src/errors/erp-delta-error.js';
import { orderOf } from '../../../src/model/source-position.js';
import { changeKey, changeValue, envelope, json } from '../../support/debezium-json.js';
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

type Position = { lsn: number; lastCommitLsn?: number | null; txId?: number };

function change(offset: number, op: 'c' | 'u' | 'r' | 'd', data: Row, position?: Position, tsMs?: number): DecodedRecord {
  const after = op === 'd' ? null : data;
  const before = op === 'd' ? { code: data['code'] } : null;
  return record(offset, changeKey('customers', data, false), changeValue({ table: 'customers', op, before, after, withSchema: false, position, tsMs }));
}

function tombstone(offset: number, code: string): DecodedRecord {
  return record(offset, changeKey('customers', row(code), false), null);
}

function decide(
  records: DecodedRecord[],
  loaded: ReadonlyMap<string, LoadedState> = new Map(),
  context: { epoch?: number; previous?: { key: string; op: 'd' | 'other' }; columnsSeen?: ColumnSightings } = {},
) {
  return decideBatch(customers, keyRecords(customers, records), loaded, { emittedAtMs: 1_000, epoch: context.epoch ?? 0, previous: context.previous, columnsSeen: context.columnsSeen });
}

function city(state: LoadedState): unknown {
  return isLoaded(state) ? state.data['city'] : undefined;
}

describe('batch decision', () => {
  it('emits the first load, then only real changes, in source order', () => {
    const decision = decide([
      change(0, 'r', row('C1')),
      change(1, 'u', row('C1', { updated_at: '2026-11-25T11:00:00Z' })),
      change(2, 'u', row('C1', { sales_rep_code: 'SAL002' })),
      change(3, 'u', row('C1', { sales_rep_code: 'SAL002', name: '  ABC Hardware ', credit_limit: '1500.0' })),
    ]);
    assert.deepEqual(
      decision.deltas.map((delta) => [delta.source.offset, delta.changedFields]),
      [
        [0, ['code', 'name', 'address', 'city', 'salesRepCode', 'creditLimit', 'assignedUserId']],
        [2, ['salesRepCode']],
      ],
    );
    assert.equal(decision.suppressed, 2);
    const loaded = decision.loadedAfter.get('C1');
    assert.ok(isLoaded(loaded));
    assert.equal(loaded.data['salesRepCode'], 'SAL002');
    assert.equal(decision.loadedAfter.get('C1')?.source.offset, 2);
  });

  it('skips records the loaded record already reflects, so a re-read never emits an older version', () => {
    const first = decide([change(10, 'c', row('C1')), change(11, 'u', row('C1', { city: 'Durban' }))]);
    const loaded = new Map(first.loadedAfter);
    const reread = decide([change(10, 'c', row('C1')), change(11, 'u', row('C1', { city: 'Durban' })), change(12, 'u', row('C1', { city: 'Paarl' }))], loaded);
    assert.equal(reread.alreadyApplied, 2);
    assert.deepEqual(
      reread.deltas.map((delta) => delta.data?.['city']),
      ['Paarl'],
    );
  });

  it('deletes a loaded key, and ignores the delete of a key never loaded and the tombstones after deletes', () => {
    const load = decide([change(0, 'c', row('C1'))]);
    const decision = decide([change(1, 'd', row('C1')), tombstone(2, 'C1'), change(3, 'd', row('NEVER')), tombstone(4, 'NEVER')], new Map(load.loadedAfter));
    assert.deepEqual(
      decision.deltas.map((delta) => [delta.key, delta.op]),
      [['C1', 'DELETE']],
    );
    assert.deepEqual(decision.loadedAfter.get('C1'), { key: 'C1', deleted: true, source: decision.deltas[0]?.source }, 'the store keeps where C1 was deleted');
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
    assert.deepEqual(
      decision.deadLetters.map((dead) => [dead.record.position.offset, dead.error.code]),
      [
        [0, 'DECODE_FAILED'],
        [1, 'DECODE_FAILED'],
        [2, 'NORMALIZE_FAILED'],
      ],
    );
    assert.deepEqual(
      decision.deltas.map((delta) => delta.key),
      ['C4'],
    );
  });

  it('hands a truncate event on with where it happened, and decides the changes around it as usual', () => {
    const truncate = record(1, null, json({ ...envelope({ table: 'customers', op: 'u', position: { lsn: 900, lastCommitLsn: 900 } }), op: 't' }));
    const decision = decide([change(0, 'c', row('C1'), { lsn: 800, lastCommitLsn: 800 }), truncate, change(2, 'c', row('C2'), { lsn: 1_000, lastCommitLsn: 1_000 })]);
    assert.deepEqual(
      decision.truncates.map((source) => [source.offset, source.connector, source.position]),
      [[1, 'postgresql', orderOf({ connector: 'postgresql', snapshot: false, lastCommitLsn: 900, lsn: 900 })]],
    );
    assert.deepEqual(
      decision.deltas.map((delta) => delta.key),
      ['C1', 'C2'],
    );
    assert.deepEqual(decision.deadLetters, []);
  });
});

describe('batch decision with the assignment join', () => {
  const join = assignmentJoin({ userOfRep: (rep) => ({ SAL001: 'u-1', SAL002: 'u-2' })[rep], manualUserOf: () => undefined }, { repField: 'salesRepCode', respectManual: false });

  it("gives a customer moved to another rep that rep's user in the same CHANGE delta", () => {
    const decision = decideBatch(
      customers,
      keyRecords(customers, [change(0, 'r', row('C1')), change(1, 'u', row('C1', { sales_rep_code: 'SAL002' })), change(2, 'u', row('C1', { sales_rep_code: 'SAL003' }))]),
      new Map(),
      { emittedAtMs: 1_000, epoch: 0, join },
    );
    assert.deepEqual(
      decision.deltas.map((delta) => [delta.reason, delta.changedFields, delta.data?.['assignedUserId']]),
      [
        ['CHANGE', ['code', 'name', 'address', 'city', 'salesRepCode', 'creditLimit', 'assignedUserId'], 'u-1'],
        ['CHANGE', ['salesRepCode', 'assignedUserId'], 'u-2'],
        ['CHANGE', ['salesRepCode', 'assignedUserId'], null],
      ],
    );
  });
});

describe('batch decision by source position (DESIGN guarantee 7)', () => {
  // PostgreSQL: transactions arrive in commit order, LSNs of interleaved ones do not (sequence's
  // first element, the last commit LSN, orders them).
  const at = (lsn: number, lastCommitLsn: number, txId = lastCommitLsn): Position => ({ lsn, lastCommitLsn, txId });

  it('emits nothing for versions Debezium sends again, whatever their Kafka offsets', () => {
    const first = decide([change(0, 'c', row('C1'), at(100, 90)), change(1, 'u', row('C1', { city: 'Durban' }), at(200, 150)), change(2, 'd', row('C1'), at(300, 250)), tombstone(3, 'C1')]);
    assert.deepEqual(
      first.deltas.map((delta) => delta.op),
      ['UPSERT', 'UPSERT', 'DELETE'],
    );
    // After a Connect crash: the same versions at new offsets, in a later batch.
    const again = decide(
      [change(40, 'c', row('C1'), at(100, 90)), change(41, 'u', row('C1', { city: 'Durban' }), at(200, 150)), change(42, 'd', row('C1'), at(300, 250)), tombstone(43, 'C1')],
      new Map(first.loadedAfter),
    );
    assert.deepEqual(again.deltas, [], 'the deleted row does not come back, not even for a moment');
    assert.equal(again.alreadyApplied, 3);
    assert.deepEqual(again.behind, []);
  });

  it('orders interleaved transactions by commit, not by the LSN of each change', () => {
    // T1 changed C1 at LSN 500 and committed after T0, whose change of C1 had LSN 600.
    const first = decide([change(0, 'u', row('C1', { city: 'T0' }), at(600, 400, 7))]);
    const decision = decide([change(1, 'u', row('C1', { city: 'T1' }), at(500, 700, 8))], new Map(first.loadedAfter));
    assert.deepEqual(
      decision.deltas.map((delta) => delta.data?.['city']),
      ['T1'],
    );
  });

  it('applies a change of a topic re-created by a new snapshot: offsets start over, positions do not', () => {
    const loaded = decide([change(900, 'u', row('C1', { city: 'Durban' }), at(5_000, 4_900))]);
    const snapshot = decide(
      [change(0, 'r', row('C1', { city: 'Durban' }), { lsn: 9_000, lastCommitLsn: null }), change(1, 'r', row('C2'), { lsn: 9_000, lastCommitLsn: null })],
      new Map(loaded.loadedAfter),
    );
    assert.deepEqual(
      snapshot.deltas.map((delta) => delta.key),
      ['C2'],
      'the unchanged row emits nothing, the new one once',
    );
    const later = decide([change(2, 'u', row('C1', { city: 'Paarl' }), at(9_500, 9_400))], new Map([...loaded.loadedAfter, ...snapshot.loadedAfter]));
    assert.deepEqual(
      later.deltas.map((delta) => delta.data?.['city']),
      ['Paarl'],
    );
  });

  it('holds back and reports a change made later with an earlier position: the source started over', () => {
    const loaded = decide([change(0, 'u', row('C1', { city: 'Durban' }), at(5_000_000, 4_900_000), 1_000)]);
    const decision = decide([change(1, 'u', row('C1', { city: 'Paarl' }), at(2_000, 1_900), 9_000)], new Map(loaded.loadedAfter));
    assert.deepEqual(decision.deltas, []);
    assert.equal(decision.behind.length, 1);
    assert.equal(decision.behind[0]?.key, 'C1');
    // A new source epoch: the record compares again.
    const reset = decide([change(1, 'u', row('C1', { city: 'Paarl' }), at(2_000, 1_900), 9_000)], new Map(loaded.loadedAfter), { epoch: 1 });
    assert.deepEqual(
      reset.deltas.map((delta) => [delta.data?.['city'], delta.source.epoch]),
      [['Paarl', 1]],
    );
    const old = decide([change(2, 'u', row('C1', { city: 'Old' }), at(6_000_000, 5_900_000), 9_500)], new Map(reset.loadedAfter), { epoch: 1 });
    assert.equal(old.deltas.length, 1, 'in the new epoch its own positions order: a later one is newer');
  });

  it('counts the net effect of a source transaction: delete and re-insert unchanged, update and set back', () => {
    const loaded = decide([change(0, 'c', row('C1'), at(100, 90, 5)), change(1, 'c', row('C2'), at(110, 90, 5))]);
    const decision = decide(
      [
        change(2, 'd', row('C1'), at(200, 150, 6)),
        tombstone(3, 'C1'),
        change(4, 'c', row('C1'), at(210, 150, 6)),
        change(5, 'u', row('C2', { city: 'Durban' }), at(220, 150, 6)),
        change(6, 'u', row('C2'), at(230, 150, 6)),
      ],
      new Map(loaded.loadedAfter),
    );
    assert.deepEqual(decision.deltas, []);
    assert.equal(decision.superseded, 2);
  });

  it('keeps a primary-key change a DELETE of the old key and an UPSERT of the new one', () => {
    const loaded = decide([change(0, 'c', row('C1'), at(100, 90, 5))]);
    const decision = decide([change(1, 'd', row('C1'), at(200, 150, 6)), tombstone(2, 'C1'), change(3, 'c', row('C9'), at(200, 150, 6))], new Map(loaded.loadedAfter));
    assert.deepEqual(
      decision.deltas.map((delta) => [delta.key, delta.op]),
      [
        ['C1', 'DELETE'],
        ['C9', 'UPSERT'],
      ],
    );
  });

  it('deletes a loaded key on a tombstone alone (its delete compacted away), not on one right after the delete', () => {
    const loaded = decide([change(0, 'c', row('C1'), at(100, 90)), change(1, 'c', row('C2'), at(110, 90))]);
    const alone = decide([tombstone(5, 'C1')], new Map(loaded.loadedAfter));
    assert.deepEqual(
      alone.deltas.map((delta) => [delta.key, delta.op, delta.reason]),
      [['C1', 'DELETE', 'CHANGE']],
    );
    // A re-sent delete of C2 ended the last batch; its tombstone starts this one.
    const afterDelete = decide([tombstone(7, 'C2')], new Map(loaded.loadedAfter), { previous: { key: 'C2', op: 'd' } });
    assert.deepEqual(afterDelete.deltas, []);
    assert.deepEqual(decide([tombstone(8, 'NEVER')]).deltas, [], 'nothing to delete for a key never loaded');
  });

  it('counts records without a usable source position, and orders them by Kafka offset as before', () => {
    const decision = decide([change(0, 'c', row('C1')), change(1, 'u', row('C1', { city: 'Durban' }))]);
    assert.equal(decision.withoutPosition, 2);
    const reread = decide([change(1, 'u', row('C1', { city: 'Durban' }))], new Map(decision.loadedAfter));
    assert.equal(reread.alreadyApplied, 1);
    assert.equal(city(reread.loadedAfter.get('C1')), undefined);
  });
});

describe('findCaptureRestart: a new initial snapshot in the middle of a partition', () => {
  const snapshotAt = (lsn: number): Position => ({ lsn, lastCommitLsn: null });
  const keyed = (records: DecodedRecord[]) => keyRecords(customers, records);

  it('finds the first row of a snapshot after a streamed change or a tombstone', () => {
    assert.equal(findCaptureRestart(keyed([change(0, 'u', row('C1'), { lsn: 100, lastCommitLsn: 90 }), change(1, 'r', row('C2'), snapshotAt(500))]), undefined), 1);
    assert.equal(findCaptureRestart(keyed([tombstone(0, 'C1'), change(1, 'r', row('C2'), snapshotAt(500))]), undefined), 1);
    assert.equal(findCaptureRestart(keyed([change(5, 'r', row('C2'), snapshotAt(500))]), { key: 'C1', op: 'other', initialSnapshot: false }), 0, 'after the last record of the batch before');
  });

  it('finds a snapshot at another position right after the rows of an earlier one', () => {
    assert.equal(findCaptureRestart(keyed([change(0, 'r', row('C1'), snapshotAt(100)), change(1, 'r', row('C2'), snapshotAt(500))]), undefined), 1);
    const previous = { key: 'C1', op: 'other' as const, initialSnapshot: true, snapshotPosition: orderOf({ connector: 'postgresql', snapshot: true, lsn: 100n, lastCommitLsn: undefined }) };
    assert.equal(findCaptureRestart(keyed([change(3, 'r', row('C2'), snapshotAt(500))]), previous), 0);
    assert.equal(findCaptureRestart(keyed([change(3, 'r', row('C2'), snapshotAt(100))]), previous), undefined, 'the same snapshot goes on');
  });

  it("finds nothing in one snapshot, at a partition's start, or in an incremental snapshot", () => {
    assert.equal(
      findCaptureRestart(keyed([change(0, 'r', row('C1'), snapshotAt(100)), change(1, 'r', row('C2'), snapshotAt(100)), change(2, 'u', row('C2'), { lsn: 200, lastCommitLsn: 150 })]), undefined),
      undefined,
    );
    assert.equal(findCaptureRestart(keyed([change(0, 'r', row('C1'), snapshotAt(100))]), undefined), undefined, 'nothing known before it');
    const incremental = record(
      1,
      changeKey('customers', row('C2'), false),
      Buffer.from(
        changeValue({ table: 'customers', op: 'r', after: row('C2'), withSchema: false, position: { lsn: 300, lastCommitLsn: 250 } })
          .toString()
          .replace('"snapshot":"true"', '"snapshot":"incremental"'),
      ),
    );
    assert.equal(findCaptureRestart(keyed([change(0, 'u', row('C1'), { lsn: 200, lastCommitLsn: 150 }), incremental]), undefined), undefined);
  });

  describe('a row without a tracked column', () => {
    const older = (code: string, overrides: Row = {}): Row => {
      const { credit_limit: _absent, ...rest } = row(code, overrides);
      return rest;
    };

    it('written before the column was added: unknown at that version, neither a change nor a dead letter', () => {
      const decision = decide([
        change(0, 'r', older('C1'), { lsn: 100 }),
        change(1, 'u', older('C1', { city: 'Durban' }), { lsn: 200 }),
        change(2, 'u', row('C1', { city: 'Durban', credit_limit: '900' }), { lsn: 300 }),
      ]);
      assert.deepEqual(decision.deadLetters, []);
      assert.deepEqual(
        decision.deltas.map((delta) => [delta.changedFields, delta.data?.['creditLimit']]),
        [
          [['code', 'name', 'address', 'city', 'salesRepCode', 'assignedUserId'], null],
          [['city'], null],
          [['creditLimit'], '900.00'],
        ],
      );
      assert.deepEqual(decision.absentColumns, new Map([['creditLimit', 2]]));
      assert.deepEqual([...(decision.columnsSighted?.keys() ?? [])], ['code', 'name', 'address', 'city', 'sales_rep_code', 'credit_limit']);
      assert.equal(decision.columnsSighted?.get('credit_limit')?.offset, 2);
    });

    it('keeps the loaded value when an older record is read after the column was seen', () => {
      const first = decide([change(5, 'u', row('C1', { credit_limit: '900' }), { lsn: 500 })]);
      const columnsSeen = first.columnsSighted;
      assert.ok(columnsSeen);
      const decision = decide([change(6, 'u', older('C2'), { lsn: 400 })], new Map(), { columnsSeen });
      assert.deepEqual(decision.deadLetters, []);
      assert.equal(decision.deltas[0]?.data?.['creditLimit'], null);
    });

    it('written after rows that had the column (dropped or renamed in the ERP): a dead letter naming field and column', () => {
      const decision = decide([change(0, 'u', row('C1'), { lsn: 100 }), change(1, 'u', older('C1', { city: 'Durban' }), { lsn: 200 })]);
      assert.equal(decision.deltas.length, 1);
      assert.equal(decision.deadLetters.length, 1);
      const error = decision.deadLetters[0]?.error;
      assert.equal(error?.code, 'NORMALIZE_FAILED');
      assert.match(error?.message ?? '', /"creditLimit".*no column "credit_limit", which its rows have had since .*: was it dropped or renamed/);
    });
  });
});

describe('batch decision with a row filter (active products only)', () => {
  const products = defaultEntity('products');
  const activeOnly = { ...products, filter: rowFilter('products', products.recordFields, [{ field: 'active', equals: true }]) };

  function productChange(offset: number, op: 'c' | 'u' | 'r' | 'd', code: string, overrides: Row = {}, lsn = offset * 100 + 100): DecodedRecord {
    const data = { code, description: `Product ${code}`, unit_price: '1.5', active: true, updated_at: '2026-11-25T10:00:00Z', ...overrides };
    const key = changeKey('products', data, false);
    const value = changeValue({ table: 'products', op, before: op === 'd' ? { code } : null, after: op === 'd' ? null : data, withSchema: false, position: { lsn, lastCommitLsn: lsn, txId: lsn } });
    return { position: { topic: 'erp.public.products', partition: 0, offset }, raw: { key, value }, decoded: decodeDebeziumJson(key, value) };
  }
  function decideProducts(records: DecodedRecord[], loaded: ReadonlyMap<string, LoadedState> = new Map()) {
    return decideBatch(activeOnly, keyRecords(activeOnly, records), loaded, { emittedAtMs: 1_000, epoch: 0 });
  }
  const summary = (deltas: readonly { op: string; reason: string; changedFields: string[] }[]) => deltas.map((delta) => [delta.op, delta.reason, delta.changedFields]);

  it('a row that enters the filter is sent whole; one that stays out emits nothing', () => {
    const decision = decideProducts([
      productChange(0, 'c', 'P1', { active: false }),
      productChange(1, 'u', 'P1', { active: false, unit_price: '2' }),
      productChange(2, 'u', 'P1', { active: true, unit_price: '2' }),
    ]);
    assert.deepEqual(summary(decision.deltas), [['UPSERT', 'CHANGE', ['code', 'description', 'unitPrice', 'active']]]);
    assert.deepEqual(decision.deltas[0]?.data, { code: 'P1', description: 'Product P1', unitPrice: '2.00', active: true });
    assert.equal(decision.deltas[0]?.source.offset, 2);
    assert.equal(decision.suppressed, 2, 'the rows outside count as suppressed');
    assert.equal(decision.loadedAfter.has('P1'), true);
  });

  it("a loaded row that leaves the filter is deleted at the change's position, like a source delete", () => {
    const load = decideProducts([productChange(0, 'c', 'P1')]);
    const decision = decideProducts([productChange(1, 'u', 'P1', { active: false })], new Map(load.loadedAfter));
    assert.deepEqual(summary(decision.deltas), [['DELETE', 'CHANGE', []]]);
    assert.equal(decision.deltas[0]?.data, null);
    assert.deepEqual(decision.loadedAfter.get('P1'), { key: 'P1', deleted: true, source: decision.deltas[0]?.source });
    assert.equal(decision.deltas[0]?.source.offset, 1);
    assert.ok(decision.deltas[0]?.source.position, "the delete carries the change's source position");

    // Debezium sending the older, active version again does not bring the row back.
    const resent = decideProducts([productChange(0, 'c', 'P1')], new Map(decision.loadedAfter));
    assert.deepEqual(resent.deltas, []);
    assert.equal(resent.alreadyApplied, 1);

    // Out and changed again: nothing; back in: every field, as for a new key.
    const back = decideProducts([productChange(2, 'u', 'P1', { active: false, unit_price: '3' }), productChange(3, 'u', 'P1', { unit_price: '3' })], new Map(decision.loadedAfter));
    assert.deepEqual(summary(back.deltas), [['UPSERT', 'CHANGE', ['code', 'description', 'unitPrice', 'active']]]);
    assert.equal(back.deltas[0]?.data?.['unitPrice'], '3.00');
  });

  it('a row that stays in the filter emits its changes as without a filter', () => {
    const load = decideProducts([productChange(0, 'c', 'P1')]);
    const decision = decideProducts([productChange(1, 'u', 'P1', { unit_price: '1.50' }), productChange(2, 'u', 'P1', { unit_price: '1.75' })], new Map(load.loadedAfter));
    assert.deepEqual(summary(decision.deltas), [['UPSERT', 'CHANGE', ['unitPrice']]]);
    assert.equal(decision.suppressed, 1);
  });

  it('a row outside the filter that is deleted at the source emits nothing: the target never had it', () => {
    const decision = decideProducts([productChange(0, 'c', 'P1', { active: false }), productChange(1, 'd', 'P1'), tombstone(2, 'P1')]);
    assert.deepEqual(decision.deltas, []);
  });

  it('a row whose filter field is unknown (unchanged TOASTed, nothing loaded) is not sent; a loaded one keeps its loaded value', () => {
    const described = { ...products, filter: rowFilter('products', products.recordFields, [{ field: 'description', present: true }]) };
    const toasted = productChange(1, 'u', 'P1', { description: '__debezium_unavailable_value', unit_price: '9' });
    const unknown = decideBatch(described, keyRecords(described, [toasted]), new Map(), { emittedAtMs: 1_000, epoch: 0 });
    assert.deepEqual(unknown.deltas, []);
    const load = decideBatch(described, keyRecords(described, [productChange(0, 'c', 'P1')]), new Map(), { emittedAtMs: 1_000, epoch: 0 });
    const known = decideBatch(described, keyRecords(described, [toasted]), new Map(load.loadedAfter), { emittedAtMs: 1_000, epoch: 0 });
    assert.deepEqual(summary(known.deltas), [['UPSERT', 'CHANGE', ['unitPrice']]]);
    assert.equal(known.deltas[0]?.data?.['description'], 'Product P1');
  });
});
