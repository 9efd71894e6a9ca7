import { z } from 'zod';
import { type CanonicalValue, isNullOrBlank } from './canonical-value.js';
import { normalizeFailed } from './normalize-failed.js';
import type { Normalizer } from './normalizer.js';
import { utcCalendarTime } from './utc-calendar.js';

export const timestampSpec = z.strictObject({
  normalizer: z.literal('timestamp'),
  /**
   * How to read a number: Debezium sends TIMESTAMP(0-3) as epoch millis (io.debezium.time.Timestamp)
   * and TIMESTAMP(4-6) as epoch micros (io.debezium.time.MicroTimestamp). `auto` tells them apart by
   * magnitude (see EPOCH_MICROS_FROM); set the unit when the column can hold 1970-1973 instants.
   */
  epochUnit: z.enum(['auto', 'millis', 'micros']).default('auto'),
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
const ISO_TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2}(?::?\d{2})?)?)?$/i;

/**
 * Timestamps become UTC ISO 8601 with milliseconds ("2024-03-01T08:00:00.000Z"), so the same
 * instant written in another zone is the same value. Digits beyond the millisecond are truncated
 * (the target keeps milliseconds). A time without a zone is read as UTC, which is how Debezium
 * turns a TIMESTAMP WITHOUT TIME ZONE into epoch millis or micros: both forms then agree.
 */
export function timestampNormalizer(field: string, spec: TimestampSpec): Normalizer {
  return (raw: unknown): CanonicalValue => {
    if (isNullOrBlank(raw)) return null;
    let epochMs: number | undefined;
    if (typeof raw === 'number' && Number.isSafeInteger(raw)) epochMs = fromEpochNumber(raw, spec.epochUnit);
    else if (typeof raw === 'string') epochMs = parseIsoTimestamp(raw.trim());
    if (epochMs === undefined) {
      throw normalizeFailed(field, raw, 'is not a timestamp (ISO 8601, or epoch millis or micros)');
    }
    const date = new Date(epochMs);
    const year = date.getUTCFullYear();
    if (Number.isNaN(year) || year < 0 || year > 9999) throw normalizeFailed(field, raw, 'is out of the range of years 0000-9999');
    return date.toISOString();
  };
}

function fromEpochNumber(value: number, unit: TimestampSpec['epochUnit']): number {
  const micros = unit === 'micros' || (unit === 'auto' && Math.abs(value) >= EPOCH_MICROS_FROM);
  // floor, not trunc: before 1970 truncating toward zero would move an instant later, not earlier.
  return micros ? Math.floor(value / 1000) : value;
}

function parseIsoTimestamp(text: string): number | undefined {
  const match = ISO_TIMESTAMP.exec(text);
  if (!match) return undefined;
  const [, year, month, day, hour = '0', minute = '0', second = '0', fraction = '', zone = 'Z'] = match;
  const millisecond = Number(fraction.slice(0, 3).padEnd(3, '0'));
  const local = utcCalendarTime(Number(year), Number(month), Number(day), Number(hour), Number(minute), Number(second), millisecond);
  const offsetMs = zoneOffsetMs(zone);
  if (local === undefined || offsetMs === undefined) return undefined;
  return local - offsetMs;
}

function zoneOffsetMs(zone: string): number | undefined {
  if (zone.toUpperCase() === 'Z') return 0;
  const digits = zone.slice(1).replaceAll(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2, 4) || '0');
  const seconds = Number(digits.slice(4, 6) || '0');
  if (hours > 23 || minutes > 59 || seconds > 59) return undefined;
  const sign = zone.startsWith('-') ? -1 : 1;
  return sign * ((hours * 60 + minutes) * 60 + seconds) * 1000;
}
