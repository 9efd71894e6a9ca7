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
      assert.throws(
        () => date(raw),
        (error) => isErpDeltaError(error, 'NORMALIZE_FAILED') && error.message.includes('"orderDate"'),
        `for ${String(raw)}`,
      );
    }
    assert.equal(date('2024-02-29'), '2024-02-29');
  });

  it('reads every Debezium form of a DATE as one value', () => {
    // io.debezium.time.Date and connect mode's Date: "Represents the number of days since the epoch";
    // isostring's IsoDate: "for example, 2017-09-15Z" (PostgreSQL connector, "Temporal types"; the same
    // for MySQL and SQL Server). The connectors' tests: '2016-11-04'::DATE is 17109, SQL Server '2018-07-13' is 17725.
    assert.equal(date(17109), '2016-11-04');
    assert.equal(date(17725), '2018-07-13');
    assert.equal(date(17424), '2017-09-15');
    assert.equal(date('2017-09-15Z'), '2017-09-15');
    assert.equal(date(' 2017-09-15z '), '2017-09-15');
  });

  it('dead-letters PostgreSQL infinity in the forms Debezium sends it, naming it', () => {
    // PostgresValueConverter maps 'infinity' to the LocalDate -5877611-06-21 and '-infinity' to -5877611-06-22:
    // epoch days -2147472692 and -2147472691, and isostring text with those years.
    for (const [raw, which] of [
      [-2147472692, 'infinity'],
      ['-5877611-06-21Z', 'infinity'],
      ['infinity', 'infinity'],
      [-2147472691, '-infinity'],
      ['-5877611-06-22Z', '-infinity'],
      ['-infinity', '-infinity'],
    ] as const) {
      assert.throws(
        () => date(raw),
        (error) => isErpDeltaError(error, 'NORMALIZE_FAILED') && error.message.includes('"orderDate"') && error.message.includes(`PostgreSQL's date '${which}'`),
        `for ${String(raw)}`,
      );
    }
  });

  it('says a date beyond the year 9999 is out of range', () => {
    for (const raw of ['+10000-01-01Z', '-0001-12-31Z', 2932897]) {
      assert.throws(
        () => date(raw),
        (error) => isErpDeltaError(error, 'NORMALIZE_FAILED') && /out of the range of years 0000-9999/.test(error.message),
        `for ${String(raw)}`,
      );
    }
    assert.equal(date(2932896), '9999-12-31');
  });
});
