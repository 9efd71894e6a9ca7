import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { outgoing } from '../../../src/kafka/platformatic-producer.js';

describe("a record as the transactional producer's client writes it", () => {
  it('carries the key and value as bytes, and the partition given', () => {
    const record = outgoing('t', { key: 'customer:1', value: 'v', partition: 2 });
    assert.equal(record.topic, 't');
    assert.deepEqual(record.key, Buffer.from('customer:1'));
    assert.deepEqual(record.value, Buffer.from('v'));
    assert.equal(record.partition, 2);
    const bytes = Buffer.from([0, 255]);
    assert.equal(outgoing('t', { key: bytes, value: bytes }).value, bytes, 'bytes are not copied');
  });

  it('writes a tombstone as a record without a value, and a record without a key as one without a key', () => {
    const tombstone = outgoing('t', { key: 'k', value: null });
    assert.equal('value' in tombstone, false);
    assert.equal('key' in outgoing('t', { key: null, value: 'v' }), false);
    assert.equal('partition' in tombstone, false, 'no partition given: the partitioner chooses by key');
  });

  it('writes each value of a repeated header as a header of its own', () => {
    const record = outgoing('t', { value: 'v', headers: { reason: 'RECONCILE', trace: ['a', Buffer.from('b')], gone: undefined } });
    const headers = [...((record.headers as Map<Buffer, Buffer>) ?? new Map()).entries()].map(([name, value]) => [String(name), String(value)]);
    assert.deepEqual(headers, [
      ['reason', 'RECONCILE'],
      ['trace', 'a'],
      ['trace', 'b'],
    ]);
  });
});
