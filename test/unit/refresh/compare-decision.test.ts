import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideSweep } from '../../../src/refresh/compare-decision.js';
import type { LoadedState } from '../../../src/tracker/loaded-record.js';
import { defaultEntity } from '../../support/default-entities.js';

const products = defaultEntity('products');
const window = { id: 'cmp-1', topic: 'erp.public.products', partition: 1, from: 100 };

function loaded(key: string, offset: number, partition = 1): LoadedState {
  return { key, data: { code: key, description: 'Bolt', unitPrice: '1.00', active: true }, source: { topic: window.topic, partition, offset, tsMs: 1, connector: 'postgresql', position: `p${offset}`, epoch: 0 } };
}

describe('a full compare\'s sweep', () => {
  it('deletes (RECONCILE) the loaded keys its window did not hold, keeping their source position', () => {
    const deltas = decideSweep(products, ['P1', 'P2'], [loaded('P1', 10), loaded('P2', 20)], [false, true], window, 5_000);
    assert.deepEqual(deltas.map((delta) => [delta.key, delta.op, delta.reason, delta.source.offset, delta.source.position]), [['P1', 'DELETE', 'RECONCILE', 10, 'p10']]);
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
