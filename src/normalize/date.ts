import { z } from 'zod';
import { type CanonicalValue, isNullOrBlank } from './canonical-value.js';
import { normalizeFailed } from './normalize-failed.js';
import type { Normalizer } from './normalizer.js';
import { dateInfinity, infinityReason } from './postgres-infinity.js';
import { utcCalendarTime } from './utc-calendar.js';

export const dateSpec = z.strictObject({
  normalizer: z.literal('date'),
});

export type DateSpec = z.infer<typeof dateSpec>;

const DAY_MS = 86_400_000;
// isostring's io.debezium.time.IsoDate ends in "Z": the date as Debezium rendered it at UTC.
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})Z?$/i;
// java.time writes a year beyond 9999 with a sign, and one before year 0 with a minus.
const OUT_OF_RANGE_YEAR = /^(?:[+-]\d{4,}|\d{5,})-\d{2}-\d{2}Z?$/i;

/**
 * Dates become YYYY-MM-DD. Debezium sends a DATE column as days since 1970-01-01
 * (io.debezium.time.Date, or Kafka Connect's Date in connect mode: "Represents the number of days
 * since the epoch") or, with time.precision.mode=isostring, as ISO text with a "Z"
 * (io.debezium.time.IsoDate, "for example, 2017-09-15Z"): Debezium PostgreSQL connector,
 * "Temporal types"; the same for MySQL ("Temporal types") and SQL Server ("Temporal values"). All
 * forms of one date compare equal. A date has no zone, so none is applied, and the "Z" changes
 * nothing.
 *
 * Dead-lettered: PostgreSQL's 'infinity' and '-infinity' in the forms Debezium sends them
 * (postgres-infinity.ts), dates outside the years 0000-9999, and dates that do not exist.
 * MySQL's zero date never arrives: Debezium sends it as null, or as epoch day 0 (1970-01-01) for
 * a NOT NULL column.
 */
export function dateNormalizer(field: string, _spec: DateSpec): Normalizer {
  // Every form of PostgreSQL's infinity fails the ordinary reading, so the common values are not looked up.
  const refuse = (raw: unknown, reason: string): never => {
    const infinity = dateInfinity(raw);
    throw normalizeFailed(field, raw, infinity === undefined ? reason : infinityReason(infinity, 'date'));
  };
  return (raw: unknown): CanonicalValue => {
    if (isNullOrBlank(raw)) return null;
    if (typeof raw === 'number') {
      if (!Number.isSafeInteger(raw)) refuse(raw, 'is not a whole number of epoch days');
      return isoDate(raw * DAY_MS) ?? refuse(raw, 'is out of the range of years 0000-9999');
    }
    if (typeof raw === 'string') {
      const text = raw.trim();
      const match = ISO_DATE.exec(text);
      if (match && utcCalendarTime(Number(match[1]), Number(match[2]), Number(match[3])) !== undefined) return text.slice(0, 10);
      if (OUT_OF_RANGE_YEAR.test(text)) refuse(raw, 'is out of the range of years 0000-9999');
    }
    return refuse(raw, 'is not a date (YYYY-MM-DD, YYYY-MM-DDZ or epoch days)');
  };
}

function isoDate(epochMs: number): string | undefined {
  const date = new Date(epochMs);
  const year = date.getUTCFullYear();
  if (Number.isNaN(year) || year < 0 || year > 9999) return undefined;
  return date.toISOString().slice(0, 10);
}
