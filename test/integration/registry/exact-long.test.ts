import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { integerNormalizer } from '../../../src/normalize/integer.js';
import { registryClient } from '../../../src/registry/registry-client.js';
import { confluentHeader, WireFormatWriter, type AvroWriterType } from '../../../src/registry/confluent-wire-format.js';
import { testStack } from '../../support/test-stack.js';

/** A delta's shape, cut down: an integer key field, an optional integer field, and the envelope's longs. */
const SCHEMA = JSON.stringify({
  type: 'record',
  name: 'AccountsDelta',
  namespace: 'erp_delta.test',
  fields: [
    { name: 'key', type: 'string' },
    {
      name: 'data',
      type: [
        'null',
        {
          type: 'record',
          name: 'AccountsRecord',
          fields: [
            { name: 'accountNo', type: 'long' },
            { name: 'balanceCents', type: ['null', 'long'], default: null },
          ],
        },
      ],
      default: null,
    },
    {
      name: 'source',
      type: {
        type: 'record',
        name: 'DeltaSource',
        fields: [
          { name: 'offset', type: 'long' },
          { name: 'tsMs', type: 'long' },
        ],
      },
    },
    { name: 'emittedAtMs', type: 'long' },
  ],
});

describe('integers beyond 2^53 through the schema registry', () => {
  const url = testStack().component('registry').endpoint();
  const subject = `erp-delta.test-exact-long-${randomUUID().slice(0, 8)}-value`;
  const client = () => registryClient({ url, requestTimeoutMs: 10_000 });
  // What the tracker emits for a PostgreSQL bigint 9007199254740993: the integer normalizer's canonical value.
  const accountNo = integerNormalizer('accountNo', { normalizer: 'integer' })(9007199254740993n);
  const delta = {
    key: String(accountNo),
    data: { accountNo, balanceCents: '-9223372036854775808' },
    source: { offset: 42, tsMs: 1_795_685_848_559 },
    emittedAtMs: 1_795_685_848_700,
  };

  it('writes a delta holding 9007199254740993 and reads it back exactly, by a client that never saw the schema', async () => {
    assert.equal(accountNo, '9007199254740993');
    const { id } = await client().register({ type: SchemaType.AVRO, schema: SCHEMA }, { subject });

    // As DeltaCodec writes: the registered schema's type, through the wire format writer.
    const writerType = (await client().getSchema(id)) as unknown as AvroWriterType;
    const written = new WireFormatWriter().write(confluentHeader(id), writerType, delta);
    const encoded = await client().encode(id, delta);
    assert.deepEqual(written, encoded, 'the writer and the client encode alike');

    // As the changelog restore and the loader read: registry.decode of a client that fetches the schema by id.
    const decoded = (await client().decode(written)) as { data: { accountNo: unknown; balanceCents: unknown } };
    assert.deepEqual(JSON.parse(JSON.stringify(decoded)), delta);
    assert.equal(decoded.data.accountNo, accountNo, 'the same canonical value, so the compare finds no change');
    assert.notEqual(decoded.data.accountNo, integerNormalizer('accountNo', { normalizer: 'integer' })(9007199254740992n));
  });

  it('writes the longs any Avro reader reads: a plain client reads a delta of safe integers alike', async () => {
    const id = await client().getLatestSchemaId(subject);
    const safe = { ...delta, key: '7', data: { accountNo: 7, balanceCents: -1_234_567_890_123 } };
    const written = await client().encode(id, safe);
    assert.deepEqual(JSON.parse(JSON.stringify(await new SchemaRegistry({ host: url }).decode(written))), safe);
    // avsc's own long type refuses what it cannot hold: the reason for the exact one.
    await assert.rejects(new SchemaRegistry({ host: url }).decode(await client().encode(id, delta)), /precision loss/);
  });
});
