import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Delta } from '../../../src/model/delta.js';
import { loadedRecordOf } from '../../../src/model/loaded-record.js';

const SOURCE = { topic: 'erp.public.customers', partition: 2, offset: 1234, tsMs: 1_709_280_000_000, connector: null, position: null, epoch: 0 };

describe('loaded record', () => {
  it('is what an UPSERT leaves behind, with the position it came from', () => {
    const delta: Delta = { op: 'UPSERT', reason: 'CHANGE', changedFields: ['name'], key: 'C1', data: { code: 'C1', name: 'A' }, source: SOURCE, emittedAtMs: 1 };
    assert.deepEqual(loadedRecordOf(delta), {
      key: 'C1',
      data: { code: 'C1', name: 'A' },
      source: SOURCE,
    });
  });

  it('is nothing after a DELETE', () => {
    assert.equal(loadedRecordOf({ op: 'DELETE', reason: 'CHANGE', changedFields: [], key: 'C1', data: null, source: SOURCE, emittedAtMs: 1 }), undefined);
  });
});
