import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import avro from 'avsc';
import { loadConfig } from '../../../src/config/load-config.js';
import type { NormalizerName } from '../../../src/normalize/normalizer.js';
import { projectFiles } from '../../../src/project-files.js';
import { compareWithLoaded } from '../../../src/tracker/compare.js';
import { DELTA_REASONS, type Delta } from '../../../src/tracker/delta.js';
import { desiredRecord } from '../../../src/tracker/desired-record.js';
import { entityKey } from '../../../src/tracker/entity-key.js';
import { loadedRecordOf } from '../../../src/tracker/loaded-record.js';
import { defaultEntity } from '../../support/default-entities.js';

interface AvroField { name: string; type: unknown; default?: unknown }

const config = loadConfig();

function schemaFile(entity: string): { fields: AvroField[] } & Record<string, unknown> {
  return JSON.parse(readFileSync(join(projectFiles.schemasDir, `${entity}.avsc`), 'utf8'));
}

function dataFields(schema: { fields: AvroField[] }): AvroField[] {
  const data = schema.fields.find((field) => field.name === 'data');
  const record = Array.isArray(data?.type) ? data.type[1] as { fields: AvroField[] } : undefined;
  assert.ok(record, 'data is ["null", record]');
  return record.fields;
}

/** What each normalizer's canonical value is written as. */
const AVRO_TYPE: Record<NormalizerName, string> = {
  text: 'string', decimal: 'string', date: 'string', timestamp: 'string', integer: 'long', boolean: 'boolean',
  time: 'string', json: 'string', uuid: 'string', bytes: 'string',
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

describe('delta Avro schemas (schemas/*.avsc)', () => {
  for (const name of ['customers', 'products', 'stock_levels'] as const) {
    describe(name, () => {
      const entity = defaultEntity(name);
      const schema = schemaFile(name);
      const type = avro.Type.forSchema(schema as avro.Schema);

      it('has the envelope fields of every delta', () => {
        assert.deepEqual(schema.fields.map((field) => field.name), ['op', 'reason', 'changedFields', 'key', 'data', 'source', 'emittedAtMs']);
        const reason = schema.fields.find((field) => field.name === 'reason')?.type as { symbols: string[] };
        assert.deepEqual(reason.symbols, DELTA_REASONS);
      });

      it('has a data field per record field, in order, typed as its normalizer writes it', () => {
        const fields = dataFields(schema);
        assert.deepEqual(fields.map((field) => field.name), entity.recordFields);
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
        const delta: Delta = { op: 'UPSERT', reason: 'CHANGE', changedFields: [], key: 'k', data, source: { topic: 't', partition: 0, offset: 0, tsMs: 0, connector: null, position: null, epoch: 0 }, emittedAtMs: 0 };
        assert.equal(type.isValid(delta), false);
      });
    });
  }

  it('carries a customer\'s assignedUserId, which defaults to null so deltas written before it still read', () => {
    const assigned = dataFields(schemaFile('customers')).find((field) => field.name === 'assignedUserId');
    assert.deepEqual(assigned?.type, ['null', 'string']);
    assert.equal(assigned?.default, null);
    const entity = defaultEntity('customers');
    const desired = desiredRecord(entity, SAMPLE_ROWS['customers'] ?? {});
    const source = { topic: entity.topic, partition: 0, offset: 9, tsMs: 1, connector: null, position: null, epoch: 0 };
    const delta = compareWithLoaded(entity, { key: 'C0001', desired: { ...desired, data: { ...desired.data, assignedUserId: 'u-17' } }, source }, undefined, 'ASSIGNMENT', 2);
    const type = avro.Type.forSchema(schemaFile('customers') as avro.Schema);
    assert.deepEqual(plain(type.fromBuffer(type.toBuffer(delta))), plain(delta));
    assert.equal((plain(type.fromBuffer(type.toBuffer(delta))) as Delta).data?.['assignedUserId'], 'u-17');
  });
});
