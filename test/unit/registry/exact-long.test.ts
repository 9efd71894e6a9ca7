import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { describe, it } from 'node:test';
import avro from 'avsc';
import { exactLongType, exactLongTypeHook } from '../../../src/registry/exact-long.js';
import { registryClient } from '../../../src/registry/registry-client.js';
import { confluentHeader, WireFormatWriter, type AvroWriterType } from '../../../src/registry/confluent-wire-format.js';

/** A record like a delta's: a required long, an optional one, and a long with Debezium's attributes. */
const SCHEMA = {
  type: 'record',
  name: 'AccountDelta',
  namespace: 'erp_delta.test',
  fields: [
    { name: 'accountNo', type: 'long' },
    { name: 'balanceCents', type: ['null', 'long'], default: null },
    { name: 'tsUs', type: { type: 'long', 'connect.name': 'io.debezium.time.MicroTimestamp' } },
  ],
};
const type = avro.Type.forSchema(SCHEMA as avro.Schema, { typeHook: exactLongTypeHook });

/** Avro's long as the spec writes it: zigzag, then a base-128 varint, low groups first. */
function avroLong(value: bigint): Buffer {
  let zigzag = value >= 0n ? value << 1n : (-value << 1n) - 1n;
  const bytes: number[] = [];
  do {
    const group = Number(zigzag & 0x7fn);
    zigzag >>= 7n;
    bytes.push(zigzag > 0n ? group | 0x80 : group);
  } while (zigzag > 0n);
  return Buffer.from(bytes);
}

const LONGS: readonly [unknown, bigint][] = [
  [0, 0n],
  [1, 1n],
  [-1, -1n],
  [63, 63n],
  [64, 64n],
  [-65, -65n],
  [2 ** 31, 2n ** 31n],
  [-(2 ** 31) - 1, -(2n ** 31n) - 1n],
  [Number.MAX_SAFE_INTEGER, 2n ** 53n - 1n],
  [-Number.MAX_SAFE_INTEGER, -(2n ** 53n) + 1n],
  ['9007199254740992', 2n ** 53n],
  ['9007199254740993', 2n ** 53n + 1n],
  ['-9007199254740993', -(2n ** 53n) - 1n],
  ['9223372036854775807', 2n ** 63n - 1n],
  ['-9223372036854775808', -(2n ** 63n)],
];

describe('exact long type', () => {
  it('writes numbers and decimal text as Avro longs, and reads them back unchanged: a number while safe, the text beyond', () => {
    for (const [value, exact] of LONGS) {
      const bytes = exactLongType.toBuffer(value);
      assert.deepEqual(bytes, avroLong(exact), `the Avro encoding of ${exact}`);
      assert.equal(exactLongType.fromBuffer(bytes), value, `${exact} read back`);
    }
  });

  it('writes a bigint and reads it back in the same canonical form', () => {
    assert.equal(exactLongType.fromBuffer(exactLongType.toBuffer(9007199254740993n)), '9007199254740993');
    assert.equal(exactLongType.fromBuffer(exactLongType.toBuffer(42n)), 42);
    assert.equal(exactLongType.fromBuffer(exactLongType.toBuffer(-(2n ** 63n))), '-9223372036854775808');
  });

  it("writes the bytes avsc's own long writes, and reads what it wrote", () => {
    const plain = avro.Type.forSchema('long');
    for (const value of [0, -1, 1_795_685_836_910_857, -1_234_567_890_123, 9_007_199_254_740_990]) {
      assert.deepEqual(exactLongType.toBuffer(value), plain.toBuffer(value));
      assert.equal(exactLongType.fromBuffer(plain.toBuffer(value)), value);
    }
  });

  it('refuses what is not a long, or would not read back as itself', () => {
    for (const value of [2 ** 53, -(2 ** 53), 1.5, Number.NaN, '42', '09007199254740993', '+9007199254740993', '9007199254740993.0', '9223372036854775808', '-9223372036854775809', null, true, {}]) {
      assert.equal(exactLongType.isValid(value), false, `${String(value)} is not valid`);
      assert.throws(() => exactLongType.toBuffer(value), /invalid "long"/, `${String(value)} is refused`);
    }
    // avsc's message cannot show a bigint (it writes the value as JSON), but refuses it all the same.
    for (const value of [2n ** 63n, -(2n ** 63n) - 1n]) {
      assert.equal(exactLongType.isValid(value), false, `${value} is not valid`);
      assert.throws(() => exactLongType.toBuffer(value), `${value} is refused`);
    }
    // -0 is the long 0.
    assert.equal(exactLongType.fromBuffer(exactLongType.toBuffer(-0)), 0);
  });

  it('compares exactly', () => {
    assert.equal(exactLongType.compare('9007199254740993', '9007199254740992'), 1);
    assert.equal(exactLongType.compare('-9223372036854775808', -1), -1);
    assert.equal(exactLongType.compare(5, 5), 0);
  });

  it("is every long of a schema, plain or with attributes, in unions too; a logical type stays avsc's", () => {
    const record = { accountNo: '9007199254740993', balanceCents: '-9223372036854775808', tsUs: '253402300799999999' };
    assert.deepEqual({ ...type.fromBuffer(type.toBuffer(record)) }, record);
    const small = { accountNo: 7, balanceCents: null, tsUs: 1_795_685_836_910_857 };
    assert.deepEqual({ ...type.fromBuffer(type.toBuffer(small)) }, small);
    // Still a plain Avro long to anyone reading the schema.
    assert.deepEqual(
      (type.schema() as { fields: { type: unknown }[] }).fields.map((field) => field.type),
      ['long', ['null', 'long'], 'long'],
    );
    assert.equal(exactLongTypeHook({ type: 'long', logicalType: 'timestamp-micros' } as avro.Schema), undefined);
    assert.equal(exactLongTypeHook('string'), undefined);
  });

  it('can be parsed into any number of schemas with the same names (no shared registry of names)', () => {
    for (let index = 0; index < 3; index += 1) avro.Type.forSchema(SCHEMA as avro.Schema, { typeHook: exactLongTypeHook });
  });

  it('writes through the wire format writer, in a chunk that has room and in a new one', () => {
    const writer = new WireFormatWriter();
    const header = confluentHeader(7);
    const records = Array.from({ length: 20_000 }, (_, index) => ({ accountNo: `${9007199254740993n + BigInt(index)}`, balanceCents: index % 2 ? null : -index - 1, tsUs: index }));
    const written = records.map((record) => writer.write(header, type as unknown as AvroWriterType, record));
    assert.deepEqual(
      written.map((bytes) => ({ ...type.fromBuffer(bytes.subarray(5)) })),
      records,
    );
  });
});

describe('registry client', () => {
  it('encodes and decodes every long of a schema it fetches exactly', async () => {
    const server = createServer((request, response) => {
      if (request.url === '/schemas/ids/7') {
        response.writeHead(200, { 'content-type': 'application/vnd.schemaregistry.v1+json' }).end(JSON.stringify({ schema: JSON.stringify(SCHEMA) }));
      } else {
        response.writeHead(404).end();
      }
    });
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    try {
      const address = server.address();
      if (address === null || typeof address === 'string') throw new Error('no port');
      const client = registryClient({ url: `http://127.0.0.1:${address.port}`, requestTimeoutMs: 5_000 });
      const record = { accountNo: '9007199254740993', balanceCents: 9007199254740991, tsUs: '-9223372036854775808' };
      const encoded = await client.encode(7, record);
      assert.deepEqual(encoded.subarray(5), Buffer.concat([avroLong(2n ** 53n + 1n), Buffer.from([2]), avroLong(2n ** 53n - 1n), avroLong(-(2n ** 63n))]));
      assert.deepEqual({ ...(await client.decode(encoded)) }, record);
      // The type a delta codec writes with (DeltaCodec takes it from getSchema).
      const writerType = (await client.getSchema(7)) as unknown as AvroWriterType;
      const viaWriter = new WireFormatWriter().write(confluentHeader(7), writerType, record);
      assert.deepEqual({ ...(await client.decode(viaWriter)) }, record);
    } finally {
      server.close();
    }
  });
});
