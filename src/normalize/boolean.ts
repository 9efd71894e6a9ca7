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
  ['true', true],
  ['t', true],
  ['y', true],
  ['yes', true],
  ['1', true],
  ['false', false],
  ['f', false],
  ['n', false],
  ['no', false],
  ['0', false],
]);

/**
 * Flags become true or false. Debezium sends PostgreSQL boolean and bit(1) (and bit varying(1)),
 * MySQL BIT(1) and SQL Server bit as a JSON boolean (the connectors' "Basic types": BIT(1) is
 * BOOLEAN); MySQL's BOOLEAN is TINYINT(1) and arrives as 0 or 1 unless the connector's
 * TinyIntOneToBooleanConverter is set (MySQL connector, "Boolean values"). A bit(n > 1) column is
 * no flag: it arrives as bytes (io.debezium.data.Bits, BYTES) and is tracked with `bytes`; its
 * base64 text is dead-lettered here like any other value that is not a flag.
 */
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
