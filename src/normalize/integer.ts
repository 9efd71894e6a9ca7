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
 * Integers are JSON numbers, so only safe integers (|n| < 2^53) are accepted: a larger one has
 * already lost digits somewhere and would compare equal to its neighbours. Such a column should be
 * tracked as `decimal` with scale 0 instead, which keeps it as an exact string.
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
    if (!Number.isSafeInteger(value)) throw normalizeFailed(field, raw, 'is beyond 2^53: track it as a decimal with scale 0');
    // -0 and 0 are the same integer but not the same to Object.is and some serializers.
    return value === 0 ? 0 : value;
  };
}
