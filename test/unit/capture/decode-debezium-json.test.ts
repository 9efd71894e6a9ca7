import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isErpDeltaError } from '../../../src/errors/erp-delta-error.js';
import { decodeDebeziumJson } from '../../../src/capture/decode-debezium-json.js';
import type { SourceOp } from '../../../src/model/source-change.js';
import { changeKey, changeValue, envelope, json, rowRecord } from '../../support/debezium-json.js';

const ROW = {
  code: 'C0001',
  name: 'Alpine Foods Ltd',
  address: '38 Station Road',
  city: 'Berlin',
  sales_rep_code: 'SAL002',
  credit_limit: '8919.37',
  updated_at: '2024-03-01T08:00:00.123456Z',
};
const KEY_ONLY = { code: 'C0001' };

function assertDecodeFails(key: Buffer | null, value: Buffer | null, reason: RegExp): void {
  assert.throws(
    () => decodeDebeziumJson(key, value),
    (error) => {
      assert.ok(isErpDeltaError(error, 'DECODE_FAILED'), `expected DECODE_FAILED, got ${String(error)}`);
      assert.match(error.message, reason);
      return true;
    },
  );
}

describe('decodeDebeziumJson', () => {
  for (const withSchema of [true, false]) {
    const form = withSchema ? 'with the schema part' : 'without the schema part';
    const key = changeKey('customers', ROW, withSchema);

    for (const op of ['c', 'r', 'u'] as SourceOp[]) {
      it(`decodes op ${op} ${form}`, () => {
        const value = changeValue({ table: 'customers', op, before: null, after: ROW, tsMs: 1_709_280_000_123, position: { lsn: 24_023_984, lastCommitLsn: 24_023_928, txId: 771 }, withSchema });
        assert.deepEqual(decodeDebeziumJson(key, value), {
          kind: 'change',
          op,
          key: KEY_ONLY,
          before: null,
          after: ROW,
          sourceTsMs: 1_709_280_000_123,
          position:
            op === 'r'
              ? { connector: 'postgresql', order: '00000000016e93b0:0000000000000000:0000000000000000' }
              : { connector: 'postgresql', order: '00000000016e93b0:00000000016e9378:00000000016e93b0', transaction: '771' },
          snapshot: op === 'r' ? 'initial' : undefined,
        });
      });
    }

    it(`decodes a delete ${form}: before has the key columns only, after is null`, () => {
      const value = changeValue({ table: 'customers', op: 'd', before: { ...KEY_ONLY, name: null }, after: null, withSchema });
      const decoded = decodeDebeziumJson(key, value);
      assert.equal(decoded.kind, 'change');
      assert.equal(decoded.kind === 'change' && decoded.op, 'd');
      assert.equal(decoded.kind === 'change' && decoded.after, null);
      assert.deepEqual(decoded.key, KEY_ONLY);
    });

    it(`decodes a tombstone ${form} key`, () => {
      assert.deepEqual(decodeDebeziumJson(key, null), { kind: 'tombstone', key: KEY_ONLY });
    });
  }

  it('decodes a composite key in column order', () => {
    const row = { product_code: 'P0001', warehouse_code: 'WH02', quantity: '12.500' };
    const decoded = decodeDebeziumJson(changeKey('stock_levels', row, true), changeValue({ table: 'stock_levels', op: 'c', after: row, withSchema: true }));
    assert.deepEqual(rowRecord(decoded).key, { product_code: 'P0001', warehouse_code: 'WH02' });
  });

  for (const withSchema of [false, true]) {
    it(`decodes a truncate (no key, op t) ${withSchema ? 'with' : 'without'} the schema part: where the table was truncated`, () => {
      const bare = { ...envelope({ table: 'customers', op: 'u', after: ROW, tsMs: 1_764_000_000_000, position: { lsn: 5_000, lastCommitLsn: 4_000, txId: 7 } }), op: 't', before: null, after: null };
      const value = json(withSchema ? { schema: { type: 'struct' }, payload: bare } : bare);
      const decoded = decodeDebeziumJson(null, value);
      assert.equal(decoded.kind, 'truncate');
      assert.equal(decoded.sourceTsMs, 1_764_000_000_000);
      assert.equal(decoded.position?.connector, 'postgresql');
    });
  }

  it('reads a schema-wrapped null payload as a tombstone', () => {
    assert.deepEqual(decodeDebeziumJson(json(KEY_ONLY), json({ schema: null, payload: null })), { kind: 'tombstone', key: KEY_ONLY });
  });

  it('takes the time of the change from source.ts_ms, else from the envelope', () => {
    const noSource = { ...envelope({ table: 'customers', op: 'u', after: ROW, tsMs: 5000 }), source: null };
    const decoded = decodeDebeziumJson(json(KEY_ONLY), json(noSource));
    assert.equal(decoded.kind === 'change' && decoded.sourceTsMs, 5012);
  });

  describe('refuses, saying why', () => {
    const goodValue = changeValue({ table: 'customers', op: 'u', after: ROW, withSchema: false });
    const goodKey = json(KEY_ONLY);

    it('garbage bytes', () => {
      assertDecodeFails(goodKey, Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x7b]), /the value is not JSON/);
    });

    it('Avro in the Confluent wire format', () => {
      assertDecodeFails(goodKey, Buffer.from([0, 0, 0, 0, 7, 2, 10]), /Confluent wire format/);
    });

    it('JSON with neither payload nor op', () => {
      assertDecodeFails(goodKey, json({ before: null, after: ROW }), /neither a payload .* nor an op/);
    });

    it('JSON with a schema part and no payload', () => {
      assertDecodeFails(goodKey, json({ schema: { type: 'struct', fields: [] } }), /schema part but no payload/);
    });

    it('a payload without op', () => {
      assertDecodeFails(goodKey, json({ schema: { type: 'struct' }, payload: { before: null, after: ROW } }), /no op/);
    });

    it('an unknown op, and a truncate with a key', () => {
      assertDecodeFails(goodKey, json({ ...envelope({ table: 'customers', op: 'u', after: ROW }), op: 'x' }), /unknown op "x"/);
      assertDecodeFails(goodKey, json({ ...envelope({ table: 'customers', op: 'u', after: ROW }), op: 't' }), /a truncate\) came with a key/);
    });

    it('a record without a key that is no truncate', () => {
      assertDecodeFails(null, changeValue({ table: 'customers', op: 'u', after: ROW, withSchema: false }), /the record has no key/);
    });

    it('an update without its after row', () => {
      assertDecodeFails(goodKey, changeValue({ table: 'customers', op: 'u', after: null, withSchema: false }), /op "u" has no after row/);
    });

    it('a value that is JSON but not an envelope', () => {
      assertDecodeFails(goodKey, json([1, 2]), /not a Debezium envelope/);
      assertDecodeFails(goodKey, json('text'), /not a Debezium envelope/);
    });

    it('an envelope without any timestamp', () => {
      const bare = { ...envelope({ table: 'customers', op: 'u', after: ROW }), source: {}, ts_ms: undefined };
      assertDecodeFails(goodKey, json(bare), /ts_ms/);
    });

    it('a missing key', () => {
      assertDecodeFails(null, goodValue, /no key/);
      assertDecodeFails(Buffer.alloc(0), goodValue, /no key/);
      assertDecodeFails(null, null, /no key/);
    });

    it('a key that is not key columns', () => {
      assertDecodeFails(json('C0001'), goodValue, /not an object of key columns/);
      assertDecodeFails(json({}), goodValue, /not an object of key columns/);
      assertDecodeFails(json({ schema: { type: 'struct' }, payload: null }), goodValue, /not an object of key columns/);
      assertDecodeFails(Buffer.from('C0001'), goodValue, /the key is not JSON/);
    });

    it('an empty value', () => {
      assertDecodeFails(goodKey, Buffer.alloc(0), /the value is empty/);
    });
  });
});
