import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isErpDeltaError } from '../../../src/errors/erp-delta-error.js';
import { timestampNormalizer } from '../../../src/normalize/timestamp.js';

describe('timestamp normalizer', () => {
  const timestamp = timestampNormalizer('changedAt', { normalizer: 'timestamp', epochUnit: 'auto' });
  const instant = '2024-03-01T08:00:00.000Z';

  it('makes one instant in any zone one value, in UTC with milliseconds', () => {
    for (const raw of [
      '2024-03-01T08:00:00Z',
      '2024-03-01T10:00:00+02:00',
      '2024-03-01T03:00:00-05:00',
      '2024-03-01T13:30:00+0530',
      '2024-03-01 10:00:00+02',
      '2024-03-01T08:00:00.000000Z',
      '2024-03-01t08:00:00z',
    ])
      assert.equal(timestamp(raw), instant, `for ${raw}`);
  });

  it('crosses the date line with the offset', () => {
    assert.equal(timestamp('2024-03-01T01:00:00+02:00'), '2024-02-29T23:00:00.000Z');
  });

  it('reads a time without a zone as UTC, as Debezium does for TIMESTAMP WITHOUT TIME ZONE', () => {
    assert.equal(timestamp('2024-03-01T08:00:00'), instant);
    assert.equal(timestamp('2024-03-01'), '2024-03-01T00:00:00.000Z');
  });

  it('truncates below the millisecond', () => {
    assert.equal(timestamp('2024-03-01T08:00:00.123987Z'), '2024-03-01T08:00:00.123Z');
  });

  it('reads epoch millis and epoch micros by magnitude', () => {
    const millis = Date.parse(instant);
    assert.equal(timestamp(millis), instant);
    assert.equal(timestamp(millis * 1000 + 999), instant);
    assert.equal(timestamp(0), '1970-01-01T00:00:00.000Z');
  });

  it('reads micros before 1970 towards the earlier millisecond', () => {
    assert.equal(timestamp(-1_000_000_000_000_500), new Date(-1_000_000_000_001).toISOString());
  });

  it('follows an explicit epochUnit where magnitude would mislead', () => {
    const micros = timestampNormalizer('t', { normalizer: 'timestamp', epochUnit: 'micros' });
    assert.equal(micros(1_000_000), '1970-01-01T00:00:01.000Z');
    assert.equal(timestamp(1_000_000), '1970-01-01T00:16:40.000Z');
  });

  it('makes null and blank null', () => {
    assert.equal(timestamp(null), null);
    assert.equal(timestamp(' '), null);
  });

  it('refuses what is not an instant, naming field and value', () => {
    for (const raw of ['infinity', '2024-02-30T00:00:00Z', '2024-03-01T24:00:00Z', '2024-03-01T08:00:00+25:00', 'yesterday', 1.5, true]) {
      assert.throws(
        () => timestamp(raw),
        (error) => isErpDeltaError(error, 'NORMALIZE_FAILED') && error.message.includes('"changedAt"') && error.message.includes(JSON.stringify(raw)),
        `for ${String(raw)}`,
      );
    }
  });
});
