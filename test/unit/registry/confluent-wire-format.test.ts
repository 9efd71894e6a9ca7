import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import avro from 'avsc';
import { confluentHeader, isConfluentFramed, schemaIdOf, WireFormatWriter, wireFormatBody } from '../../../src/registry/confluent-wire-format.js';

const type = avro.Type.forSchema({
  type: 'record',
  name: 'Row',
  fields: [
    { name: 'key', type: 'string' },
    { name: 'text', type: 'string' },
  ],
});
const header = confluentHeader(42);

/** Reads a value back as a registry client would: the header, then the Avro binary. */
function read(bytes: Buffer): { schemaId: number; value: unknown } {
  assert.ok(isConfluentFramed(bytes));
  return { schemaId: schemaIdOf(bytes) as number, value: { ...type.fromBuffer(wireFormatBody(bytes)) } };
}

describe('wire format writer', () => {
  it('writes values that read back with their schema id, each unchanged by the ones written after it', () => {
    const writer = new WireFormatWriter();
    const rows = Array.from({ length: 5_000 }, (_, index) => ({ key: `K-${index}`, text: `row ${index} `.repeat(index % 7) }));
    // Enough values to fill many shared chunks: every view must still hold its own value at the end.
    const written = rows.map((row) => writer.write(header, type, row));
    assert.deepEqual(
      written.map(read),
      rows.map((value) => ({ schemaId: 42, value })),
    );
    assert.deepEqual(written[0], Buffer.concat([header, type.toBuffer(rows[0])]));
  });

  it('writes a value larger than a chunk, and goes on after it', () => {
    const writer = new WireFormatWriter();
    const small = { key: 'a', text: 'before' };
    const large = { key: 'TOASTed', text: 'x'.repeat(300_000) };
    const after = { key: 'b', text: 'after' };
    const [first, big, last] = [small, large, after].map((row) => writer.write(header, type, row));
    assert.deepEqual(
      [first, big, last].map((bytes) => read(bytes as Buffer).value),
      [small, large, after],
    );
  });

  it('throws on a value its type cannot write, and writes the next one', () => {
    const writer = new WireFormatWriter();
    assert.throws(() => writer.write(header, type, { key: 7, text: 'wrong key type' }));
    assert.deepEqual(read(writer.write(header, type, { key: 'ok', text: 'fine' })).value, { key: 'ok', text: 'fine' });
  });

  it('finds no schema id in what is not in the wire format', () => {
    assert.equal(schemaIdOf(Buffer.from('{"code":"A"}')), undefined);
    assert.equal(schemaIdOf(Buffer.from([0, 0, 0])), undefined);
    assert.equal(schemaIdOf(Buffer.concat([confluentHeader(2_000_001), Buffer.from([2, 65])])), 2_000_001);
  });
});
