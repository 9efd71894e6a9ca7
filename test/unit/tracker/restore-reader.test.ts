import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import avro, { type Schema } from 'avsc';
import { loadConfig } from '../../../src/config/load-config.js';
import type { Delta } from '../../../src/model/delta.js';
import { loadedStateOf } from '../../../src/model/loaded-record.js';
import { trackedEntity } from '../../../src/model/tracked-entity.js';
import { exactLongTypeHook } from '../../../src/registry/exact-long.js';
import { restoreReaderFor } from '../../../src/tracker/delta-codec.js';
import { deltaSchemaFor } from '../../../src/tracker/delta-schema.js';

const config = loadConfig();

/** The customers' delta type as the registry client gives it to the codec: exact longs. */
function customersWriter(): avro.Type {
  const customers = config.entities['customers'];
  assert.ok(customers);
  return avro.Type.forSchema(deltaSchemaFor(customers, config.assignment?.entity === 'customers') as Schema, { typeHook: exactLongTypeHook });
}

// An offset beyond 2^53, as an exact long reads it back: its decimal text.
const source = {
  topic: 'erp.public.customers',
  partition: 2,
  offset: '9007199254740993',
  tsMs: 1_735_689_600_042,
  connector: 'postgresql',
  position: '0000000001a2b3c4:00000000000004d2:0000000000000001',
  epoch: 3,
};

const upsert = {
  op: 'UPSERT',
  reason: 'CHANGE',
  changedFields: ['code', 'name', 'address', 'city', 'salesRepCode', 'creditLimit'],
  key: 'C0001',
  data: null as Delta['data'],
  source,
  emittedAtMs: 1_796_182_937_211,
};

/** avsc decodes records as class instances; a plain copy compares by value only. */
function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}

describe('restoreReaderFor: what a restore reads of a delta', () => {
  const writer = customersWriter();
  const reader = restoreReaderFor(writer);
  const customers = config.entities['customers'];
  assert.ok(customers);
  const { recordFields } = trackedEntity(customers, config.assignment);

  it('reads only op, data and source, and leaves the same state in the store as the whole delta', () => {
    assert.ok(reader.resolver, 'the shipped schema is cut down, not read whole');
    const data = Object.fromEntries(recordFields.map((name, index) => [name, `value ${index}`]));
    const delta = { ...upsert, data };
    const written = writer.toBuffer(delta);
    const read = reader.type.fromBuffer(written, reader.resolver) as Record<string, unknown>;
    assert.deepEqual(Object.keys(read).sort(), ['data', 'op', 'source']);
    assert.deepEqual(
      plain(loadedStateOf({ key: 'C0001', op: read['op'] as Delta['op'], data: read['data'] as Delta['data'], source: read['source'] as Delta['source'] })),
      plain(loadedStateOf(writer.fromBuffer(written) as Delta)),
    );
  });

  it('keeps a long beyond 2^53 exact, and reads a DELETE as where the key was deleted', () => {
    const written = writer.toBuffer({ ...upsert, op: 'DELETE', changedFields: [], data: null });
    const read = reader.type.fromBuffer(written, reader.resolver) as Pick<Delta, 'op' | 'data' | 'source'>;
    assert.equal(read.source.offset, '9007199254740993');
    assert.deepEqual(plain(loadedStateOf({ key: 'C0001', ...read })), { key: 'C0001', deleted: true, source });
  });

  it('reads a schema it cannot cut down whole', () => {
    const odd = avro.Type.forSchema({
      type: 'record',
      name: 'OddDelta',
      fields: [
        { name: 'op', type: 'string' },
        { name: 'source', type: 'string' },
      ],
    });
    const fallback = restoreReaderFor(odd);
    assert.equal(fallback.type, odd);
    assert.equal(fallback.resolver, undefined);
  });
});
