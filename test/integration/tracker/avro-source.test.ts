import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { isErpDeltaError } from '../../../src/errors/erp-delta-error.js';
import { SourceDecoder } from '../../../src/capture/source-decoder.js';
import { testStack } from '../../support/test-stack.js';

/** The shape of Debezium's Avro envelope for the customers table (AvroConverter, decimals as strings). */
const KEY_SCHEMA = { type: 'record', name: 'Key', namespace: 'erp.public.customers', fields: [{ name: 'code', type: 'string' }] };
const VALUE_RECORD = {
  type: 'record',
  name: 'Value',
  namespace: 'erp.public.customers',
  fields: ['code', 'name', 'address', 'city', 'sales_rep_code', 'credit_limit', 'updated_at'].map((name) => ({
    name,
    type: name === 'code' ? 'string' : ['null', 'string'],
    default: name === 'code' ? undefined : null,
  })),
};
const ENVELOPE_SCHEMA = {
  type: 'record',
  name: 'Envelope',
  namespace: 'erp.public.customers',
  fields: [
    { name: 'before', type: ['null', VALUE_RECORD], default: null },
    { name: 'after', type: ['null', 'erp.public.customers.Value'], default: null },
    {
      name: 'source',
      type: {
        type: 'record',
        name: 'Source',
        namespace: 'io.debezium.connector.postgresql',
        fields: [
          { name: 'ts_ms', type: 'long' },
          { name: 'table', type: 'string' },
        ],
      },
    },
    { name: 'op', type: 'string' },
    { name: 'ts_ms', type: ['null', 'long'], default: null },
  ],
};

describe('source decoder: Debezium records in Avro through the registry', () => {
  const host = testStack().component('registry').endpoint();
  const registry = new SchemaRegistry({ host });
  const topic = `erp-avro-${randomUUID().slice(0, 8)}.public.customers`;

  it('decodes an Avro key and envelope into the same change a JSON record gives', async () => {
    const { id: keyId } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(KEY_SCHEMA) }, { subject: `${topic}-key` });
    const { id: valueId } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(ENVELOPE_SCHEMA) }, { subject: `${topic}-value` });
    const after = { code: 'ABC001', name: 'ABC Hardware', address: '3 Main Road', city: 'Cape Town', sales_rep_code: 'SAL001', credit_limit: '1500.50', updated_at: '2026-11-25T10:00:00Z' };
    const key = await registry.encode(keyId, { code: 'ABC001' });
    const value = await registry.encode(valueId, { before: null, after, source: { ts_ms: 1_764_000_000_000, table: 'customers' }, op: 'u', ts_ms: null });

    const decoder = new SourceDecoder(new SchemaRegistry({ host }));
    const change = await decoder.decode(key, value);
    assert.equal(change.kind, 'change');
    assert.deepEqual(change.key, { code: 'ABC001' });
    if (change.kind !== 'change') return;
    assert.equal(change.op, 'u');
    assert.deepEqual(change.after, after);
    assert.equal(change.sourceTsMs, 1_764_000_000_000);

    const tombstone = await decoder.decode(key, null);
    assert.equal(tombstone.kind, 'tombstone');
  });

  it('refuses a record whose schema id the registry does not know, as a decode failure (dead letter)', async () => {
    const unknownId = Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0, 1, 2, 3]);
    await assert.rejects(
      async () => new SourceDecoder(new SchemaRegistry({ host })).decode(Buffer.from('{"code":"X"}'), unknownId),
      (error) => isErpDeltaError(error, 'DECODE_FAILED') && /Confluent wire format/.test(error.message),
    );
  });
});
