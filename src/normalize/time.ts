import { z } from 'zod';
import { type CanonicalValue, isNullOrBlank } from './canonical-value.js';
import { normalizeFailed } from './normalize-failed.js';
import type { Normalizer } from './normalizer.js';
import { zoneOffsetMs } from './zone-offset.js';

export const timeSpec = z.strictObject({
  normalizer: z.literal('time'),
  /**
   * What a number counts since midnight: `millis` for io.debezium.time.Time (TIME(0-3) in adaptive
   * mode) and Kafka Connect's Time (connect mode), `micros` for io.debezium.time.MicroTime
   * (TIME(4-6), every TIME in adaptive_time_microseconds and microseconds modes), `nanos` for
   * io.debezium.time.NanoTime (SQL Server TIME(7), nanoseconds mode). Magnitude cannot tell them
   * apart (00:00:30 in micros is 08:20:00 in millis), so without it a number is dead-lettered.
   */
  unit: z.enum(['millis', 'micros', 'nanos']).optional(),
});

export type TimeSpec = z.infer<typeof timeSpec>;

const DAY_MS = 86_400_000;
const PER_MS = { millis: 1, micros: 1_000, nanos: 1_000_000 } as const;

// HH:MM[:SS[.fraction]] with an optional offset: io.debezium.time.IsoTime ("04:05:11.789Z"),
// io.debezium.time.ZonedTime ("11:51:30.123789Z") and PostgreSQL's own text ("13:51:30+02").
const ISO_TIME = /^(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(Z|[+-]\d{2}(?::?\d{2}(?::?\d{2})?)?)?$/i;

/**
 * Times of day become "HH:MM:SS.mmm" ("13:51:30.123"), digits beyond the millisecond truncated,
 * as the timestamp normalizer does. A number counts `unit`s since midnight (Debezium PostgreSQL
 * connector, "Temporal types", every time.precision.mode; SQL Server connector, "Temporal values").
 * Text is read with its offset: a time with a zone (PostgreSQL timetz, io.debezium.time.ZonedTime)
 * becomes its UTC time of day and keeps no zone; Debezium already sends timetz in UTC ("a time
 * value with timezone information, where the timezone is GMT"), so a "Z" changes nothing, and the
 * day a "+02:00" would roll over is not part of a time of day. A time without a zone is taken as
 * it is: isostring's "Z" on a TIME column is the label of Debezium's UTC rendering, not a shift.
 *
 * PostgreSQL's TIME '24:00:00' (MicroTime 86400000000) is "24:00:00.000": PostgreSQL keeps it
 * apart from 00:00:00, so it is not folded into it. Anything beyond, and anything negative (a
 * MySQL TIME used as a duration, which Debezium cannot capture either: "Only positive TIME field
 * values in the range of 00:00:00.000000 to 23:59:59.999999 can be captured correctly"), is
 * dead-lettered.
 */
export function timeNormalizer(field: string, spec: TimeSpec): Normalizer {
  return (raw: unknown): CanonicalValue => {
    if (isNullOrBlank(raw)) return null;
    let msOfDay: number | undefined;
    if (typeof raw === 'number' && Number.isSafeInteger(raw)) {
      if (spec.unit === undefined) {
        throw normalizeFailed(field, raw, "is a count since midnight in an unknown unit: set the field's unit (millis, micros or nanos)");
      }
      msOfDay = Math.floor(raw / PER_MS[spec.unit]);
      if (raw < 0 || msOfDay > DAY_MS || (msOfDay === DAY_MS && raw !== DAY_MS * PER_MS[spec.unit])) {
        throw normalizeFailed(field, raw, `is not a time of day in ${spec.unit} (00:00 to 24:00)`);
      }
    } else if (typeof raw === 'string') {
      msOfDay = parseIsoTime(raw.trim());
    }
    if (msOfDay === undefined) throw normalizeFailed(field, raw, 'is not a time of day (HH:MM:SS, or a count since midnight)');
    return formatTime(msOfDay);
  };
}

function parseIsoTime(text: string): number | undefined {
  const match = ISO_TIME.exec(text);
  if (!match) return undefined;
  const [, hourText = '', minuteText = '', secondText = '0', fraction = '', zone] = match;
  const hour = Number(hourText);
  const minute = Number(minuteText);
  const second = Number(secondText);
  const millisecond = Number(fraction.slice(0, 3).padEnd(3, '0'));
  const midnightAtEnd = hour === 24 && minute === 0 && second === 0 && /^0*$/.test(fraction);
  if ((hour > 23 && !midnightAtEnd) || minute > 59 || second > 59) return undefined;
  const local = ((hour * 60 + minute) * 60 + second) * 1000 + millisecond;
  if (zone === undefined) return local;
  const offsetMs = zoneOffsetMs(zone);
  if (offsetMs === undefined) return undefined;
  if (offsetMs === 0) return local;
  // The UTC time of day: modulo a day, so that 00:30+02:00 is 22:30 (of the day before).
  return (((local - offsetMs) % DAY_MS) + DAY_MS) % DAY_MS;
}

function formatTime(msOfDay: number): string {
  const pad = (value: number, width: number): string => String(value).padStart(width, '0');
  const seconds = Math.floor(msOfDay / 1000);
  return `${pad(Math.floor(seconds / 3600), 2)}:${pad(Math.floor(seconds / 60) % 60, 2)}:${pad(seconds % 60, 2)}.${pad(msOfDay % 1000, 3)}`;
}
