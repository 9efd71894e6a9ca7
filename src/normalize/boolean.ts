import { z } from 'zod';
import { type CanonicalValue, isNullOrBlank } from './canonical-value.js';
import { normalizeFailed } from './normalize-failed.js';
import type { Normalizer } from './normalizer.js';

export const booleanSpec = z.strictObject({
  normalizer: z.literal('boolean'),
});

export type BooleanSpec = z.infer<typeof booleanSpec>;

// The spellings ERPs use for flags: PostgreSQL's t/f, CHAR(1) Y/N flags, 1/0 from bit or int columns.
const SPELLINGS: ReadonlyMap<string, boolean> = new Map([
  ['true', true], ['t', true], ['y', true], ['yes', true], ['1', true],
  ['false', false], ['f', false], ['n', false], ['no', false], ['0', false],
]);

export function booleanNormalizer(field: string, _spec: BooleanSpec): Normalizer {
  return (raw: unknown): CanonicalValue => {
    if (isNullOrBlank(raw)) return null;
    if (typeof raw === 'boolean') return raw;
    if (raw === 1 || raw === 0) return raw === 1;
    if (typeof raw === 'string') {
      const value = SPELLINGS.get(raw.trim().toLowerCase());
      if (value !== undefined) return value;
    }
    throw normalizeFailed(field, raw, 'is not a boolean (true/false, t/f, y/n, yes/no, 1/0)');
  };
}
