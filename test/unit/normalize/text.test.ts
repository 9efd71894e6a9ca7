import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isErpDeltaError } from '../../../src/errors/erp-delta-error.js';
import { textNormalizer } from '../../../src/normalize/text.js';

describe('text normalizer', () => {
  const text = textNormalizer('name', { normalizer: 'text', emptyIsNull: true });

  it('trims leading and trailing whitespace, CHAR padding included', () => {
    assert.equal(text('  ABC Hardware \t'), 'ABC Hardware');
    assert.equal(text('ABC001    '), 'ABC001');
  });

  it('keeps inner whitespace and case by default', () => {
    assert.equal(text('3 Main  Road'), '3 Main  Road');
    assert.equal(text('McDonald'), 'McDonald');
  });

  it('makes "" and whitespace-only equal to null by default', () => {
    assert.equal(text(''), null);
    assert.equal(text('   '), null);
    assert.equal(text(null), null);
  });

  it('keeps "" as "" with emptyIsNull false', () => {
    const keepEmpty = textNormalizer('name', { normalizer: 'text', emptyIsNull: false });
    assert.equal(keepEmpty('  '), '');
    assert.equal(keepEmpty(null), null);
  });

  it('folds case when asked', () => {
    assert.equal(textNormalizer('rep', { normalizer: 'text', case: 'upper', emptyIsNull: true })(' sal001 '), 'SAL001');
    assert.equal(textNormalizer('rep', { normalizer: 'text', case: 'lower', emptyIsNull: true })('SAL001'), 'sal001');
  });

  it('reads a numeric column as its decimal text', () => {
    assert.equal(text(42), '42');
  });

  it('refuses a structured value, naming field and value', () => {
    assert.throws(
      () => text({ x: 1 }),
      (error) => isErpDeltaError(error, 'NORMALIZE_FAILED') && error.message.includes('"name"') && error.message.includes('{"x":1}'),
    );
  });

  it('reads enums as their text', () => {
    // ENUM is a STRING, io.debezium.data.Enum (PostgreSQL and MySQL connectors, "Basic types"); MySQL SET
    // (io.debezium.data.EnumSet) is its comma-separated text.
    assert.equal(text('shipped'), 'shipped');
    assert.equal(text('red,blue'), 'red,blue');
  });
});
