import type { CanonicalValue } from '../normalize/canonical-value.js';

export type CanonicalJsonValue = CanonicalValue | readonly CanonicalJsonValue[] | { readonly [key: string]: CanonicalJsonValue };

/**
 * JSON with object keys sorted (by UTF-16 code unit, JavaScript's default order) at every level and
 * no whitespace: equal values give equal bytes whatever order their keys were set in. Hashes and
 * stored records are built from this, so reordering fields in the config changes neither.
 */
export function canonicalJson(value: CanonicalJsonValue): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const members = Object.keys(value).sort().map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key] as CanonicalJsonValue)}`);
  return `{${members.join(',')}}`;
}

// Array.isArray does not narrow a readonly array type.
function isArray(value: object): value is readonly CanonicalJsonValue[] {
  return Array.isArray(value);
}
