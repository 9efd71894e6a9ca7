import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MultipleErrors, NetworkError, ProtocolError } from '@platformatic/kafka';
import { isErpDeltaError } from '../../../src/errors/erp-delta-error.js';
import { outgoing, transactionFailed } from '../../../src/kafka/platformatic-producer.js';

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

describe("a transaction's failed request, as erp-delta's error", () => {
  const connection = { brokers: ['kafka-1:9092'] };

  it('is PRODUCER_FENCED when the broker answered that a newer producer holds the id, however deep in the retries', () => {
    // What the client threw when another producer had taken the id (test/integration/tracker/fenced-task.test.ts).
    const answered = new MultipleErrors('Received response with error while executing API AddPartitionsToTxn(v5)', [new ProtocolError('PRODUCER_FENCED')]);
    const error = transactionFailed(connection, 'group-erp.public.products-2', 'writing to erp-delta.products', new MultipleErrors('addPartitions failed 1 times.', [answered]));
    assert.ok(isErpDeltaError(error, 'PRODUCER_FENCED'));
    assert.equal(error.retriable, true);
    assert.match(error.message, /group-erp\.public\.products-2 was fenced while writing to erp-delta\.products \(PRODUCER_FENCED\)/);
    assert.ok(isErpDeltaError(transactionFailed(connection, 'id', 'committing', new ProtocolError('INVALID_PRODUCER_EPOCH')), 'PRODUCER_FENCED'));
  });

  it("is KAFKA_UNAVAILABLE for anything else, naming the broker's answers and what was under way", () => {
    const error = transactionFailed(
      connection,
      'id-1',
      'committing',
      new MultipleErrors('endTransaction failed 9 times.', [new NetworkError('Connection closed'), new ProtocolError('NOT_COORDINATOR')]),
    );
    assert.ok(isErpDeltaError(error, 'KAFKA_UNAVAILABLE'));
    assert.equal(error.retriable, true);
    assert.match(error.message, /^Kafka at kafka-1:9092: committing in a transaction of id-1: endTransaction failed 9 times\. \(Connection closed; .*coordinator/i);
  });

  it("keeps an error that is erp-delta's already", () => {
    const own = transactionFailed(connection, 'id', 'committing', new ProtocolError('PRODUCER_FENCED'));
    assert.equal(transactionFailed(connection, 'id', 'aborting', own), own);
  });
});
