import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalJson } from '../../../src/tracker/canonical-json.js';

describe('canonicalJson', () => {
  it('writes equal records as equal text whatever the key order', () => {
    assert.equal(canonicalJson({ b: 1, a: 'x', c: null }), '{"a":"x","b":1,"c":null}');
    assert.equal(canonicalJson({ c: null, a: 'x', b: 1 }), canonicalJson({ b: 1, a: 'x', c: null }));
  });

  it('sorts nested objects and keeps array order', () => {
    assert.equal(canonicalJson({ z: [3, 1, { y: true, x: false }], a: {} }), '{"a":{},"z":[3,1,{"x":false,"y":true}]}');
  });

  it('reads back as the same value', () => {
    const value = { name: 'quote " and \\ and \u00e9 and \n', creditLimit: '1.50', n: -3 };
    assert.deepEqual(JSON.parse(canonicalJson(value)), value);
  });
});
