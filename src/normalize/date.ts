import { z } from 'zod';
import { type CanonicalValue, isNullOrBlank } from './canonical-value.js';
import { normalizeFailed } from './normalize-failed.js';
import type { Normalizer } from './normalizer.js';
import { utcCalendarTime } from './utc-calendar.js';

export const dateSpec = z.strictObject({
  normalizer: z.literal('date'),
});

export type DateSpec = z.infer<typeof dateSpec>;

const DAY_MS = 86_400_000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Dates become YYYY-MM-DD. Debezium sends a DATE column as days since 1970-01-01 (io.debezium.time.Date)
 * or, with time.precision.mode=isostring, as that text; both forms of one date must compare equal.
 * A date has no zone, so none is applied.
 */
export function dateNormalizer(field: string, _spec: DateSpec): Normalizer {
  return (raw: unknown): CanonicalValue => {
    if (isNullOrBlank(raw)) return null;
    if (typeof raw === 'number') {
      if (!Number.isSafeInteger(raw)) throw normalizeFailed(field, raw, 'is not a whole number of epoch days');
      const text = isoDate(raw * DAY_MS);
      if (text === undefined) throw normalizeFailed(field, raw, 'is out of the range of years 0000-9999');
      return text;
    }
    if (typeof raw === 'string') {
      const text = raw.trim();
      const match = ISO_DATE.exec(text);
      if (match && utcCalendarTime(Number(match[1]), Number(match[2]), Number(match[3])) !== undefined) return text;
    }
    throw normalizeFailed(field, raw, 'is not a date (YYYY-MM-DD or epoch days)');
  };
}

function isoDate(epochMs: number): string | undefined {
  const date = new Date(epochMs);
  const year = date.getUTCFullYear();
  if (Number.isNaN(year) || year < 0 || year > 9999) return undefined;
  return date.toISOString().slice(0, 10);
}
