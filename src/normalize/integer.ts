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

/**
 * Integers are JSON numbers, written to Avro as a long; only safe integers (|n| < 2^53) are
 * accepted. smallint, integer and bigint (PostgreSQL INT16/INT32/INT64, MySQL TINYINT to BIGINT,
 * SQL Server TINYINT to BIGINT: the connectors' "Basic types") arrive as JSON numbers, and a
 * numeric column without scale in decimal.handling.mode=string as text ("42", "42.000").
 *
 * Beyond 2^53 the value stays out, for two reasons. A JSON number that large has already lost
 * digits: JSON.parse reads it into a double, so 9007199254740993 arrives as 9007199254740992 and
 * would compare equal to its neighbour; nothing after the parse can restore it. And the canonical
 * value must be a JavaScript number for the compare and for avsc, which writes (and reads) a long
 * only when it is a safe integer (its LongType refuses others with "potential precision loss").
 * Exact text beyond 2^53 ("9007199254740993", or MySQL's BIGINT UNSIGNED sent as bytes with
 * bigint.unsigned.handling.mode=precise) is exact as a `decimal` with scale 0, an Avro string.
 */
export function integerNormalizer(field: string, _spec: IntegerSpec): Normalizer {
  return (raw: unknown): CanonicalValue => {
    if (isNullOrBlank(raw)) return null;
    let value: number;
    if (typeof raw === 'number') value = raw;
    else if (typeof raw === 'bigint') value = Number(raw);
    else if (typeof raw === 'string') {
      const match = INTEGER.exec(raw.trim());
      if (!match) throw normalizeFailed(field, raw, 'is not an integer');
      value = Number(match[1]);
    } else throw normalizeFailed(field, raw, 'is not an integer');
    if (!Number.isInteger(value)) throw normalizeFailed(field, raw, 'is not an integer');
    if (!Number.isSafeInteger(value)) {
      throw normalizeFailed(field, raw, typeof raw === 'number'
        ? 'is beyond 2^53: a JSON number that large lost its last digits when it was parsed (exact only as text or bytes, tracked as a decimal with scale 0)'
        : 'is beyond 2^53: track it as a decimal with scale 0');
    }
    // -0 and 0 are the same integer but not the same to Object.is and some serializers.
    return value === 0 ? 0 : value;
  };
}
