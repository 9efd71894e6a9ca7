import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideSweep, decideTruncateSweep } from '../../../src/refresh/compare-decision.js';
import { orderOf } from '../../../src/model/source-position.js';
import type { DeltaSource } from '../../../src/model/delta.js';
import type { LoadedState } from '../../../src/model/loaded-record.js';
import { defaultEntity } from '../../support/default-entities.js';

const products = defaultEntity('products');
const window = { id: 'cmp-1', topic: 'erp.public.products', partition: 1, from: 100 };

function loaded(key: string, offset: number, partition = 1): LoadedState {
  return {
    key,
    data: { code: key, description: 'Bolt', unitPrice: '1.00', active: true },
    source: { topic: window.topic, partition, offset, tsMs: 1, connector: 'postgresql', position: `p${offset}`, epoch: 0 },
  };
}

describe("a full compare's sweep", () => {
  it('deletes (RECONCILE) the loaded keys its window did not hold, keeping their source position', () => {
    const deltas = decideSweep(products, ['P1', 'P2'], [loaded('P1', 10), loaded('P2', 20)], [false, true], window, 5_000);
    assert.deepEqual(
      deltas.map((delta) => [delta.key, delta.op, delta.reason, delta.source.offset, delta.source.position]),
      [['P1', 'DELETE', 'RECONCILE', 10, 'p10']],
    );
  });

  it('keeps a key changed live in the window or after it, whatever the marks say', () => {
    assert.deepEqual(decideSweep(products, ['P3', 'P4'], [loaded('P3', 100), loaded('P4', 250)], [false, false], window, 5_000), []);
  });

  it('judges offsets of another partition as before the window (a key loaded from another partition has no place in it)', () => {
    assert.equal(decideSweep(products, ['P5'], [loaded('P5', 500, 2)], [false], window, 5_000).length, 1);
  });

  it('leaves keys already deleted or never loaded alone', () => {
    const deleted: LoadedState = { key: 'P6', deleted: true, source: { topic: window.topic, partition: 1, offset: 5, tsMs: 1, connector: null, position: null, epoch: 0 } };
    assert.deepEqual(decideSweep(products, ['P6', 'P7'], [deleted, undefined], [false, false], window, 5_000), []);
  });
});

describe("a truncate event's sweep", () => {
  const at = (lsn: number): string => orderOf({ connector: 'postgresql', snapshot: false, lastCommitLsn: lsn, lsn }) as string;
  // Read from partition 2: the keys it sweeps were loaded from partitions 0 and 1 too.
  const truncate: DeltaSource = { topic: window.topic, partition: 2, offset: 40, tsMs: 9_000, connector: 'postgresql', position: at(5_000), epoch: 0 };
  const version = (key: string, lsn: number | null, partition = 1, epoch = 0): LoadedState => ({
    key,
    data: { code: key, description: 'Bolt', unitPrice: '1.00', active: true },
    source: { topic: window.topic, partition, offset: 7, tsMs: 1, connector: lsn === null ? null : 'postgresql', position: lsn === null ? null : at(lsn), epoch },
  });

  it("deletes (RECONCILE) every key loaded from before the truncate, at the truncate's source position", () => {
    const { deltas, unplaced } = decideTruncateSweep(products, ['P1', 'P2'], [version('P1', 4_000, 0), version('P2', 4_999, 1)], truncate, 10_000);
    assert.deepEqual(
      deltas.map((delta) => [delta.key, delta.op, delta.reason, delta.source.position, delta.source.partition, delta.source.offset]),
      [
        ['P1', 'DELETE', 'RECONCILE', at(5_000), 2, 40],
        ['P2', 'DELETE', 'RECONCILE', at(5_000), 2, 40],
      ],
    );
    assert.equal(unplaced, 0);
  });

  it('keeps a row written after the truncate, and keys deleted or never loaded', () => {
    const deleted: LoadedState = { key: 'P5', deleted: true, source: { ...truncate, position: at(3_000) } };
    assert.deepEqual(decideTruncateSweep(products, ['P3', 'P5', 'P6'], [version('P3', 6_000), deleted, undefined], truncate, 10_000), { deltas: [], unplaced: 0 });
  });

  it('keeps, and counts, versions source positions cannot place: no position, another source epoch', () => {
    const { deltas, unplaced } = decideTruncateSweep(products, ['P7', 'P8'], [version('P7', null), version('P8', 4_000, 1, 1)], truncate, 10_000);
    assert.deepEqual({ deleted: deltas.length, unplaced }, { deleted: 0, unplaced: 2 });
  });
});
