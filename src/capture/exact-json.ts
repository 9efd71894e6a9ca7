import { parse } from 'lossless-json';

/**
 * Debezium writes a bigint column (PostgreSQL INT64, MySQL and SQL Server BIGINT) as a bare JSON
 * number, and JSON.parse reads every number into a double: 9007199254740993 arrives as
 * 9007199254740992, equal to its neighbour, and nothing after the parse can tell them apart. The
 * decoders parse with JSON.parse (native, the hot path) and check the rows it gave for a number
 * that is an integer beyond 2^53 (holdsInexactInteger): only such a row, rare, is parsed again by
 * parseExactJson, which reads those integers as bigints with all their digits.
 *
 * Why a bigint rather than the digits as a string: a string would be indistinguishable from a
 * column that is text in the ERP, and the normalizers tell numbers from text (a boolean, a
 * timestamp, a JSON document). The canonical value of an integer is still a JSON scalar
 * (normalize/integer.ts).
 */
export function parseExactJson(text: string): unknown {
  return parse(text, null, { parseNumber: exactNumber, onDuplicateKey: lastMemberWins });
}

/**
 * A number as JSON.parse reads it, except an integer beyond 2^53: a bigint. A fraction or an
 * exponent stays a double as JSON.parse would make it (Debezium writes a double column so, and
 * decimals as text in decimal.handling.mode=string).
 */
function exactNumber(text: string): number | bigint {
  const number = Number(text);
  return Number.isSafeInteger(number) || !INTEGER_LITERAL.test(text) ? number : BigInt(text);
}

/** JSON's integers: the parser let only JSON's numbers through (no plus, no leading zeros). */
const INTEGER_LITERAL = /^-?\d+$/;

/** JSON.parse keeps the last of duplicated members; lossless-json would throw. */
function lastMemberWins({ newValue }: { newValue: unknown }): unknown {
  return newValue;
}

/**
 * Whether a row from JSON.parse holds a number that may have lost digits: an integer of 2^53 or
 * more (every double that large is an integer; 2^53 itself is also the rounding of 2^53 + 1).
 * Runs for every decoded row, so the usual flat row of scalars costs one pass and no allocation.
 */
export function rowHoldsInexactInteger(row: Record<string, unknown>): boolean {
  for (const column in row) {
    const value = row[column];
    if (typeof value === 'number') {
      if (value >= TWO_TO_53 || value <= -TWO_TO_53) return true;
    } else if (typeof value === 'object' && value !== null && nestedInexactInteger(value)) {
      return true;
    }
  }
  return false;
}

/** The same for any value: an array column, a map, a struct. */
export function holdsInexactInteger(value: unknown): boolean {
  if (typeof value === 'number') return value >= TWO_TO_53 || value <= -TWO_TO_53;
  return typeof value === 'object' && value !== null && nestedInexactInteger(value);
}

/**
 * Walked with a stack of its own, not by recursion: V8's JSON.parse reads documents nested deeper
 * than a recursive walk could descend.
 */
function nestedInexactInteger(root: object): boolean {
  const pending: object[] = [root];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    for (const value of Array.isArray(next) ? (next as unknown[]) : Object.values(next)) {
      if (typeof value === 'number') {
        if (value >= TWO_TO_53 || value <= -TWO_TO_53) return true;
      } else if (typeof value === 'object' && value !== null) {
        pending.push(value);
      }
    }
  }
  return false;
}

const TWO_TO_53 = 2 ** 53;
