import { z } from 'zod';
import { type CanonicalValue, isNullOrBlank } from './canonical-value.js';
import { normalizeFailed } from './normalize-failed.js';
import type { Normalizer } from './normalizer.js';

export const uuidSpec = z.strictObject({
  normalizer: z.literal('uuid'),
});

export type UuidSpec = z.infer<typeof uuidSpec>;

// 8-4-4-4-12 hex digits, optionally in braces, or the 32 digits without hyphens (CHAR(32) columns).
const UUID = /^(?:\{(?<braced>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\}|(?<hyphenated>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})|(?<bare>[0-9a-f]{32}))$/i;

/**
 * UUIDs become lowercase 8-4-4-4-12 text ("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"). PostgreSQL's
 * uuid arrives as that text already (io.debezium.data.Uuid, "Contains the string representation
 * of a PostgreSQL UUID value": Debezium PostgreSQL connector, "Basic types"); SQL Server's
 * uniqueidentifier arrives as a STRING in upper case, and ERPs that keep UUIDs in CHAR columns
 * write them with or without hyphens and braces: all of them are one value. Anything else is
 * dead-lettered rather than passed on as a UUID the target cannot use.
 */
export function uuidNormalizer(field: string, _spec: UuidSpec): Normalizer {
  return (raw: unknown): CanonicalValue => {
    if (isNullOrBlank(raw)) return null;
    const groups = typeof raw === 'string' ? UUID.exec(raw.trim())?.groups : undefined;
    const hex = groups === undefined ? undefined : (groups['braced'] ?? groups['hyphenated'] ?? groups['bare'])?.replaceAll('-', '').toLowerCase();
    if (hex === undefined) throw normalizeFailed(field, raw, 'is not a UUID');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  };
}
