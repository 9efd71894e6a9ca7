import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isErpDeltaError } from '../../../src/errors/erp-delta-error.js';
import { integerNormalizer } from '../../../src/normalize/integer.js';

describe('integer normalizer', () => {
  const integer = integerNormalizer('packSize', { normalizer: 'integer' });

  it('reads numbers and integer text alike', () => {
    for (const raw of [42, '42', ' 0042 ', '+42', '42.000', 42n]) assert.equal(integer(raw), 42, `for ${String(raw)}`);
    assert.equal(integer('-7'), -7);
  });

  it('has one zero', () => {
    assert.ok(Object.is(integer(-0), 0));
    assert.ok(Object.is(integer('-0'), 0));
  });

  it('makes null and blank null', () => {
    assert.equal(integer(null), null);
    assert.equal(integer(' '), null);
  });

  it('refuses fractions and text', () => {
    for (const raw of [42.5, '42.5', 'forty', '4 2', true]) {
      assert.throws(() => integer(raw), (error) => isErpDeltaError(error, 'NORMALIZE_FAILED') && error.message.includes('"packSize"'), `for ${String(raw)}`);
    }
  });

  it('refuses integers beyond 2^53 rather than compare them wrongly', () => {
    assert.throws(() => integer('9007199254740993'), (error) => isErpDeltaError(error, 'NORMALIZE_FAILED') && /decimal with scale 0/.test(error.message));
  });

  it('reads smallint, integer and bigint as Debezium sends them', () => {
    // INT16, INT32 and INT64 are JSON numbers (the connectors' "Basic types"); the PostgreSQL connector's test
    // sends bigint 1234567890123. A numeric without scale in string mode is text.
    assert.equal(integer(1234567890123), 1234567890123);
    assert.equal(integer(-32768), -32768);
    assert.equal(integer(Number.MAX_SAFE_INTEGER), Number.MAX_SAFE_INTEGER);
    assert.equal(integer('22'), 22);
  });

  it('refuses a JSON number beyond 2^53, which lost its digits when it was parsed', () => {
    const parsed: unknown = JSON.parse('9007199254740993');
    assert.throws(() => integer(parsed), (error) => isErpDeltaError(error, 'NORMALIZE_FAILED')
      && /9007199254740992 is beyond 2\^53: a JSON number that large lost its last digits/.test(error.message) && /decimal with scale 0/.test(error.message));
  });
});
