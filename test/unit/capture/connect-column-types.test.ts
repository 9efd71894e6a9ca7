import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cdcRecordShape, connectFieldChoice, type ConnectSchema } from '../../../src/capture/connect-column-types.js';
import { PLACEHOLDER_ZONE, UNSCALED_NUMERIC_SCALE } from '../../../src/capture/postgres-column-types.js';
import { isErpDeltaError } from '../../../src/errors/erp-delta-error.js';
import { changeKey, changeValue } from '../../support/debezium-json.js';

function field(type: string, name?: string, parameters?: Record<string, string>): ConnectSchema {
  return { type, optional: true, field: 'c', ...(name === undefined ? {} : { name }), ...(parameters === undefined ? {} : { parameters }) };
}

describe('Connect schema fields -> normalizers', () => {
  it("follows Debezium's logical types", () => {
    const cases: Array<[ConnectSchema, unknown]> = [
      [field('int32', 'io.debezium.time.Date'), { normalizer: 'date' }],
      [field('string', 'io.debezium.time.IsoDate'), { normalizer: 'date' }],
      [field('int32', 'org.apache.kafka.connect.data.Date'), { normalizer: 'date' }],
      [field('int64', 'io.debezium.time.Timestamp'), { normalizer: 'timestamp', epochUnit: 'millis', zone: PLACEHOLDER_ZONE }],
      [field('int64', 'io.debezium.time.MicroTimestamp'), { normalizer: 'timestamp', epochUnit: 'micros', zone: PLACEHOLDER_ZONE }],
      [field('int64', 'io.debezium.time.NanoTimestamp'), { normalizer: 'timestamp', epochUnit: 'nanos', zone: PLACEHOLDER_ZONE }],
      [field('string', 'io.debezium.time.IsoTimestamp'), { normalizer: 'timestamp', zone: PLACEHOLDER_ZONE }],
      [field('string', 'io.debezium.time.ZonedTimestamp'), { normalizer: 'timestamp' }],
      [field('int32', 'io.debezium.time.Time'), { normalizer: 'time', unit: 'millis' }],
      [field('int64', 'io.debezium.time.MicroTime'), { normalizer: 'time', unit: 'micros' }],
      [field('string', 'io.debezium.time.ZonedTime'), { normalizer: 'time' }],
      [field('bytes', 'org.apache.kafka.connect.data.Decimal', { scale: '2', 'connect.decimal.precision': '12' }), { normalizer: 'decimal', scale: 2, encoding: 'base64' }],
      [field('struct', 'io.debezium.data.VariableScaleDecimal'), { normalizer: 'decimal', scale: UNSCALED_NUMERIC_SCALE }],
      [field('string', 'io.debezium.data.Json'), { normalizer: 'json' }],
      [field('string', 'io.debezium.data.Uuid'), { normalizer: 'uuid' }],
      [field('string', 'io.debezium.data.Enum', { allowed: 'ok,sad' }), { normalizer: 'text' }],
      [field('bytes', 'io.debezium.data.Bits', { length: '8' }), { normalizer: 'bytes' }],
      [field('struct', 'io.debezium.data.geometry.Point'), { normalizer: 'json' }],
    ];
    for (const [input, expected] of cases) assert.deepEqual(connectFieldChoice(input).normalizer, expected, input.name);
  });

  it('falls back on the Connect type', () => {
    const cases: Array<[ConnectSchema, unknown]> = [
      [field('string'), { normalizer: 'text' }],
      [field('int16'), { normalizer: 'integer' }],
      [field('int64'), { normalizer: 'integer' }],
      [field('boolean'), { normalizer: 'boolean' }],
      [field('bytes'), { normalizer: 'bytes' }],
      [field('float64'), { normalizer: 'text' }],
      [field('array'), { normalizer: 'json' }],
    ];
    for (const [input, expected] of cases) assert.deepEqual(connectFieldChoice(input).normalizer, expected, input.type);
  });

  it('reads a numeric sent as a string when the connector propagates source types', () => {
    const numeric = field('string', undefined, { '__debezium.source.column.type': 'NUMERIC', '__debezium.source.column.length': '12', '__debezium.source.column.scale': '3' });
    assert.deepEqual(connectFieldChoice(numeric).normalizer, { normalizer: 'decimal', scale: 3 });
    assert.equal(connectFieldChoice(numeric).sourceType, 'string (numeric)');
  });
});

describe("a CDC record's shape", () => {
  const row = { product_code: 'P1', warehouse_code: 'W1', quantity: '1.000', updated_at: '2026-01-01T00:00:00Z' };

  it("reads the columns from the after struct and the key columns from the key's schema", () => {
    const shape = cdcRecordShape('erp.public.stock_levels', changeKey('stock_levels', row, true), changeValue({ table: 'stock_levels', op: 'c', after: row, withSchema: true }));
    assert.equal(shape.schema, 'public');
    assert.equal(shape.table, 'stock_levels');
    assert.deepEqual(
      shape.columns.map((column) => column.name),
      ['product_code', 'warehouse_code', 'quantity', 'updated_at'],
    );
    assert.deepEqual(shape.keyColumns, ['product_code', 'warehouse_code']);
    assert.deepEqual(shape.columns.find((column) => column.name === 'updated_at')?.choice.normalizer, { normalizer: 'timestamp' });
    // decimal.handling.mode=string makes quantity a plain string: the draft says to check it.
    assert.match(shape.notes.join(' '), /Check product_code, warehouse_code, quantity: .*decimal\.handling\.mode=string/);
  });

  it('takes the key columns from a key without a schema too', () => {
    const shape = cdcRecordShape('t', changeKey('stock_levels', row, false), changeValue({ table: 'stock_levels', op: 'c', after: row, withSchema: true }));
    assert.deepEqual(shape.keyColumns, ['product_code', 'warehouse_code']);
  });

  it('refuses records without a schema part, naming the topic and the way out', () => {
    assert.throws(
      () => cdcRecordShape('erp.public.stock_levels', null, changeValue({ table: 'stock_levels', op: 'c', after: row, withSchema: false })),
      (error) => {
        assert.ok(isErpDeltaError(error, 'TOPIC_SCHEMA_MISSING'));
        assert.match(error.message, /erp\.public\.stock_levels have no schema part \(.*schemas\.enable=false\)/);
        assert.match(error.hint ?? '', /database/);
        return true;
      },
    );
    assert.throws(
      () => cdcRecordShape('t', null, Buffer.from([0, 0, 0, 0, 1, 2])),
      (error) => isErpDeltaError(error, 'TOPIC_SCHEMA_MISSING') && /Avro/.test(error.message),
    );
    assert.throws(
      () => cdcRecordShape('t', null, Buffer.from('{"schema":{"type":"string"},"payload":"x"}')),
      (error) => isErpDeltaError(error, 'TOPIC_SCHEMA_MISSING') && /`after`/.test(error.message),
    );
  });
});
