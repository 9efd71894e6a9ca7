import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideBatch } from '../../../src/tracker/batch-decision.js';
import { keyRecords, type DecodedRecord } from '../../../src/model/keyed-record.js';
import { decodeDebeziumJson } from '../../../src/capture/decode-debezium-json.js';
import { REDRIVE_HEADERS, sourceOffsetOf } from '../../../src/dead-letters/dead-letter.js';
import type { LoadedState } from '../../../src/model/loaded-record.js';
import { changeKey, changeValue } from '../../support/debezium-json.js';
import { defaultEntity } from '../../support/default-entities.js';

const customers = defaultEntity('customers');
const TOPIC = 'erp.public.customers';

function redriven(original: string): Record<string, Buffer> {
  return { [REDRIVE_HEADERS.sourceOffset]: Buffer.from(original) };
}

/** A CDC record read at `offset`, placed as the task places it. */
function read(offset: number, city: string, headers?: Record<string, Buffer>): DecodedRecord {
  const row = { code: 'C1', name: 'ABC Hardware', address: '3 Main Road', city, sales_rep_code: 'SAL001', credit_limit: '10.00', updated_at: '2026-11-25T10:00:00Z' };
  const key = changeKey('customers', row, false);
  const value = changeValue({ table: 'customers', op: 'u', after: row, withSchema: false });
  return { position: { topic: TOPIC, partition: 0, offset: sourceOffsetOf(offset, headers) }, raw: { key, value }, decoded: decodeDebeziumJson(key, value) };
}

function decide(records: DecodedRecord[], loaded: ReadonlyMap<string, LoadedState> = new Map()) {
  return decideBatch(customers, keyRecords(customers, records), loaded, { emittedAtMs: 1_000, epoch: 0 });
}

describe('sourceOffsetOf', () => {
  it("is the record's own offset without the re-drive header", () => {
    assert.equal(sourceOffsetOf(42, undefined), 42);
    assert.equal(sourceOffsetOf(42, {}), 42);
  });

  it('is the original offset of a re-driven record', () => {
    assert.equal(sourceOffsetOf(42, redriven('7')), 7);
    assert.equal(sourceOffsetOf(42, { [REDRIVE_HEADERS.sourceOffset]: [Buffer.from('7')] }), 7);
    assert.equal(sourceOffsetOf(42, { [REDRIVE_HEADERS.sourceOffset]: '0' }), 0);
  });

  it("ignores a header that is not an offset before the record's own: a re-drive only moves a record back", () => {
    for (const value of ['42', '43', '-1', '7.5', 'seven', '', '99999999999999999999']) {
      assert.equal(sourceOffsetOf(42, redriven(value)), 42, value);
    }
  });
});

describe('a re-driven dead letter in the batch decision', () => {
  it('is emitted at its original position when the key has nothing newer', () => {
    const before = decide([read(3, 'Cape Town')]);
    const decision = decide([read(90, 'Durban', redriven('5'))], new Map(before.loadedAfter));
    assert.deepEqual(
      decision.deltas.map((delta) => [delta.source.offset, delta.changedFields, delta.data?.['city']]),
      [[5, ['city'], 'Durban']],
    );
  });

  it('never sets back a key loaded from a newer record since', () => {
    const newer = decide([read(8, 'Paarl')]);
    const decision = decide([read(90, 'Durban', redriven('5'))], new Map(newer.loadedAfter));
    assert.deepEqual(decision.deltas, []);
    assert.equal(decision.alreadyApplied, 1);
  });

  it('re-driven twice, emits once', () => {
    const first = decide([read(90, 'Durban', redriven('5'))]);
    assert.equal(first.deltas.length, 1);
    const second = decide([read(95, 'Durban', redriven('5'))], new Map(first.loadedAfter));
    assert.deepEqual(second.deltas, []);
    assert.equal(second.alreadyApplied, 1);
  });
});
