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
      assert.throws(
        () => integer(raw),
        (error) => isErpDeltaError(error, 'NORMALIZE_FAILED') && error.message.includes('"packSize"'),
        `for ${String(raw)}`,
      );
    }
  });

  it('keeps a bigint beyond 2^53 exact, as its decimal text', () => {
    assert.equal(integer(9007199254740993n), '9007199254740993');
    assert.notEqual(integer(9007199254740993n), integer(9007199254740992n), 'neighbours beyond 2^53 stay apart');
    assert.equal(integer(9007199254740992n), '9007199254740992');
    assert.equal(integer(-9007199254740993n), '-9007199254740993');
  });

  it('keeps integer text beyond 2^53 exact, without a plus or leading zeros', () => {
    for (const raw of ['9007199254740993', '+9007199254740993', ' 0009007199254740993 ', '9007199254740993.000']) {
      assert.equal(integer(raw), '9007199254740993', `for ${raw}`);
    }
    assert.equal(integer('-09007199254740993'), '-9007199254740993');
  });

  it('gives a safe integer as a number however it arrives, so that each integer has one canonical value', () => {
    for (const raw of [9007199254740991n, '9007199254740991', '+0009007199254740991.0', Number.MAX_SAFE_INTEGER]) {
      assert.equal(integer(raw), Number.MAX_SAFE_INTEGER, `for ${String(raw)}`);
    }
    for (const raw of [-9007199254740991n, '-9007199254740991']) assert.equal(integer(raw), -Number.MAX_SAFE_INTEGER, `for ${String(raw)}`);
    assert.ok(Object.is(integer(0n), 0));
    assert.ok(Object.is(integer('-0000'), 0));
    assert.ok(Object.is(integer('-0.0'), 0));
  });

  it('accepts the whole range of an Avro long, -2^63 to 2^63 - 1', () => {
    assert.equal(integer(9223372036854775807n), '9223372036854775807');
    assert.equal(integer('9223372036854775807'), '9223372036854775807');
    assert.equal(integer(-9223372036854775808n), '-9223372036854775808');
    assert.equal(integer('-9223372036854775808'), '-9223372036854775808');
  });

  it('refuses an integer beyond the range of an Avro long, pointing at a decimal with scale 0', () => {
    for (const raw of [9223372036854775808n, '9223372036854775808', -9223372036854775809n, '-9223372036854775809', '18446744073709551615', `1${'0'.repeat(10_000)}`]) {
      assert.throws(
        () => integer(raw),
        (error) =>
          isErpDeltaError(error, 'NORMALIZE_FAILED') && /beyond the 64-bit range of an integer field \(-2\^63 to 2\^63 - 1, an Avro long\): track it as a decimal with scale 0/.test(error.message),
        `for ${String(raw).slice(0, 30)}`,
      );
    }
  });

  it('reads smallint, integer and bigint as Debezium sends them', () => {
    // INT16, INT32 and INT64 are JSON numbers (the connectors' "Basic types"); the PostgreSQL connector's test
    // sends bigint 1234567890123. A numeric without scale in string mode is text.
    assert.equal(integer(1234567890123), 1234567890123);
    assert.equal(integer(-32768), -32768);
    assert.equal(integer(Number.MAX_SAFE_INTEGER), Number.MAX_SAFE_INTEGER);
    assert.equal(integer('22'), 22);
  });

  it('still refuses a JavaScript number beyond 2^53, which has lost its digits already', () => {
    const parsed: unknown = JSON.parse('9007199254740993');
    for (const raw of [parsed, 2 ** 63, -(2 ** 60)]) {
      assert.throws(
        () => integer(raw),
        (error) =>
          isErpDeltaError(error, 'NORMALIZE_FAILED')
          && /is beyond 2\^53 as a floating-point number, so it has already lost its last digits/.test(error.message)
          && /decimal with scale 0/.test(error.message),
        `for ${String(raw)}`,
      );
    }
    assert.throws(() => integer(parsed), /"packSize": 9007199254740992 is beyond/);
  });
});
