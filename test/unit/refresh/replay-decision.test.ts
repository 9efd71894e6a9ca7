import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideReconcile, decideReplay, type ReplayState } from '../../../src/refresh/replay-decision.js';
import { keyRecords, type DecodedRecord } from '../../../src/model/keyed-record.js';
import { decodeDebeziumJson } from '../../../src/capture/decode-debezium-json.js';
import type { LoadedRecord } from '../../../src/model/loaded-record.js';
import { rowFilter } from '../../../src/model/row-filter.js';
import { changeKey, changeValue } from '../../support/debezium-json.js';
import { defaultEntity } from '../../support/default-entities.js';

const products = defaultEntity('products');
const TOPIC = 'erp.public.products';

function row(code: string, price: string): Record<string, unknown> {
  return { code, description: `Product ${code}`, unit_price: price, active: true, updated_at: '2026-11-25T10:00:00Z' };
}

function record(offset: number, op: 'r' | 'u' | 'd', code: string, price = '1.00'): DecodedRecord {
  const after = op === 'd' ? null : row(code, price);
  const key = changeKey('products', { code }, false);
  const value = changeValue({ table: 'products', op, before: op === 'd' ? { code } : null, after, withSchema: false });
  return { position: { topic: TOPIC, partition: 0, offset }, raw: { key, value }, decoded: decodeDebeziumJson(key, value) };
}

function loaded(code: string, price: string, offset: number): LoadedRecord {
  const data = { code, description: `Product ${code}`, unitPrice: price, active: true };
  return { key: code, data, source: { topic: TOPIC, partition: 0, offset, tsMs: 0, connector: null, position: null, epoch: 0 } };
}

function fresh(): ReplayState {
  return { refreshed: new Set(), present: new Set() };
}

function replay(records: DecodedRecord[], store: LoadedRecord[], state = fresh(), window = { emitFrom: 0, end: 100 }) {
  return decideReplay(products, keyRecords(products, records), new Map(store.map((item) => [item.key, item])), state, window, 1_000);
}

describe('refresh replay decision', () => {
  it('re-sends each loaded key once, from its loaded version, as REFRESH with what differs', () => {
    const decision = replay([record(0, 'r', 'A', '1.00'), record(1, 'r', 'B', '2.00'), record(2, 'u', 'A', '1.50'), record(3, 'u', 'A', '1.50')], [loaded('A', '1.50', 2), loaded('B', '2.00', 1)]);
    assert.deepEqual(
      decision.deltas.map((delta) => [delta.key, delta.reason, delta.source.offset, delta.changedFields]),
      [
        ['B', 'REFRESH', 1, []],
        ['A', 'REFRESH', 2, []],
      ],
    );
  });

  it('uses the first record at or after the loaded version (a no-op update after it, or after compaction)', () => {
    const decision = replay([record(7, 'u', 'A', '1.50'), record(9, 'u', 'A', '1.50')], [loaded('A', '1.50', 5)]);
    assert.deepEqual(
      decision.deltas.map((delta) => delta.source.offset),
      [7],
    );
  });

  it('recomputes the record: a value the loaded record has differently is in changedFields', () => {
    const decision = replay([record(4, 'r', 'A', '1.5')], [loaded('A', '9.99', 4)]);
    assert.deepEqual(
      decision.deltas.map((delta) => [delta.changedFields, delta.data?.['unitPrice']]),
      [[['unitPrice'], '1.50']],
    );
  });

  it('leaves alone a key changed live after the refresh began, and keys never loaded', () => {
    const state = fresh();
    const decision = replay([record(3, 'r', 'A'), record(4, 'r', 'N')], [loaded('A', '1.00', 120)], state, { emitFrom: 0, end: 100 });
    assert.deepEqual(decision.deltas, []);
    assert.ok(state.refreshed.has('A'), 'its live delta counts');
    assert.ok(state.present.has('A') && state.present.has('N'));
  });

  it('marks a key deleted later in the partition as not present, and emits nothing for it', () => {
    const state = fresh();
    const decision = replay([record(0, 'r', 'A'), record(1, 'd', 'A')], [], state);
    assert.deepEqual(decision.deltas, []);
    assert.ok(!state.present.has('A'));
  });

  it('resumed from a committed position, makes the same decisions and emits only after it', () => {
    const records = [record(0, 'r', 'A'), record(1, 'r', 'B'), record(2, 'u', 'A')];
    const store = [loaded('A', '1.00', 0), loaded('B', '1.00', 1)];
    const whole = replay(records, store);
    assert.deepEqual(
      whole.deltas.map((delta) => delta.key),
      ['A', 'B'],
    );
    // Killed after the page that held offset 0: A's REFRESH is committed (loaded from offset 0).
    const resumed = replay(records, store, fresh(), { emitFrom: 1, end: 100 });
    assert.deepEqual(
      resumed.deltas.map((delta) => delta.key),
      ['B'],
      'A is not re-sent, even with its later no-op version',
    );
  });

  it('reconciles: loaded keys not present get a RECONCILE delete, unless loaded from a live change', () => {
    const state: ReplayState = { refreshed: new Set(['A']), present: new Set(['A']) };
    const deltas = decideReconcile(products, [loaded('A', '1.00', 1), loaded('GONE', '1.00', 2), loaded('NEW', '1.00', 150)], state, 100, 5_000);
    assert.deepEqual(
      deltas.map((delta) => [delta.key, delta.op, delta.reason, delta.data]),
      [['GONE', 'DELETE', 'RECONCILE', null]],
    );
  });
});

describe('refresh replay decision with a row filter (active products only)', () => {
  const activeOnly = { ...products, filter: rowFilter('products', products.recordFields, [{ field: 'active', equals: true }]) };

  function productRecord(offset: number, code: string, active: boolean | string): DecodedRecord {
    const after = { ...row(code, '1.00'), active };
    const key = changeKey('products', { code }, false);
    const value = changeValue({ table: 'products', op: 'u', after, withSchema: false });
    return { position: { topic: TOPIC, partition: 0, offset }, raw: { key, value }, decoded: decodeDebeziumJson(key, value) };
  }
  function replayFiltered(records: DecodedRecord[], store: LoadedRecord[], state = fresh()) {
    return decideReplay(activeOnly, keyRecords(activeOnly, records), new Map(store.map((item) => [item.key, item])), state, { emitFrom: 0, end: 100 }, 1_000);
  }

  it('does not re-send a loaded key whose row is now outside the filter, and the reconcile deletes it (RECONCILE)', () => {
    // IN stays active; OUT was loaded while active (or before the filter was added) and is inactive now.
    const state = fresh();
    const store = [loaded('IN', '1.00', 0), loaded('OUT', '1.00', 1)];
    const decision = replayFiltered([productRecord(0, 'IN', true), productRecord(1, 'OUT', false)], store, state);
    assert.deepEqual(
      decision.deltas.map((delta) => [delta.key, delta.op, delta.reason]),
      [['IN', 'UPSERT', 'REFRESH']],
    );
    assert.ok(state.present.has('IN') && !state.present.has('OUT'));
    const deltas = decideReconcile(activeOnly, store, state, 100, 5_000);
    assert.deepEqual(
      deltas.map((delta) => [delta.key, delta.op, delta.reason, delta.data]),
      [['OUT', 'DELETE', 'RECONCILE', null]],
    );
  });

  it('judges a key by its latest row: out then in is present, in then out is not', () => {
    const state = fresh();
    replayFiltered([productRecord(0, 'A', false), productRecord(1, 'A', true), productRecord(2, 'B', true), productRecord(3, 'B', 'f')], [], state);
    assert.deepEqual([...state.present], ['A']);
  });

  it('re-sends a loaded key from its loaded version when an older row of it was outside', () => {
    const decision = replayFiltered([productRecord(0, 'A', false), productRecord(4, 'A', true)], [loaded('A', '1.00', 4)]);
    assert.deepEqual(
      decision.deltas.map((delta) => [delta.key, delta.source.offset, delta.changedFields]),
      [['A', 4, []]],
    );
  });

  it('sends nothing for a row outside the filter that was never loaded', () => {
    const state = fresh();
    const decision = replayFiltered([productRecord(0, 'N', false)], [], state);
    assert.deepEqual(decision.deltas, []);
    assert.ok(!state.present.has('N'));
  });

  it('keeps a row it cannot read present, as without a filter (the live path dead-lettered it)', () => {
    const state = fresh();
    const decision = replayFiltered([productRecord(5, 'BAD', 'maybe')], [loaded('BAD', '1.00', 2)], state);
    assert.equal(decision.failed, 1);
    assert.ok(state.present.has('BAD'));
  });
});
