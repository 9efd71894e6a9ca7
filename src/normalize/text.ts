import { z } from 'zod';
import type { CanonicalValue } from './canonical-value.js';
import { normalizeFailed } from './normalize-failed.js';
import type { Normalizer } from './normalizer.js';

export const textSpec = z.strictObject({
  normalizer: z.literal('text'),
  /** Fold case when the ERP is inconsistent about it (codes typed by hand). */
  case: z.enum(['upper', 'lower']).optional(),
  /** "" and whitespace-only mean "no value" in most ERPs; false keeps them as "". */
  emptyIsNull: z.boolean().default(true),
});

export type TextSpec = z.infer<typeof textSpec>;

/**
 * Always trims: trailing blanks are padding (CHAR columns) or typing noise, never information the
 * target should receive as a change. Numbers are accepted so that a numeric code column can be a
 * text field without a custom converter.
 */
export function textNormalizer(field: string, spec: TextSpec): Normalizer {
  return (raw: unknown): CanonicalValue => {
    if (raw === null || raw === undefined) return null;
    if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'bigint') {
      throw normalizeFailed(field, raw, 'is not text');
    }
    let text = String(raw).trim();
    if (text === '' && spec.emptyIsNull) return null;
    if (spec.case === 'upper') text = text.toUpperCase();
    else if (spec.case === 'lower') text = text.toLowerCase();
    return text;
  };
}
