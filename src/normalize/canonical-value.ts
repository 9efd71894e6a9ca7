/**
 * The canonical form every tracked field is normalized to before it is compared, stored or
 * emitted. Only JSON scalars, so that equality is plain `===` and a record's JSON text is
 * unambiguous (the compare takes equal text for equal records): decimals are strings (exact),
 * dates and timestamps are ISO strings.
 */
export type CanonicalValue = string | number | boolean | null;

/** A record in canonical form: canonical field name -> canonical value. */
export type CanonicalRecord = Record<string, CanonicalValue>;

/**
 * Legacy ERP columns often hold blanks where they mean "no value" (CHAR columns, numbers kept as
 * text), so for every non-text normalizer a blank string is the same as null. Text has its own,
 * configurable rule (`emptyIsNull`).
 */
export function isNullOrBlank(raw: unknown): raw is null | undefined | string {
  return raw === null || raw === undefined || (typeof raw === 'string' && raw.trim() === '');
}
