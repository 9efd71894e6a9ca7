import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isErpDeltaError } from '../../../src/errors/erp-delta-error.js';
import { dateNormalizer } from '../../../src/normalize/date.js';

describe('date normalizer', () => {
  const date = dateNormalizer('orderDate', { normalizer: 'date' });

  it('reads Debezium epoch days and the ISO text of the same date as one value', () => {
    // 19783 days after 1970-01-01 is 2024-03-01.
    assert.equal(date(19783), '2024-03-01');
    assert.equal(date('2024-03-01'), '2024-03-01');
    assert.equal(date(' 2024-03-01 '), '2024-03-01');
  });

  it('reads days before 1970 and the epoch itself', () => {
    assert.equal(date(0), '1970-01-01');
    assert.equal(date(-1), '1969-12-31');
  });

  it('makes null and blank null', () => {
    assert.equal(date(null), null);
    assert.equal(date(''), null);
  });

  it('refuses dates that do not exist and other shapes', () => {
    for (const raw of ['2024-02-30', '2023-02-29', '2024-13-01', '01.03.2024', '2024-3-1', 1.5, true]) {
      assert.throws(() => date(raw), (error) => isErpDeltaError(error, 'NORMALIZE_FAILED') && error.message.includes('"orderDate"'), `for ${String(raw)}`);
    }
    assert.equal(date('2024-02-29'), '2024-02-29');
  });
});
