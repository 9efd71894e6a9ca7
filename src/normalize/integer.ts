import { z } from 'zod';
import { type CanonicalValue, isNullOrBlank } from './canonical-value.js';
import { normalizeFailed } from './normalize-failed.js';
import type { Normalizer } from './normalizer.js';

export const integerSpec = z.strictObject({
  normalizer: z.literal('integer'),
});

export type IntegerSpec = z.infer<typeof integerSpec>;

// "42", "+42", "0042", and "42.000" (a numeric column without scale), but never "42.5".
const INTEGER = /^([+-]?\d+)(?:\.0*)?$/;

/** Avro's long, which the delta schema writes integers as: a signed 64-bit integer. */
const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;

/**
 * Integers are written to Avro as a long, so every signed 64-bit integer is accepted, exactly.
 * smallint, integer and bigint (PostgreSQL INT16/INT32/INT64, MySQL TINYINT to BIGINT, SQL Server
 * TINYINT to BIGINT: the connectors' "Basic types") arrive as JSON numbers, and a numeric column
 * without scale in decimal.handling.mode=string as text ("42", "42.000").
 *
 * The canonical value is a JavaScript number while the integer is safe (|n| < 2^53), and beyond
 * that its decimal text, without a plus or leading zeros ("9007199254740993",
 * "-9223372036854775808"): a canonical value must be a JSON scalar, and a double would round it
 * (9007199254740993 would equal 9007199254740992). So each integer has exactly one canonical
 * value and the compare's `!==` stays exact. Avro writes and reads either form as the same long
 * (registry/exact-long.ts); consumers of the deltas see a long.
 *
 * What it reads exactly: a bigint, which is how the JSON decoder hands over an integer beyond 2^53
 * (capture/exact-json.ts: JSON.parse would have rounded it), integer text of any length, and a
 * safe JavaScript number. A JavaScript number beyond 2^53 is refused: it is a double that has
 * already lost its last digits (a double column, or JSON parsed by something other than the
 * decoder), and nothing can restore them. Beyond the 64-bit range (MySQL's BIGINT UNSIGNED above
 * 2^63 - 1 with bigint.unsigned.handling.mode=precise, a numeric without scale) the value is
 * refused too: track such a column as a `decimal` with scale 0, an Avro string.
 */
export function integerNormalizer(field: string, _spec: IntegerSpec): Normalizer {
  return (raw: unknown): CanonicalValue => {
    if (isNullOrBlank(raw)) return null;
    if (typeof raw === 'number') {
      if (!Number.isInteger(raw)) throw normalizeFailed(field, raw, 'is not an integer');
      if (!Number.isSafeInteger(raw)) {
        throw normalizeFailed(
          field,
          raw,
          'is beyond 2^53 as a floating-point number, so it has already lost its last digits: it is exact as a JSON integer the decoder reads or as text (quoted, in YAML); a double column is tracked as a decimal with scale 0',
        );
      }
      // -0 and 0 are the same integer but not the same to Object.is and some serializers.
      return raw === 0 ? 0 : raw;
    }
    let exact: bigint;
    if (typeof raw === 'bigint') {
      exact = raw;
    } else if (typeof raw === 'string') {
      const match = INTEGER.exec(raw.trim());
      if (!match) throw normalizeFailed(field, raw, 'is not an integer');
      const digits = match[1] as string;
      // Nearly every integer text is safe: no BigInt for it.
      const value = Number(digits);
      if (Number.isSafeInteger(value)) return value === 0 ? 0 : value;
      // Far out of range, however many digits the text has: refused without reading them all.
      if (Math.abs(value) > 2 ** 64) throw beyondLong(raw);
      exact = BigInt(digits);
    } else {
      throw normalizeFailed(field, raw, 'is not an integer');
    }
    if (exact < LONG_MIN || exact > LONG_MAX) throw beyondLong(raw);
    return canonicalInteger(exact);
  };
  function beyondLong(raw: unknown): Error {
    return normalizeFailed(field, raw, 'is beyond the 64-bit range of an integer field (-2^63 to 2^63 - 1, an Avro long): track it as a decimal with scale 0');
  }
}

/** A number while safe, else the decimal text: one canonical value per integer. */
function canonicalInteger(value: bigint): number | string {
  const number = Number(value);
  return Number.isSafeInteger(number) ? number : value.toString();
}
