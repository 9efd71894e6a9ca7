import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isErpDeltaError } from '../../../src/errors/erp-delta-error.js';
import { timeNormalizer, type TimeSpec } from '../../../src/normalize/time.js';

function time(unit?: TimeSpec['unit']): (raw: unknown) => unknown {
  return timeNormalizer('opensAt', unit === undefined ? { normalizer: 'time' } : { normalizer: 'time', unit });
}

function assertDeadLetter(normalize: (raw: unknown) => unknown, raw: unknown, reason: RegExp): void {
  assert.throws(
    () => normalize(raw),
    (error) =>
      isErpDeltaError(error, 'NORMALIZE_FAILED')
      && error.message.includes('"opensAt"')
      && error.message.includes(typeof raw === 'number' ? String(raw) : JSON.stringify(raw))
      && reason.test(error.message),
    `for ${String(raw)}`,
  );
}

describe('time normalizer', () => {
  it('reads io.debezium.time.Time, MicroTime and NanoTime with their unit', () => {
    // PostgreSQL connector's test: '13:51:30.123'::TIME(3) is Time 49890123 (ms), '13:51:30'::TIME is
    // MicroTime 49890000000 ("Represents the number of microseconds past midnight": "Temporal types").
    assert.equal(time('millis')(49890123), '13:51:30.123');
    assert.equal(time('micros')(49890000000), '13:51:30.000');
    // SQL Server connector's test, '10:23:45.6789012': time(2) is Time 37425680, time(7) NanoTime 37425678901200.
    assert.equal(time('millis')(37_425_680), '10:23:45.680');
    assert.equal(time('micros')(37_425_678_900), '10:23:45.678');
    assert.equal(time('nanos')(37_425_678_901_200), '10:23:45.678');
    assert.equal(time('micros')(0), '00:00:00.000');
  });

  it('reads isostring and ZonedTime text, and PostgreSQL timetz with an offset, as the UTC time of day', () => {
    // isostring: "for example, 04:05:11.789Z"; TIMETZ '13:51:30.123789+02:00' arrives as ZonedTime "11:51:30.123789Z".
    assert.equal(time()('04:05:11.789Z'), '04:05:11.789');
    assert.equal(time()('11:51:30.123789Z'), '11:51:30.123');
    assert.equal(time()('13:51:30.123789+02:00'), '11:51:30.123');
    assert.equal(time()('13:51:30+02'), '11:51:30.000');
    assert.equal(time()('08:30:00Z'), '08:30:00.000');
    assert.equal(time()('08:30'), '08:30:00.000');
    assert.equal(time()(' 08:30:00 '), '08:30:00.000');
  });

  it('wraps a time with an offset around midnight: a time of day has no date', () => {
    assert.equal(time()('00:30:00+02:00'), '22:30:00.000');
    assert.equal(time()('23:30:00-05:00'), '04:30:00.000');
  });

  it('keeps PostgreSQL 24:00:00 apart from midnight', () => {
    // The PostgreSQL connector's test: '24:00:00'::TIME is MicroTime 86400000000.
    assert.equal(time('micros')(86_400_000_000), '24:00:00.000');
    assert.equal(time()('24:00:00'), '24:00:00.000');
    assert.equal(time()('24:00:00.000000Z'), '24:00:00.000');
  });

  it('makes null and blank null', () => {
    assert.equal(time()(null), null);
    assert.equal(time()(' '), null);
  });

  it('refuses a number without a unit: magnitude cannot tell the units apart', () => {
    assertDeadLetter(time(), 49890123, /unknown unit: set the field's unit/);
  });

  it('refuses what is not a time of day, naming field and value', () => {
    for (const raw of [-1, 86_400_000_001, 1.5]) assertDeadLetter(time('micros'), raw, /time of day/);
    for (const raw of ['25:00:00', '24:00:01', '12:60:00', '12:00:61', '12:00:00+25:00', '838:59:59', 'noon', true]) {
      assertDeadLetter(time('micros'), raw, /is not a time of day/);
    }
  });
});
