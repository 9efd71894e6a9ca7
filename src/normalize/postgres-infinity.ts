/**
 * The forms in which Debezium's PostgreSQL connector sends the special values 'infinity' and
 * '-infinity' of date, timestamp and timestamptz columns. None of them is a date or an instant
 * the target can hold, and each, read as a number or text, would be a wrong date (or out of
 * range), so the date and timestamp normalizers recognize them and dead-letter the record with
 * a reason that names them.
 *
 * Evidence (Debezium 3.x):
 * - TIMESTAMP: "These special values are converted to timestamps with value 9223372036825200000
 *   in case of positive infinity or -9223372036832400000 in case of negative infinity" (PostgreSQL
 *   connector, "TIMESTAMP type"): MicroTimestamp, PGStatement.DATE_POSITIVE_INFINITY read as
 *   micros. io.debezium.time.Timestamp (TIMESTAMP(0-3)) and connect mode send the same instant in
 *   millis (9223372036825200, -9223372036832400); nanoseconds mode sends Long.MAX_VALUE and
 *   Long.MIN_VALUE ("Mappings when time.precision.mode is nanoseconds"), which JSON.parse reads as
 *   ±2^63; isostring mode writes that instant as text (PostgresValueConverter's
 *   POSITIVE_INFINITY_LOCAL_DATE_TIME through IsoTimestamp: "+294247-01-10T04:00:25.2Z").
 * - TIMESTAMPTZ: the text "infinity" / "-infinity" (io.debezium.time.ZonedTimestamp; the
 *   connector's own test expects exactly these).
 * - DATE: not documented; PostgresValueConverter maps 'infinity' to LocalDate -5877611-06-21 and
 *   '-infinity' to -5877611-06-22, which io.debezium.time.Date sends as epoch days -2147472692
 *   and -2147472691, and isostring as "-5877611-06-21Z" and "-5877611-06-22Z".
 */
export type PostgresInfinity = 'infinity' | '-infinity';

const TIMESTAMP_INFINITY = formsOf([
  [9223372036825200000, 'infinity'],
  [-9223372036832400000, '-infinity'],
  [9223372036825200, 'infinity'],
  [-9223372036832400, '-infinity'],
  [2 ** 63, 'infinity'],
  [-(2 ** 63), '-infinity'],
  ['+294247-01-10T04:00:25.2Z', 'infinity'],
  ['-290308-12-21T19:59:27.6Z', '-infinity'],
  ['infinity', 'infinity'],
  ['+infinity', 'infinity'],
  ['-infinity', '-infinity'],
]);

const DATE_INFINITY = formsOf([
  [-2147472692, 'infinity'],
  [-2147472691, '-infinity'],
  ['-5877611-06-21Z', 'infinity'],
  ['-5877611-06-22Z', '-infinity'],
  ['infinity', 'infinity'],
  ['+infinity', 'infinity'],
  ['-infinity', '-infinity'],
]);

/** Text forms are looked up in lower case, so that a "T" or "Z" written in lower case is the same form. */
function formsOf(forms: readonly (readonly [number | string, PostgresInfinity])[]): ReadonlyMap<unknown, PostgresInfinity> {
  return new Map(forms.map(([form, infinity]) => [typeof form === 'string' ? form.toLowerCase() : form, infinity]));
}

export function timestampInfinity(raw: unknown): PostgresInfinity | undefined {
  return TIMESTAMP_INFINITY.get(typeof raw === 'string' ? raw.trim().toLowerCase() : raw);
}

export function dateInfinity(raw: unknown): PostgresInfinity | undefined {
  return DATE_INFINITY.get(typeof raw === 'string' ? raw.trim().toLowerCase() : raw);
}

/** The dead-letter reason, the same for every form. */
export function infinityReason(infinity: PostgresInfinity, what: 'date' | 'timestamp'): string {
  return `is PostgreSQL's ${what} '${infinity}' as Debezium sends it: not a ${what} the target can hold`;
}
