import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isErpDeltaError } from '../../../src/errors/erp-delta-error.js';
import { createNormalizer, type NormalizerSpec } from '../../../src/normalize/normalizer.js';
import { readCompactEnvelope } from '../../../src/capture/compact-envelope.js';
import { decodeDebeziumJson } from '../../../src/capture/decode-debezium-json.js';
import { holdsInexactInteger, parseExactJson, rowHoldsInexactInteger } from '../../../src/capture/exact-json.js';
import type { SourceChange } from '../../../src/model/source-change.js';
import { changeKey, changeValue, rowRecord } from '../../support/debezium-json.js';

/**
 * A record as the support builders write it, with every string "#<digits>" turned into a bare
 * JSON number: how JsonConverter writes a bigint column, which JSON.stringify of a test row cannot.
 */
function bare(bytes: Buffer): Buffer {
  return Buffer.from(bytes.toString('utf8').replace(/"#(-?\d+)"/g, '$1'));
}

const BIG = 9007199254740993n;
const ROW = { code: 'C0001', name: 'Alpine Foods Ltd', account_no: `#${BIG}`, balance_cents: '#-9223372036854775808', visits: '#42' };
const EXACT_ROW = { code: 'C0001', name: 'Alpine Foods Ltd', account_no: BIG, balance_cents: -9223372036854775808n, visits: 42 };

describe('exact JSON for integers beyond 2^53', () => {
  it('decodes a bigint column exactly by the compact reading and by the full parse alike', () => {
    const key = bare(changeKey('customers', ROW, false));
    const compact = bare(changeValue({ table: 'customers', op: 'u', after: ROW, withSchema: false }));
    assert.ok(readCompactEnvelope(compact.toString('utf8'), { code: 'C0001' }), 'the usual envelope takes the compact reading');
    // The same change with the schema part: the full parse.
    const full = bare(changeValue({ table: 'customers', op: 'u', after: ROW, withSchema: true }));
    const decoded = [decodeDebeziumJson(key, compact), decodeDebeziumJson(key, full)] as SourceChange[];
    for (const change of decoded) assert.deepEqual(change.after, EXACT_ROW);
    assert.deepEqual(decoded[0], decoded[1]);
    assert.notEqual(decoded[0]?.after?.['account_no'], 9007199254740992n);
  });

  it('reads a before row exactly too (a delete, REPLICA IDENTITY FULL)', () => {
    const key = bare(changeKey('customers', ROW, false));
    const deleted = decodeDebeziumJson(key, bare(changeValue({ table: 'customers', op: 'd', before: ROW, after: null, withSchema: false })));
    assert.deepEqual(deleted.kind === 'change' && deleted.before, EXACT_ROW);
    const updated = decodeDebeziumJson(key, bare(changeValue({ table: 'customers', op: 'u', before: ROW, after: { ...ROW, visits: '#43' }, withSchema: true })));
    assert.deepEqual(updated.kind === 'change' && updated.before, EXACT_ROW);
    assert.deepEqual(updated.kind === 'change' && updated.after, { ...EXACT_ROW, visits: 43 });
  });

  it('decodes a bigint primary key exactly, with and without the schema part', () => {
    const row = { product_code: `#${BIG}`, warehouse_code: 'WH02', quantity: '12.500' };
    for (const withSchema of [false, true]) {
      const key = bare(changeKey('stock_levels', row, withSchema));
      assert.deepEqual(decodeDebeziumJson(key, null), { kind: 'tombstone', key: { product_code: BIG, warehouse_code: 'WH02' } });
      const change = decodeDebeziumJson(key, bare(changeValue({ table: 'stock_levels', op: 'c', after: row, withSchema })));
      assert.deepEqual(rowRecord(change).key, { product_code: BIG, warehouse_code: 'WH02' });
    }
    const neighbour = bare(changeKey('stock_levels', { ...row, product_code: '#9007199254740992' }, false));
    assert.notDeepEqual(rowRecord(decodeDebeziumJson(neighbour, null)).key, rowRecord(decodeDebeziumJson(bare(changeKey('stock_levels', row, false)), null)).key);
  });

  it('refuses a row it cannot read exactly rather than round it', () => {
    // JSON.parse reads nesting this deep; a recursive exact parse cannot.
    const deep = `${'['.repeat(100_000)}9007199254740993${']'.repeat(100_000)}`;
    const text = `{"before":null,"after":{"code":"C0001","deep":${deep}},"source":{"ts_ms":1},"op":"c"}`;
    assert.equal(readCompactEnvelope(text, { code: 'C0001' }), undefined, 'left to the full parse');
    assert.throws(
      () => decodeDebeziumJson(Buffer.from('{"code":"C0001"}'), Buffer.from(text)),
      (error) => isErpDeltaError(error, 'DECODE_FAILED') && /the value holds an integer beyond 2\^53 and cannot be read exactly/.test(error.message),
    );
  });
});

describe('parseExactJson', () => {
  it('reads numbers as JSON.parse does, but integers beyond 2^53 as bigints', () => {
    const text = '{"a":9007199254740991,"b":-9007199254740992,"c":1e300,"d":12345678901234567.5,"e":-0,"f":0.1,"g":[99999999999999999999]}';
    const exact = parseExactJson(text) as Record<string, unknown>;
    // biome-ignore lint/correctness/noPrecisionLoss: the literal is as lossy as JSON.parse's reading of the same digits, which is what the test compares
    assert.deepEqual(exact, { a: 9007199254740991, b: -9007199254740992n, c: 1e300, d: 12345678901234567.5, e: -0, f: 0.1, g: [99999999999999999999n] });
    assert.ok(Object.is(exact['e'], -0));
  });

  it('keeps the last of duplicated members and a "__proto__" member, as JSON.parse does', () => {
    const text = '{"a":1,"__proto__":{"x":1},"a":9007199254740993}';
    const exact = parseExactJson(text) as Record<string, unknown>;
    const parsed = JSON.parse(text) as Record<string, unknown>;
    assert.deepEqual(Object.keys(exact), Object.keys(parsed));
    assert.equal(exact['a'], 9007199254740993n);
    assert.equal(Object.getPrototypeOf(exact), Object.prototype);
    // biome-ignore lint/suspicious/noProto: an own member named __proto__ is what the test checks, not the accessor
    assert.deepEqual(exact['__proto__'], { x: 1 });
  });

  it('fails on what JSON.parse fails on', () => {
    for (const text of ['{"a":01}', '{"a":1,}', '[1 2]', '"\u0001"']) assert.throws(() => parseExactJson(text), SyntaxError, text);
  });
});

describe('holdsInexactInteger', () => {
  it('finds a number of 2^53 or more, at any depth, and nothing else', () => {
    assert.ok(rowHoldsInexactInteger({ a: 'x', b: 2 ** 53 }));
    assert.ok(rowHoldsInexactInteger({ a: -(2 ** 53) }));
    assert.ok(rowHoldsInexactInteger({ a: { b: [1, { c: [2 ** 60] }] } }));
    assert.ok(!rowHoldsInexactInteger({ a: 2 ** 53 - 1, b: -(2 ** 53 - 1), c: '9007199254740993', d: [1.5, null, true], e: { f: 1795685836910857 } }));
    assert.ok(holdsInexactInteger([[[[1e16]]]]));
    assert.ok(!holdsInexactInteger(null));
    assert.ok(!holdsInexactInteger(undefined));
    assert.ok(!holdsInexactInteger(9007199254740991));
  });
});

describe('normalizers reading a decoded row with integers beyond 2^53', () => {
  const TEXT = '{"before":null,"after":{"code":"C0001","end_us":253402300799999999,"infinity_ns":9223372036854775807,"ids":[9007199254740993,1],"n":9007199254740993},"source":{"ts_ms":1},"op":"u"}';
  const row = decodeDebeziumJson(Buffer.from('{"code":"C0001"}'), Buffer.from(TEXT));
  const after = row.kind === 'change' && row.after ? row.after : {};
  const normalize = (spec: NormalizerSpec, column: string): unknown => createNormalizer(column, spec)(after[column]);

  it('reads epoch counts beyond 2^53 into a timestamp as before (the end-of-time sentinel, PostgreSQL infinity)', () => {
    assert.equal(typeof after['end_us'], 'bigint');
    assert.equal(normalize({ normalizer: 'timestamp', epochUnit: 'auto' }, 'end_us'), '9999-12-31T23:59:59.999Z');
    assert.throws(() => normalize({ normalizer: 'timestamp', epochUnit: 'nanos' }, 'infinity_ns'), /is PostgreSQL's timestamp 'infinity'/);
  });

  it("writes an array column's integers with all their digits", () => {
    assert.equal(normalize({ normalizer: 'json' }, 'ids'), '[9007199254740993,1]');
  });

  it('keeps a bigint exact as text, as a decimal of scale 0 and as an integer', () => {
    assert.equal(normalize({ normalizer: 'text', emptyIsNull: false }, 'n'), '9007199254740993');
    assert.equal(normalize({ normalizer: 'decimal', scale: 0, encoding: 'text' }, 'n'), '9007199254740993');
    assert.equal(normalize({ normalizer: 'integer' }, 'n'), '9007199254740993');
  });
});
