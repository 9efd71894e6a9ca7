import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connectorModes } from '../../../src/capture/connector-modes.js';
import type { NormalizerChoice } from '../../../src/capture/entity-draft.js';
import { PLACEHOLDER_ZONE, postgresColumnChoice, UNSCALED_NUMERIC_SCALE, type PostgresColumn } from '../../../src/capture/postgres-column-types.js';
import { createNormalizer, normalizerSpec } from '../../../src/normalize/normalizer.js';
import { loadConnectorFiles } from '../../../src/capture/connector-file.js';
import { projectFiles } from '../../../src/project-files.js';

/** A column as information_schema describes it; `udtName` decides most. */
function column(udtName: string, extra: Partial<PostgresColumn> = {}): PostgresColumn {
  return {
    name: 'c',
    dataType: udtName,
    udtName,
    declaredType: udtName,
    numericScale: null,
    datetimePrecision: null,
    characterMaximumLength: null,
    enumLabels: undefined,
    ...extra,
  };
}

/** The modes of the shipped connector file: decimal.handling.mode string, time.precision.mode isostring. */
const SHIPPED = connectorModes(loadConnectorFiles(projectFiles.connectorsDir)[0]?.config ?? {});
const DEFAULTS = connectorModes({});

function choose(input: PostgresColumn, modes = SHIPPED): NormalizerChoice {
  return postgresColumnChoice(input, modes).normalizer;
}

describe('PostgreSQL column types -> normalizers', () => {
  it("reads the shipped connector file's modes", () => {
    assert.equal(SHIPPED.decimalHandling, 'string');
    assert.equal(SHIPPED.timePrecision, 'isostring');
    assert.equal(SHIPPED.binaryHandling, 'bytes');
    assert.deepEqual(SHIPPED.unknown, []);
  });

  it('maps text, integer, boolean, date, json, uuid and bytes types', () => {
    const cases: Array<[PostgresColumn, NormalizerChoice]> = [
      [column('text'), { normalizer: 'text' }],
      [column('varchar', { characterMaximumLength: 40 }), { normalizer: 'text' }],
      [column('bpchar', { characterMaximumLength: 3 }), { normalizer: 'text' }],
      [column('citext'), { normalizer: 'text' }],
      [column('int2'), { normalizer: 'integer' }],
      [column('int4'), { normalizer: 'integer' }],
      [column('int8'), { normalizer: 'integer' }],
      [column('bool'), { normalizer: 'boolean' }],
      [column('date'), { normalizer: 'date' }],
      [column('json'), { normalizer: 'json' }],
      [column('jsonb'), { normalizer: 'json' }],
      [column('uuid'), { normalizer: 'uuid' }],
      [column('bytea'), { normalizer: 'bytes' }],
      [column('timestamptz', { datetimePrecision: 6 }), { normalizer: 'timestamp' }],
      [column('timetz', { datetimePrecision: 6 }), { normalizer: 'time' }],
    ];
    for (const [input, expected] of cases) assert.deepEqual(choose(input), expected, input.udtName);
  });

  it('gives numeric its scale, and the encoding decimal.handling.mode calls for', () => {
    assert.deepEqual(choose(column('numeric', { numericScale: 2 })), { normalizer: 'decimal', scale: 2 });
    assert.deepEqual(choose(column('numeric', { numericScale: 0 })), { normalizer: 'decimal', scale: 0 });
    assert.deepEqual(choose(column('numeric', { numericScale: 3 }), DEFAULTS), { normalizer: 'decimal', scale: 3, encoding: 'base64' });
    assert.deepEqual(choose(column('numeric', { numericScale: 3 }), connectorModes({ 'decimal.handling.mode': 'double' })), { normalizer: 'decimal', scale: 3 });
  });

  it('gives a numeric without scale a placeholder scale and says so', () => {
    const choice = postgresColumnChoice(column('numeric'), SHIPPED);
    assert.deepEqual(choice.normalizer, { normalizer: 'decimal', scale: UNSCALED_NUMERIC_SCALE });
    assert.match(choice.notes.join(' '), /placeholder/);
  });

  it("gives money the connector's money.fraction.digits", () => {
    assert.deepEqual(choose(column('money')), { normalizer: 'decimal', scale: 2 });
    assert.deepEqual(choose(column('money'), connectorModes({ 'money.fraction.digits': '4' })), { normalizer: 'decimal', scale: 4, encoding: 'base64' });
  });

  it("gives a timestamp without time zone a placeholder zone and says the ERP's zone must be set", () => {
    const choice = postgresColumnChoice(column('timestamp', { datetimePrecision: 6, declaredType: 'timestamp without time zone' }), SHIPPED);
    assert.deepEqual(choice.normalizer, { normalizer: 'timestamp', zone: PLACEHOLDER_ZONE });
    assert.match(choice.notes.join(' '), /UTC is a placeholder: set the IANA zone the ERP writes local time in/);
  });

  it('sets the epoch unit of timestamps and times when the connector sends numbers', () => {
    assert.deepEqual(choose(column('timestamp', { datetimePrecision: 3 }), DEFAULTS), { normalizer: 'timestamp', epochUnit: 'millis', zone: 'UTC' });
    assert.deepEqual(choose(column('timestamp', { datetimePrecision: 6 }), DEFAULTS), { normalizer: 'timestamp', epochUnit: 'micros', zone: 'UTC' });
    assert.deepEqual(choose(column('timestamp', { datetimePrecision: 6 }), connectorModes({ 'time.precision.mode': 'connect' })), { normalizer: 'timestamp', epochUnit: 'millis', zone: 'UTC' });
    assert.deepEqual(choose(column('time', { datetimePrecision: 6 })), { normalizer: 'time' });
    assert.deepEqual(choose(column('time', { datetimePrecision: 6 }), DEFAULTS), { normalizer: 'time', unit: 'micros' });
    assert.deepEqual(choose(column('time', { datetimePrecision: 0 }), DEFAULTS), { normalizer: 'time', unit: 'millis' });
    assert.deepEqual(choose(column('time', { datetimePrecision: 0 }), connectorModes({ 'time.precision.mode': 'adaptive_time_microseconds' })), { normalizer: 'time', unit: 'micros' });
  });

  it("reads bit(1) as a flag, longer bit strings as bytes in the connector's binary encoding", () => {
    assert.deepEqual(choose(column('bit', { characterMaximumLength: 1 })), { normalizer: 'boolean' });
    assert.deepEqual(choose(column('bit', { characterMaximumLength: 8 })), { normalizer: 'bytes' });
    assert.deepEqual(choose(column('varbit')), { normalizer: 'bytes' });
    assert.deepEqual(choose(column('bytea'), connectorModes({ 'binary.handling.mode': 'hex' })), { normalizer: 'bytes', encoding: 'hex' });
  });

  it('tracks enums as text and arrays as JSON, saying what they are', () => {
    const mood = postgresColumnChoice(column('mood', { dataType: 'USER-DEFINED', enumLabels: ['ok', 'sad'] }), SHIPPED);
    assert.deepEqual(mood.normalizer, { normalizer: 'text' });
    assert.match(mood.notes.join(' '), /enum mood \(ok, sad\)/);
    const array = postgresColumnChoice(column('_int4', { dataType: 'ARRAY', declaredType: 'integer[]' }), SHIPPED);
    assert.deepEqual(array.normalizer, { normalizer: 'json' });
    assert.match(array.notes.join(' '), /array of int4/);
  });

  it('tracks any other type as text, naming the type', () => {
    for (const udtName of ['inet', 'xml', 'tsvector', 'int4range']) {
      const choice = postgresColumnChoice(column(udtName), SHIPPED);
      assert.deepEqual(choice.normalizer, { normalizer: 'text' });
      assert.ok(choice.notes.join(' ').includes(udtName), udtName);
    }
  });

  it('only chooses what the normalizers accept, in every mode', () => {
    const modes = [SHIPPED, DEFAULTS, connectorModes({ 'decimal.handling.mode': 'double', 'time.precision.mode': 'connect', 'binary.handling.mode': 'base64-url-safe' })];
    const columns = [
      'text',
      'int4',
      'bool',
      'numeric',
      'money',
      'float8',
      'date',
      'timestamp',
      'timestamptz',
      'time',
      'timetz',
      'json',
      'hstore',
      'uuid',
      'bytea',
      'bit',
      'point',
      'interval',
      'xml',
    ].map((udtName) => column(udtName, { numericScale: udtName === 'numeric' ? 2 : null, datetimePrecision: 6 }));
    for (const mode of modes) {
      for (const input of columns) {
        const spec = normalizerSpec.parse(choose(input, mode));
        assert.equal(typeof createNormalizer(input.name, spec), 'function', input.udtName);
      }
    }
  });
});
