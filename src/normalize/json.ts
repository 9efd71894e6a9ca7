import { z } from 'zod';
import { type CanonicalValue, isNullOrBlank } from './canonical-value.js';
import { normalizeFailed } from './normalize-failed.js';
import type { Normalizer } from './normalizer.js';

export const jsonSpec = z.strictObject({
  normalizer: z.literal('json'),
});

export type JsonSpec = z.infer<typeof jsonSpec>;

/**
 * JSON documents become their JSON text with every object's keys sorted (by UTF-16 code units,
 * as Array#sort does) and no whitespace, so that equal documents compare equal whatever their key
 * order and spacing: PostgreSQL's json keeps the text as typed, jsonb and MySQL's JSON reorder
 * keys, and an ERP that rewrites a document reorders them too. Array order is kept: it is data.
 *
 * What it reads:
 * - text: json, jsonb (io.debezium.data.Json, "Contains the string representation of a JSON
 *   document, array, or scalar": Debezium PostgreSQL connector, "Basic types"; MySQL's JSON is
 *   the same type), hstore with hstore.handling.mode=json, or a text column holding JSON;
 * - an array or object as the decoder hands it over: a PostgreSQL array column (ARRAY: a JSON
 *   array of its elements, each as Debezium sends that element type, not normalized further) and
 *   hstore with hstore.handling.mode=map (a JSON object).
 *
 * The limit: numbers are read as JavaScript numbers (doubles), so 1.0 and 1 are the same, 1e2 is
 * written 100, and digits beyond a double's 15-17 significant ones are lost (an integer beyond
 * 2^53 in a document is written rounded, and documents differing only there compare equal). An
 * array or object from the decoder is the exception for integers: it holds one beyond 2^53 as a
 * bigint (capture/exact-json.ts), written with all its digits.
 * JSON null is "null", not SQL NULL. Text that is not JSON is dead-lettered.
 */
export function jsonNormalizer(field: string, _spec: JsonSpec): Normalizer {
  return (raw: unknown): CanonicalValue => {
    if (isNullOrBlank(raw)) return null;
    let document: unknown = raw;
    if (typeof raw === 'string') {
      try {
        document = JSON.parse(raw);
      } catch {
        throw normalizeFailed(field, raw, 'is not a JSON document');
      }
    }
    try {
      return canonicalJson(document);
    } catch (error) {
      // A document nested deeper than the stack allows: JSON.parse itself goes deeper than this.
      if (error instanceof RangeError) throw normalizeFailed(field, raw, 'is a JSON document nested too deeply');
      throw error;
    }
  };
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const members = value as Record<string, unknown>;
    // Object.keys, not a rebuilt object: a "__proto__" member stays a member.
    return `{${Object.keys(members)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(members[key])}`)
      .join(',')}}`;
  }
  // An integer the decoder read exactly (capture/exact-json.ts) keeps its digits.
  if (typeof value === 'bigint') return value.toString();
  // Scalars as JSON writes them; an undefined or a function cannot come from a decoded record.
  return JSON.stringify(value) ?? 'null';
}
