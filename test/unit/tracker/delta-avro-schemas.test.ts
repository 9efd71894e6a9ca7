import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import avro from 'avsc';
import { loadConfig } from '../../../src/config/load-config.js';
import type { NormalizerName } from '../../../src/normalize/normalizer.js';
import { compareWithLoaded } from '../../../src/model/compare.js';
import { DELTA_REASONS, type Delta } from '../../../src/model/delta.js';
import { deltaSchemaFor, fieldsMissingFrom, incompatibleChanges } from '../../../src/tracker/delta-schema.js';
import { desiredRecord } from '../../../src/model/desired-record.js';
import { entityKey } from '../../../src/model/entity-key.js';
import { loadedRecordOf } from '../../../src/model/loaded-record.js';
import { defaultEntity } from '../../support/default-entities.js';

interface AvroField {
  name: string;
  type: unknown;
  default?: unknown;
  doc?: string;
}

const config = loadConfig();

function shippedSchema(entity: 'customers' | 'products' | 'stock_levels'): { fields: AvroField[] } & Record<string, unknown> {
  const entityConfig = config.entities[entity];
  assert.ok(entityConfig);
  return deltaSchemaFor(entityConfig, config.assignment?.entity === entity);
}

function dataFields(schema: { fields: AvroField[] }): AvroField[] {
  const data = schema.fields.find((field) => field.name === 'data');
  const record = Array.isArray(data?.type) ? (data.type[1] as { fields: AvroField[] }) : undefined;
  assert.ok(record, 'data is ["null", record]');
  return record.fields;
}

/** What each normalizer's canonical value is written as. */
const AVRO_TYPE: Record<NormalizerName, string> = {
  text: 'string',
  decimal: 'string',
  date: 'string',
  timestamp: 'string',
  integer: 'long',
  boolean: 'boolean',
  time: 'string',
  json: 'string',
  uuid: 'string',
  bytes: 'string',
};

const SAMPLE_ROWS: Record<string, Record<string, unknown>> = {
  customers: { code: 'C0001', name: ' Alpine Foods Ltd', address: null, city: 'Berlin', sales_rep_code: 'SAL002', credit_limit: '8919.3', updated_at: '2024-03-01T08:00:00Z' },
  products: { code: 'P0017', description: 'Hex bolt M8', unit_price: '0.5', active: false, updated_at: null },
  stock_levels: { product_code: 'P0017', warehouse_code: 'WH03', quantity: '40', updated_at: null },
};

/** avsc decodes records as class instances; a plain copy compares by value only. */
function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}

describe('delta Avro schemas, generated from the shipped config', () => {
  for (const name of ['customers', 'products', 'stock_levels'] as const) {
    describe(name, () => {
      const entity = defaultEntity(name);
      const schema = shippedSchema(name);
      const type = avro.Type.forSchema(schema as avro.Schema);

      it('has the envelope fields of every delta', () => {
        assert.deepEqual(
          schema.fields.map((field) => field.name),
          ['op', 'reason', 'changedFields', 'key', 'data', 'source', 'emittedAtMs'],
        );
        const reason = schema.fields.find((field) => field.name === 'reason')?.type as { symbols: string[] };
        assert.deepEqual(reason.symbols, DELTA_REASONS);
      });

      it('has a data field per record field, in order, typed as its normalizer writes it', () => {
        const fields = dataFields(schema);
        assert.deepEqual(
          fields.map((field) => field.name),
          entity.recordFields,
        );
        const keyFields = new Set(entity.keyFields.map((field) => field.name));
        const entityConfig = config.entities[name];
        for (const field of fields) {
          const normalizer = entityConfig?.fields[field.name]?.normalizer;
          const expected = normalizer === undefined ? 'string' : AVRO_TYPE[normalizer];
          if (keyFields.has(field.name)) {
            assert.equal(field.type, expected, `${field.name} is a key field: never null`);
          } else {
            assert.deepEqual(field.type, ['null', expected], `${field.name} is nullable`);
            assert.equal(field.default, null, `${field.name} defaults to null`);
          }
        }
      });

      it('round-trips an UPSERT and a DELETE produced by compare', () => {
        const row = SAMPLE_ROWS[name] ?? {};
        const key = entityKey(entity, Object.fromEntries(entity.keyFields.map((field) => [field.column, row[field.column]])));
        const source = { topic: entity.topic, partition: 1, offset: 2 ** 40, tsMs: 1_709_280_000_000, connector: null, position: null, epoch: 0 };
        const upsert = compareWithLoaded(entity, { key, desired: desiredRecord(entity, row), source }, undefined, 'CHANGE', 1_709_280_000_500);
        assert.ok(upsert);
        const loaded = loadedRecordOf(upsert);
        const remove = compareWithLoaded(entity, { key, desired: null, source: { ...source, offset: 2 ** 40 + 1 } }, loaded, 'CHANGE', 1_709_280_000_900);
        assert.ok(remove);
        for (const delta of [upsert, remove] satisfies Delta[]) {
          assert.ok(type.isValid(delta), `${delta.op} is valid`);
          assert.deepEqual(plain(type.fromBuffer(type.toBuffer(delta))), plain(delta));
        }
      });

      it('refuses a record with an empty key field', () => {
        const row = SAMPLE_ROWS[name] ?? {};
        const data = { ...desiredRecord(entity, row).data, [entity.keyFields[0]?.name ?? '']: null };
        const delta: Delta = {
          op: 'UPSERT',
          reason: 'CHANGE',
          changedFields: [],
          key: 'k',
          data,
          source: { topic: 't', partition: 0, offset: 0, tsMs: 0, connector: null, position: null, epoch: 0 },
          emittedAtMs: 0,
        };
        assert.equal(type.isValid(delta), false);
      });
    });
  }

  it("carries a customer's assignedUserId, which defaults to null so deltas written before it still read", () => {
    const assigned = dataFields(shippedSchema('customers')).find((field) => field.name === 'assignedUserId');
    assert.deepEqual(assigned?.type, ['null', 'string']);
    assert.equal(assigned?.default, null);
    const entity = defaultEntity('customers');
    const desired = desiredRecord(entity, SAMPLE_ROWS['customers'] ?? {});
    const source = { topic: entity.topic, partition: 0, offset: 9, tsMs: 1, connector: null, position: null, epoch: 0 };
    const delta = compareWithLoaded(entity, { key: 'C0001', desired: { ...desired, data: { ...desired.data, assignedUserId: 'u-17' } }, source }, undefined, 'ASSIGNMENT', 2);
    const type = avro.Type.forSchema(shippedSchema('customers') as avro.Schema);
    assert.deepEqual(plain(type.fromBuffer(type.toBuffer(delta))), plain(delta));
    assert.equal((plain(type.fromBuffer(type.toBuffer(delta))) as Delta).data?.['assignedUserId'], 'u-17');
  });
});

describe('delta schemas follow the config', () => {
  const customers = config.entities['customers'];
  assert.ok(customers);
  const withField = (fields: typeof customers.fields, keyFields = customers.keyFields) => deltaSchemaFor({ ...customers, fields, keyFields }, true);
  const registered = deltaSchemaFor(customers, true);
  /** Whether a reader with `reader` decodes what `writer` wrote, as a registry's BACKWARD rule asks. */
  const readsOld = (reader: object, writer: object): boolean => {
    try {
      avro.Type.forSchema(reader as avro.Schema).createResolver(avro.Type.forSchema(writer as avro.Schema));
      return true;
    } catch {
      return false;
    }
  };

  it('keeps the Avro names the shipped entities were first registered with: readers resolve records by name', () => {
    const names = (['customers', 'products', 'stock_levels'] as const).map((name) => {
      const schema = shippedSchema(name);
      const data = schema.fields.find((field) => field.name === 'data')?.type as [string, { name: string }];
      return [schema['name'], data[1].name];
    });
    assert.deepEqual(names, [
      ['CustomersDelta', 'Customer'],
      ['ProductsDelta', 'Product'],
      ['StockLevelsDelta', 'StockLevel'],
    ]);
  });

  it('names the data record <Entity>Record when the config sets no recordName', () => {
    const { recordName: _recordName, ...unnamed } = customers;
    const data = deltaSchemaFor({ ...unnamed, name: 'price_lists' }, false).fields.find((field) => field.name === 'data')?.type as [string, { name: string }];
    assert.equal(data[1].name, 'PriceListsRecord');
  });

  it('adds a field as an optional one: compatible, and older deltas read with it null', () => {
    const evolved = withField({ ...customers.fields, phone: { column: 'phone', normalizer: 'text', emptyIsNull: true } });
    const phone = dataFields(evolved).find((field) => field.name === 'phone');
    assert.deepEqual(phone, { name: 'phone', type: ['null', 'string'], default: null, doc: 'Column phone: text, trimmed, empty as null.' });
    assert.deepEqual(incompatibleChanges(registered, evolved), []);
    assert.equal(readsOld(evolved, registered), true);
  });

  it('removes a field compatibly', () => {
    const { city: _city, ...fields } = customers.fields;
    const evolved = withField(fields);
    assert.equal(
      dataFields(evolved).some((field) => field.name === 'city'),
      false,
    );
    assert.deepEqual(incompatibleChanges(registered, evolved), []);
    assert.equal(readsOld(evolved, registered), true);
  });

  it('names a field whose type changes, which readers cannot resolve', () => {
    const evolved = withField({ ...customers.fields, city: { column: 'city', normalizer: 'integer' } });
    assert.deepEqual(incompatibleChanges(registered, evolved), ['field "city" was ["null","string"] and would be ["null","long"]']);
    assert.equal(readsOld(evolved, registered), false);
  });

  it('names a renamed key field', () => {
    const { code, ...rest } = customers.fields;
    assert.ok(code);
    const evolved = withField({ customerCode: code, ...rest }, ['customerCode']);
    assert.deepEqual(incompatibleChanges(registered, evolved), [
      'field "customerCode" is new and required (a key field): deltas written before it cannot fill it',
      'key field "code" is no longer in the config (renamed?)',
    ]);
    assert.equal(readsOld(evolved, registered), false);
  });

  it('names a renamed data record', () => {
    const evolved = deltaSchemaFor({ ...customers, recordName: 'Client' }, true);
    assert.deepEqual(incompatibleChanges(registered, evolved), ['the data record was named Customer and would be Client (set recordName: Customer)']);
  });

  it('finds the tracked fields a schema lacks', () => {
    assert.deepEqual(fieldsMissingFrom(registered, [...Object.keys(customers.fields), 'assignedUserId']), []);
    assert.deepEqual(fieldsMissingFrom(registered, ['code', 'phone']), ['phone']);
  });

  it("describes each field for the target's developers: the config's doc, the column and the canonical form", () => {
    const salesRep = dataFields(registered).find((field) => field.name === 'salesRepCode');
    assert.equal(salesRep?.doc, 'Sales rep code: the key of the user assignment mapping. Column sales_rep_code: text, trimmed, empty as null.');
    const creditLimit = dataFields(registered).find((field) => field.name === 'creditLimit');
    assert.equal(creditLimit?.doc, 'Column credit_limit: a decimal as text with exactly 2 fraction digits.');
  });
});
