import { z } from 'zod';
import { type CanonicalValue, isNullOrBlank } from './canonical-value.js';
import { epochMillisOf, type EpochUnit } from './epoch-number.js';
import { normalizeFailed } from './normalize-failed.js';
import type { Normalizer } from './normalizer.js';
import { infinityReason, timestampInfinity } from './postgres-infinity.js';
import { isTimeZone, utcOfWallClock } from './time-zone.js';
import { utcCalendarTime } from './utc-calendar.js';
import { zoneOffsetMs } from './zone-offset.js';

export const timestampSpec = z.strictObject({
  normalizer: z.literal('timestamp'),
  /**
   * How to read a number: Debezium sends TIMESTAMP(0-3) as epoch millis (io.debezium.time.Timestamp)
   * and TIMESTAMP(4-6) as epoch micros (io.debezium.time.MicroTimestamp). `auto` tells them apart by
   * magnitude (see EPOCH_MICROS_FROM); set the unit when the column can hold 1970-1973 instants.
   * Epoch nanos (io.debezium.time.NanoTimestamp: SQL Server datetime2(7), time.precision.mode=
   * nanoseconds) are never guessed: they need `nanos`.
   */
  epochUnit: z.enum(['auto', 'millis', 'micros', 'nanos']).default('auto'),
  /**
   * The IANA zone whose local time the column holds (ERPs write local time into columns without a
   * zone): PostgreSQL timestamp, MySQL datetime, SQL Server datetime, datetime2, smalldatetime.
   * Absent: such a column is taken as UTC. Never set it on a column with a zone (timestamptz,
   * MySQL timestamp, datetimeoffset): Debezium sends those in UTC already.
   */
  zone: z.string().refine(isTimeZone, { error: 'is not an IANA time zone such as UTC or Africa/Johannesburg' }).optional(),
});

export type TimestampSpec = z.infer<typeof timestampSpec>;

/**
 * 1e14 ms is the year 5138 and 1e14 µs is 1973-03-03, so below it a number is read as millis and
 * from it on as micros. Only micros of 1970-01-01..1973-03-03 are misread: an ERP's timestamps
 * are not there, and `epochUnit` settles it for a column that is.
 */
export const EPOCH_MICROS_FROM = 1e14;

// Date, optional time with any number of fraction digits, optional zone: ISO 8601 as Debezium's
// ZonedTimestamp writes it ("...T08:00:00.123456Z") and PostgreSQL's text output ("... 10:00:00+02").
const ISO_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2}(?::?\d{2})?)?)?$/i;
// java.time writes a year beyond 9999 with a sign ("+21016-11-04T06:51:30.123456Z") and one before
// year 0 with a minus: such text is a timestamp, just not one in range.
const OUT_OF_RANGE_YEAR = /^(?:[+-]\d{4,}|\d{5,})-\d{2}-\d{2}/;

/**
 * Timestamps become UTC ISO 8601 with milliseconds ("2024-03-01T08:00:00.000Z"), so the same
 * instant written in another zone is the same value. Digits beyond the millisecond are truncated
 * (the target keeps milliseconds).
 *
 * What it reads (Debezium PostgreSQL connector, "Temporal types" and "TIMESTAMP type"; SQL Server
 * connector, "Temporal values"; MySQL connector, "Temporal types"):
 * - epoch millis, micros or nanos (see epochUnit): a column without a zone in every
 *   time.precision.mode but isostring (PostgreSQL timestamp, MySQL datetime, SQL Server datetime,
 *   smalldatetime and datetime2: millis up to precision 3, micros up to 6, nanos for 7);
 * - ISO 8601 text with or without an offset: isostring's io.debezium.time.IsoTimestamp
 *   ("2019-07-09T02:28:57.123456Z"), ZonedTimestamp for timestamptz, MySQL timestamp and SQL
 *   Server datetimeoffset, which keeps its offset ("2018-07-13T12:23:45.456+11:00").
 *
 * A column without a zone reaches Kafka as its wall-clock reading encoded as if it were UTC
 * ("Such columns are converted into an equivalent Kafka Connect value based on UTC"), epoch numbers
 * and isostring's text alike; isostring marks it "Z" all the same. So without `zone` that reading
 * is taken as UTC; with `zone`, as the local time in that zone, converted to UTC (at a daylight
 * saving change: see utcOfWallClock). With `zone`, text with a numeric offset is dead-lettered:
 * it comes from a column with a zone, which `zone` must not be set on.
 *
 * Dead-lettered: PostgreSQL's 'infinity' and '-infinity' in every form Debezium sends them
 * (postgres-infinity.ts); instants outside the years 0000-9999; a number that is not an integer.
 * An epoch number beyond 2^53 (nanos from 1970-04-15 on, micros from 2255 on) arrives rounded by
 * JSON.parse: see epoch-number.ts for how its millisecond is chosen.
 */
export function timestampNormalizer(field: string, spec: TimestampSpec): Normalizer {
  const zone = spec.zone;
  // Every form of PostgreSQL's infinity fails the ordinary reading or is a number beyond 2^53, so
  // the common values are not looked up.
  const refuse = (raw: unknown, reason: string): never => {
    const infinity = timestampInfinity(raw);
    throw normalizeFailed(field, raw, infinity === undefined ? reason : infinityReason(infinity, 'timestamp'));
  };
  return (raw: unknown): CanonicalValue => {
    if (isNullOrBlank(raw)) return null;
    // The JSON decoder hands an integer beyond 2^53 over as a bigint (capture/exact-json.ts); as a
    // number it is the double JSON.parse made of it, which the reading below was built for.
    if (typeof raw === 'bigint') raw = Number(raw);
    let epochMs: number | undefined;
    if (typeof raw === 'number' && Number.isInteger(raw)) {
      // Before the unit is applied: the millis form of infinity would be a fine instant in 2262 as micros.
      const infinity = Number.isSafeInteger(raw) ? undefined : timestampInfinity(raw);
      if (infinity !== undefined) throw normalizeFailed(field, raw, infinityReason(infinity, 'timestamp'));
      const unit: EpochUnit = spec.epochUnit === 'auto' ? (Math.abs(raw) >= EPOCH_MICROS_FROM ? 'micros' : 'millis') : spec.epochUnit;
      const wallClockMs = epochMillisOf(raw, unit);
      // Checked before the zone is applied too: Intl refuses instants beyond Date's range.
      if (!inRange(wallClockMs)) {
        const hint = spec.epochUnit === 'auto' && unit === 'micros' ? ' as epoch micros (if the column sends epoch nanos, set epochUnit: nanos)' : '';
        refuse(raw, `is out of the range of years 0000-9999${hint}`);
      }
      epochMs = zone === undefined ? wallClockMs : utcOfWallClock(zone, wallClockMs);
    } else if (typeof raw === 'string') {
      const text = raw.trim();
      const parsed = parseIsoTimestamp(text);
      if (parsed === undefined && OUT_OF_RANGE_YEAR.test(text)) refuse(raw, 'is out of the range of years 0000-9999');
      if (parsed !== undefined && zone !== undefined && parsed.offsetMs !== undefined && !parsed.utcLabel) {
        refuse(raw, `has its own offset, but the field's zone (${zone}) is for columns without one: remove zone`);
      }
      if (parsed !== undefined) {
        epochMs = zone === undefined ? parsed.wallClockMs - (parsed.offsetMs ?? 0) : utcOfWallClock(zone, parsed.wallClockMs);
      }
    }
    if (epochMs === undefined) return refuse(raw, 'is not a timestamp (ISO 8601, or epoch millis, micros or nanos)');
    if (!inRange(epochMs)) refuse(raw, 'is out of the range of years 0000-9999');
    return new Date(epochMs).toISOString();
  };
}

function inRange(epochMs: number): boolean {
  const year = new Date(epochMs).getUTCFullYear();
  return !Number.isNaN(year) && year >= 0 && year <= 9999;
}

interface ParsedTimestamp {
  /** The date and time as written, as if it were UTC. */
  wallClockMs: number;
  /** Undefined when the text has no offset. */
  offsetMs: number | undefined;
  /** The offset is "Z": how Debezium labels its UTC rendering of a column without a zone, too. */
  utcLabel: boolean;
}

function parseIsoTimestamp(text: string): ParsedTimestamp | undefined {
  const match = ISO_TIMESTAMP.exec(text);
  if (!match) return undefined;
  const [, year, month, day, hour = '0', minute = '0', second = '0', fraction = '', zone] = match;
  const millisecond = Number(fraction.slice(0, 3).padEnd(3, '0'));
  const wallClockMs = utcCalendarTime(Number(year), Number(month), Number(day), Number(hour), Number(minute), Number(second), millisecond);
  const offsetMs = zone === undefined ? undefined : zoneOffsetMs(zone);
  if (wallClockMs === undefined || (zone !== undefined && offsetMs === undefined)) return undefined;
  return { wallClockMs, offsetMs, utcLabel: zone?.toUpperCase() === 'Z' };
}
