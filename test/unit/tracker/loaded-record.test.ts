import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Delta } from '../../../src/tracker/delta.js';
import { loadedRecordOf, recordHash } from '../../../src/tracker/loaded-record.js';

const SOURCE = { topic: 'erp.public.customers', partition: 2, offset: 1234, tsMs: 1_709_280_000_000 };

describe('loaded record', () => {
  it('hashes the canonical form: stable across key order and processes', () => {
    assert.equal(recordHash({ name: 'A', code: 'C1' }), recordHash({ code: 'C1', name: 'A' }));
    // Pinned: base64url SHA-256 of {"code":"C1","name":"A"}; stored hashes must keep their meaning.
    assert.equal(recordHash({ code: 'C1', name: 'A' }), 'ukApt4XNq6MsVAZGKUzKMBmyGdZT33JDy8t0UcmXQL4');
  });

  it('hashes different canonical values differently', () => {
    assert.notEqual(recordHash({ creditLimit: '1.50' }), recordHash({ creditLimit: '1.5' }));
    assert.notEqual(recordHash({ name: null }), recordHash({ name: '' }));
    assert.notEqual(recordHash({ qty: 1 }), recordHash({ qty: '1' }));
  });

  it('is what an UPSERT leaves behind, with the position it came from', () => {
    const delta: Delta = { op: 'UPSERT', reason: 'CHANGE', changedFields: ['name'], key: 'C1', data: { code: 'C1', name: 'A' }, source: SOURCE, emittedAtMs: 1 };
    assert.deepEqual(loadedRecordOf(delta), {
      key: 'C1',
      data: { code: 'C1', name: 'A' },
      hash: recordHash({ code: 'C1', name: 'A' }),
      source: { topic: 'erp.public.customers', partition: 2, offset: 1234 },
    });
  });

  it('is nothing after a DELETE', () => {
    assert.equal(loadedRecordOf({ op: 'DELETE', reason: 'CHANGE', changedFields: [], key: 'C1', data: null, source: SOURCE, emittedAtMs: 1 }), undefined);
  });
});
