import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isErpDeltaError } from '../../../src/errors/erp-delta-error.js';
import { booleanNormalizer } from '../../../src/normalize/boolean.js';

describe('boolean normalizer', () => {
  const flag = booleanNormalizer('active', { normalizer: 'boolean' });

  it('reads every spelling of true', () => {
    for (const raw of [true, 1, 'true', 'TRUE', 't', 'T', 'Y', 'y', 'yes', '1', ' Y ']) assert.equal(flag(raw), true, `for ${String(raw)}`);
  });

  it('reads every spelling of false', () => {
    for (const raw of [false, 0, 'false', 'False', 'f', 'F', 'N', 'n', 'no', '0']) assert.equal(flag(raw), false, `for ${String(raw)}`);
  });

  it('makes null and blank null', () => {
    assert.equal(flag(null), null);
    assert.equal(flag(''), null);
  });

  it('refuses anything else, naming field and value', () => {
    for (const raw of ['maybe', 2, 'J']) {
      assert.throws(
        () => flag(raw),
        (error) => isErpDeltaError(error, 'NORMALIZE_FAILED') && error.message.includes('"active"') && error.message.includes(JSON.stringify(raw)),
      );
    }
  });

  it('reads what the connectors send for flags', () => {
    // BIT(1) is BOOLEAN (PostgreSQL and MySQL connectors, "Basic types"; the PostgreSQL connector's test:
    // '0'::bit(1) is false, '1'::bit(1) true); SQL Server bit is BOOLEAN; MySQL BOOLEAN is TINYINT(1): 0 or 1.
    assert.equal(flag(false), false);
    assert.equal(flag(true), true);
    assert.equal(flag(0), false);
    assert.equal(flag(1), true);
  });

  it('refuses bit(n > 1), which arrives as bytes (io.debezium.data.Bits), not as a flag', () => {
    // '11'::bit(2) is the bytes {3}: base64 "Aw==".
    assert.throws(
      () => flag('Aw=='),
      (error) => isErpDeltaError(error, 'NORMALIZE_FAILED') && error.message.includes('"Aw=="'),
    );
  });
});
