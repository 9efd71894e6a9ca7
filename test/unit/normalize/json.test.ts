import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isErpDeltaError } from '../../../src/errors/erp-delta-error.js';
import { jsonNormalizer } from '../../../src/normalize/json.js';

describe('json normalizer', () => {
  const json = jsonNormalizer('attributes', { normalizer: 'json' });

  it('makes equal documents equal whatever their key order and spacing', () => {
    // json and jsonb arrive as io.debezium.data.Json: "Contains the string representation of a JSON
    // document, array, or scalar" (PostgreSQL connector, "Basic types"; MySQL's JSON likewise).
    const canonical = '{"a":{"c":null,"d":[3,1]},"b":1}';
    assert.equal(json('{"b":1, "a":{"d":[3,1],"c":null}}'), canonical);
    assert.equal(json('{\n  "a": { "c": null, "d": [ 3, 1 ] },\n  "b": 1\n}'), canonical);
    assert.notEqual(json('{"a":{"c":null,"d":[1,3]},"b":1}'), canonical, 'array order is data');
  });

  it('reads hstore in json mode, arrays and scalars', () => {
    // hstore.handling.mode=json: "output representation using the JSON converter is {"key" : "val"}".
    assert.equal(json('{"key" : "val"}'), '{"key":"val"}');
    assert.equal(json('[1, "two", {"z": true, "y": false}]'), '[1,"two",{"y":false,"z":true}]');
    assert.equal(json('"text"'), '"text"');
    assert.equal(json('42'), '42');
    assert.equal(json('null'), 'null', 'JSON null is a document, not SQL NULL');
  });

  it('takes an array column or a map as the decoder hands it over', () => {
    // PostgreSQL arrays are Kafka Connect ARRAYs: JsonConverter writes a JSON array; hstore in map mode, an object.
    assert.equal(json(['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'f0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11']), '["a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11","f0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"]');
    assert.equal(json([3, 1, 2]), '[3,1,2]');
    assert.equal(json({ key: 'val', a: 1 }), '{"a":1,"key":"val"}');
    assert.equal(json([]), '[]');
  });

  it('reads numbers as JavaScript numbers: the documented limit', () => {
    assert.equal(json('{"n": 1.0, "m": 1e2, "k": -0}'), '{"k":0,"m":100,"n":1}');
    assert.equal(json('[12345678901234567890]'), '[12345678901234567000]');
  });

  it('keeps strings exact, escapes included, and a member named __proto__', () => {
    assert.equal(json('{"s": "a\\"b\\u00e9\\n"}'), '{"s":"a\\"bé\\n"}');
    assert.equal(json('{"__proto__": 1, "a": 2}'), '{"__proto__":1,"a":2}');
  });

  it('makes null and blank null', () => {
    assert.equal(json(null), null);
    assert.equal(json('  '), null);
  });

  it('refuses text that is not JSON, naming field and value', () => {
    for (const raw of ['{a:1}', '{"a":1', "{'a':1}", 'NaN']) {
      assert.throws(
        () => json(raw),
        (error) => isErpDeltaError(error, 'NORMALIZE_FAILED') && error.message === `Cannot normalize field "attributes": ${JSON.stringify(raw)} is not a JSON document.`,
        `for ${raw}`,
      );
    }
  });

  it('refuses a document nested deeper than it can write, rather than crash', () => {
    const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    assert.throws(
      () => json(deep),
      (error) => isErpDeltaError(error, 'NORMALIZE_FAILED'),
    );
  });
});
