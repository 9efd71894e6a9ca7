import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../../../src/config/tracker-config.js';
import { isErpDeltaError } from '../../../src/errors/erp-delta-error.js';
import { timestampNormalizer, type TimestampSpec } from '../../../src/normalize/timestamp.js';

// The value forms of Debezium's documentation (PostgreSQL connector "Temporal types" and
// "TIMESTAMP type", MySQL connector "Temporal types", SQL Server connector "Temporal values") and
// of the connectors' own tests where the documentation gives none.

function timestamp(spec: Partial<TimestampSpec> = {}): (raw: unknown) => unknown {
  return timestampNormalizer('validFrom', { normalizer: 'timestamp', epochUnit: 'auto', ...spec });
}

function assertDeadLetter(normalize: (raw: unknown) => unknown, raw: unknown, reason: RegExp): void {
  assert.throws(
    () => normalize(raw),
    (error) =>
      isErpDeltaError(error, 'NORMALIZE_FAILED')
      && error.message.includes('"validFrom"')
      && error.message.includes(typeof raw === 'number' ? String(raw) : JSON.stringify(raw))
      && reason.test(error.message),
    `for ${String(raw)}`,
  );
}

describe('timestamp normalizer: Debezium value forms', () => {
  it('reads PostgreSQL TIMESTAMP as MicroTimestamp, Timestamp and isostring alike', () => {
    // "the TIMESTAMP value "2018-06-20 15:13:16.945104" is represented by an io.debezium.time.MicroTimestamp
    // with the value "1529507596945104"" (PostgreSQL connector, "TIMESTAMP type").
    assert.equal(timestamp()(1529507596945104), '2018-06-20T15:13:16.945Z');
    // TIMESTAMP(3) in adaptive mode, and connect mode: epoch millis.
    assert.equal(timestamp()(1529507596945), '2018-06-20T15:13:16.945Z');
    // isostring: "2019-07-09T02:28:57.123456Z" (the documented example).
    assert.equal(timestamp()('2019-07-09T02:28:57.123456Z'), '2019-07-09T02:28:57.123Z');
  });

  it('reads PostgreSQL TIMESTAMPTZ as ZonedTimestamp text, already in UTC', () => {
    // The connector's test: '2016-11-04T13:51:30.123456+02:00'::TIMESTAMPTZ becomes "2016-11-04T11:51:30.123456Z".
    assert.equal(timestamp()('2016-11-04T11:51:30.123456Z'), '2016-11-04T11:51:30.123Z');
  });

  it('reads SQL Server datetime, smalldatetime, datetime2 and datetimeoffset', () => {
    // The SQL Server connector's datatypes test, adaptive mode: '2018-07-13 13:23:45.78' datetime,
    // '2018-07-13 14:23:45' smalldatetime (SQL Server rounds it to the minute), '2018-07-13 11:23:45.34'
    // datetime2 (precision 7: NanoTimestamp), '2018-07-13 12:23:45.456+11:00' datetimeoffset.
    assert.equal(timestamp()(1_531_488_225_780), '2018-07-13T13:23:45.780Z');
    assert.equal(timestamp()(1_531_491_840_000), '2018-07-13T14:24:00.000Z');
    assert.equal(timestamp({ epochUnit: 'nanos' })(1_531_481_025_340_000_000), '2018-07-13T11:23:45.340Z');
    assert.equal(timestamp()('2018-07-13T12:23:45.456+11:00'), '2018-07-13T01:23:45.456Z');
    // datetime2(4-6): MicroTimestamp; isostring keeps all seven digits.
    assert.equal(timestamp()(1_531_481_025_340_000), '2018-07-13T11:23:45.340Z');
    assert.equal(timestamp()('2018-07-13T11:23:45.3400000Z'), '2018-07-13T11:23:45.340Z');
  });

  it('reads MySQL DATETIME and TIMESTAMP', () => {
    // "DATETIME with a value of 2018-06-20 06:37:03 becomes 1529476623000. TIMESTAMP with a value of
    // 2018-06-20 06:37:03 becomes 2018-06-20T13:37:03Z" (MySQL connector, "Temporal types").
    assert.equal(timestamp()(1529476623000), '2018-06-20T06:37:03.000Z');
    assert.equal(timestamp()('2018-06-20T13:37:03Z'), '2018-06-20T13:37:03.000Z');
  });

  it('never guesses nanos, and says so when a number only makes sense as nanos', () => {
    assertDeadLetter(timestamp(), 1_531_481_025_340_000_000, /out of the range of years 0000-9999 as epoch micros.*epochUnit: nanos/);
    assertDeadLetter(timestamp({ epochUnit: 'millis' }), 1_531_481_025_340_000_000, /out of the range of years 0000-9999\.$/);
  });

  it('keeps nanos written to the millisecond exact although JSON.parse rounded them', () => {
    // Beyond 2^53 a double is up to 128 ns (in 2018) off the integer Debezium wrote.
    let seed = 7;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const nanos = timestamp({ epochUnit: 'nanos' });
    for (let draw = 0; draw < 2000; draw += 1) {
      const ms = Math.floor(random() * 9_000_000_000_000); // 1970 to 2255
      const parsed: unknown = JSON.parse(`${BigInt(ms) * 1_000_000n}`);
      assert.equal(nanos(parsed), new Date(ms).toISOString(), `for ${ms} ms`);
      const withMicros: unknown = JSON.parse(`${BigInt(ms) * 1_000_000n + 456_789n}`);
      assert.equal(nanos(withMicros), new Date(ms).toISOString(), `for ${ms} ms and 456789 ns`);
    }
  });

  it('reads nanos before 1970 towards the earlier millisecond', () => {
    assert.equal(timestamp({ epochUnit: 'nanos' })(-1_500_000), '1969-12-31T23:59:59.998Z');
  });

  it('reads the end-of-time sentinel in micros, which JSON.parse rounds up to 10000-01-01, as 9999', () => {
    // 9999-12-31 23:59:59.999999 is 253402300799999999 µs; the nearest double is 253402300800000000.
    assert.equal(timestamp()(JSON.parse('253402300799999999')), '9999-12-31T23:59:59.999Z');
    assert.equal(timestamp()(253402214400000000), '9999-12-31T00:00:00.000Z');
  });

  it('dead-letters PostgreSQL infinity in every form Debezium sends it', () => {
    // "These special values are converted to timestamps with value 9223372036825200000 in case of positive
    // infinity or -9223372036832400000 in case of negative infinity" (PostgreSQL connector, "TIMESTAMP type");
    // nanoseconds mode: Long.MAX_VALUE and Long.MIN_VALUE; TIMESTAMPTZ: "infinity" and "-infinity".
    for (const raw of [JSON.parse('9223372036825200000'), 9223372036825200, JSON.parse('9223372036854775807'), 'infinity', '+294247-01-10T04:00:25.2Z']) {
      for (const epochUnit of ['auto', 'millis', 'micros', 'nanos'] as const) assertDeadLetter(timestamp({ epochUnit }), raw, /PostgreSQL's timestamp 'infinity'/);
    }
    for (const raw of [JSON.parse('-9223372036832400000'), -9223372036832400, JSON.parse('-9223372036854775808'), '-infinity', '-290308-12-21T19:59:27.6Z']) {
      assertDeadLetter(timestamp(), raw, /PostgreSQL's timestamp '-infinity'/);
    }
  });

  it('dead-letters instants beyond the year 9999 that java.time writes with a sign', () => {
    // The PostgreSQL connector's test: '21016-11-04T13:51:30.123456+07:00'::TIMESTAMPTZ becomes "+21016-11-04T06:51:30.123456Z".
    assertDeadLetter(timestamp(), '+21016-11-04T06:51:30.123456Z', /out of the range of years 0000-9999/);
    assertDeadLetter(timestamp(), '-4713-12-31T23:59:59.999999Z', /out of the range of years 0000-9999/);
  });
});

describe('timestamp normalizer: zone', () => {
  const berlin = timestamp({ zone: 'Europe/Berlin' });

  it('reads a column without a zone as local time there and sends UTC, in every mode', () => {
    // 2018-06-20 15:13:16.945104 in Berlin (CEST, +02:00) is 13:13:16.945104 UTC.
    for (const raw of [1529507596945104, 1529507596945, '2018-06-20T15:13:16.945104Z', '2018-06-20T15:13:16.945104', '2018-06-20 15:13:16.945104']) {
      assert.equal(berlin(raw), '2018-06-20T13:13:16.945Z', `for ${String(raw)}`);
    }
    assert.equal(timestamp({ zone: 'Europe/Berlin', epochUnit: 'nanos' })(JSON.parse('1529507596945104000')), '2018-06-20T13:13:16.945Z');
    // Winter: CET, +01:00.
    assert.equal(berlin('2024-01-15T09:00:00Z'), '2024-01-15T08:00:00.000Z');
  });

  it('turns MySQL DATETIME into the same instant as TIMESTAMP, given the server zone', () => {
    // The documented pair: DATETIME 2018-06-20 06:37:03 is 1529476623000, and TIMESTAMP 2018-06-20 06:37:03
    // (on a server at -07:00) is "2018-06-20T13:37:03Z".
    assert.equal(timestamp({ zone: 'America/Los_Angeles' })(1529476623000), timestamp()('2018-06-20T13:37:03Z'));
  });

  it('turns SQL Server datetime2 in Johannesburg into UTC', () => {
    assert.equal(timestamp({ zone: 'Africa/Johannesburg', epochUnit: 'nanos' })(1_531_481_025_340_000_000), '2018-07-13T09:23:45.340Z');
  });

  it('takes the earlier instant when the clock goes back, and moves a time the clock skipped later', () => {
    // 2024-10-27 02:30 happens twice in Berlin (CEST, then CET); java.time takes the first.
    assert.equal(berlin('2024-10-27T02:30:00'), '2024-10-27T00:30:00.000Z');
    assert.equal(berlin('2024-10-27T03:30:00'), '2024-10-27T02:30:00.000Z');
    // 2024-03-31 02:30 never happens in Berlin; java.time reads it as 03:30 CEST.
    assert.equal(berlin('2024-03-31T02:30:00'), '2024-03-31T01:30:00.000Z');
    assert.equal(berlin('2024-03-31T01:59:59.999'), '2024-03-31T00:59:59.999Z');
    assert.equal(berlin('2024-03-31T03:00:00'), '2024-03-31T01:00:00.000Z');
  });

  it('handles zones with half-hour offsets and old local mean time', () => {
    assert.equal(timestamp({ zone: 'Asia/Kolkata' })('2024-03-01T13:30:00'), '2024-03-01T08:00:00.000Z');
    // Berlin kept local mean time, +00:53:28, before 1893.
    assert.equal(berlin('1890-01-01T00:53:28'), '1890-01-01T00:00:00.000Z');
  });

  it('is the identity for UTC', () => {
    assert.equal(timestamp({ zone: 'UTC' })(1529507596945), '2018-06-20T15:13:16.945Z');
  });

  it('refuses text with its own offset: such a column has a zone, and zone is not for it', () => {
    assertDeadLetter(berlin, '2018-07-13T12:23:45.456+11:00', /has its own offset.*Europe\/Berlin.*remove zone/);
  });

  it('is checked when the config is loaded, naming the key', () => {
    const config = {
      kafka: { brokers: ['localhost:9092'] },
      registry: { url: 'http://localhost:8081' },
      entities: {
        prices: {
          topic: 'erp.dbo.prices',
          keyFields: ['code'],
          fields: {
            code: { column: 'code', normalizer: 'text' },
            validFrom: { column: 'valid_from', normalizer: 'timestamp', zone: 'Europe/Berlin' },
            validTo: { column: 'valid_to', normalizer: 'timestamp', zone: 'Europe/Berlln' },
          },
        },
      },
    };
    assert.throws(
      () => parseConfig(config, 'erp-delta.yaml'),
      (error) => isErpDeltaError(error, 'INVALID_CONFIG') && error.message.includes('"entities.prices.fields.validTo.zone" is not an IANA time zone') && !error.message.includes('validFrom'),
    );
  });
});
