import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { testStack } from '../../support/test-stack.js';

const recordSchema = (fields: object[]): string => JSON.stringify({ type: 'record', name: 'Customer', namespace: 'erp.delta.test', fields });
const V1 = recordSchema([
  { name: 'code', type: 'string' },
  { name: 'name', type: ['null', 'string'], default: null },
]);
const V2_COMPATIBLE = recordSchema([
  { name: 'code', type: 'string' },
  { name: 'name', type: ['null', 'string'], default: null },
  { name: 'city', type: ['null', 'string'], default: null },
]);
const V2_NEW_REQUIRED_FIELD = recordSchema([
  { name: 'code', type: 'string' },
  { name: 'name', type: ['null', 'string'], default: null },
  { name: 'creditLimit', type: 'string' },
]);
const V2_TYPE_CHANGED = recordSchema([
  { name: 'code', type: 'int' },
  { name: 'name', type: ['null', 'string'], default: null },
]);

describe('schema registry through @kafkajs/confluent-schema-registry', () => {
  const host = testStack().component('registry').endpoint();
  const subject = `erp-delta.test-${randomUUID().slice(0, 8)}-value`;

  it('registers an Avro schema, and returns it by id to a client that never saw it', async () => {
    const { id } = await new SchemaRegistry({ host }).register({ type: SchemaType.AVRO, schema: V1 }, { subject });
    const again = await new SchemaRegistry({ host }).register({ type: SchemaType.AVRO, schema: V1 }, { subject });
    assert.equal(again.id, id, 'the same schema keeps its id');

    const writer = new SchemaRegistry({ host });
    const encoded = await writer.encode(id, { code: 'ABC001', name: 'ABC Hardware' });
    assert.equal(encoded[0], 0, 'Confluent wire format: magic byte');
    assert.equal(encoded.readInt32BE(1), id, 'Confluent wire format: schema id');

    const reader = new SchemaRegistry({ host });
    assert.deepEqual({ ...(await reader.decode(encoded)) }, { code: 'ABC001', name: 'ABC Hardware' });
    assert.equal(JSON.parse(JSON.stringify(await reader.getSchema(id))).name, 'erp.delta.test.Customer');
    assert.equal(await reader.getLatestSchemaId(subject), id);
  });

  it('accepts a backward-compatible evolution and rejects incompatible ones', async () => {
    const registry = new SchemaRegistry({ host });
    const v1 = await registry.getLatestSchemaId(subject);
    const { id: v2 } = await registry.register({ type: SchemaType.AVRO, schema: V2_COMPATIBLE }, { subject });
    assert.notEqual(v2, v1);
    await assert.rejects(registry.register({ type: SchemaType.AVRO, schema: V2_NEW_REQUIRED_FIELD }, { subject }), /409|compatib/i);
    await assert.rejects(registry.register({ type: SchemaType.AVRO, schema: V2_TYPE_CHANGED }, { subject }), /409|compatib/i);
    assert.equal(await registry.getLatestSchemaId(subject), v2, 'a rejected schema does not become the latest');
  });
});
