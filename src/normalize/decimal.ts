import { z } from 'zod';
import { type CanonicalValue, isNullOrBlank } from './canonical-value.js';
import { normalizeFailed } from './normalize-failed.js';
import type { Normalizer } from './normalizer.js';

export const decimalSpec = z.strictObject({
  normalizer: z.literal('decimal'),
  /** Digits after the point in the canonical form: the column's numeric(p, s) scale. */
  scale: z.int().min(0).max(1000),
});

export type DecimalSpec = z.infer<typeof decimalSpec>;

// Sign, integer digits, fraction digits, exponent: what Debezium's decimal.handling.mode=string,
// PostgreSQL's text output and JavaScript's Number#toString can produce.
const DECIMAL = /^([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** An exponent beyond this is not a price or a quantity; refusing it bounds the string work. */
const MAX_EXPONENT = 10_000;

/**
 * Decimals are canonical strings with exactly `scale` fraction digits ("1.5" and " 0001.500 " are
 * both "1.50" at scale 2). The work is done on the digit string with BigInt, never through a
 * binary float, so 0.1 + 0.2 style errors cannot create or hide a change. Extra digits round half
 * up (away from zero), as PostgreSQL's numeric and Java's RoundingMode.HALF_UP do.
 */
export function decimalNormalizer(field: string, spec: DecimalSpec): Normalizer {
  return (raw: unknown): CanonicalValue => {
    if (isNullOrBlank(raw)) return null;
    let text: string;
    if (typeof raw === 'string') text = raw.trim();
    else if (typeof raw === 'bigint') text = raw.toString();
    // Number#toString is the shortest text that reads back as the same double: 0.1 stays "0.1".
    else if (typeof raw === 'number' && Number.isFinite(raw)) text = String(raw);
    else throw normalizeFailed(field, raw, 'is not a decimal number');
    const canonical = canonicalDecimal(text, spec.scale);
    if (canonical === undefined) throw normalizeFailed(field, raw, 'is not a decimal number');
    return canonical;
  };
}

function canonicalDecimal(text: string, scale: number): string | undefined {
  // Most values arrive canonical already (numeric(p, s) as Debezium writes it): no regex, no BigInt.
  if (isCanonical(text, scale)) return text;
  const match = DECIMAL.exec(text);
  if (!match) return undefined;
  const [, sign, integerDigits = '', fractionDigits = '', exponentText] = match;
  if (integerDigits === '' && fractionDigits === '') return undefined;
  const exponent = exponentText === undefined ? 0 : Number(exponentText);
  if (Math.abs(exponent) > MAX_EXPONENT) return undefined;

  // Move the point by the exponent, padding with zeros on whichever side runs out.
  let digits = integerDigits + fractionDigits;
  let point = integerDigits.length + exponent;
  if (point < 0) {
    digits = '0'.repeat(-point) + digits;
    point = 0;
  }
  if (point > digits.length) digits = digits.padEnd(point, '0');

  const kept = digits.slice(0, point + scale).padEnd(point + scale, '0');
  const firstDropped = digits.charAt(point + scale);
  let unscaled = BigInt(kept === '' ? '0' : kept);
  if (firstDropped >= '5') unscaled += 1n;

  const padded = unscaled.toString().padStart(scale + 1, '0');
  const body = scale === 0 ? padded : `${padded.slice(0, -scale)}.${padded.slice(-scale)}`;
  // "-0.00" would differ from "0.00" as text while being the same number.
  return sign === '-' && unscaled !== 0n ? `-${body}` : body;
}

const ZERO = 48;
const NINE = 57;
const POINT = 46;
const MINUS = 45;

/**
 * Whether `text` is already what canonicalDecimal returns for it: an optional "-", an integer part
 * without leading zeros, and exactly `scale` fraction digits; "-0.00" is not ("0.00" is).
 */
function isCanonical(text: string, scale: number): boolean {
  const start = text.charCodeAt(0) === MINUS ? 1 : 0;
  const point = scale === 0 ? text.length : text.length - scale - 1;
  if (point <= start || (scale > 0 && text.charCodeAt(point) !== POINT)) return false;
  if (text.charCodeAt(start) === ZERO && point - start > 1) return false;
  let nonZero = false;
  for (let at = start; at < text.length; at += 1) {
    if (at === point) continue;
    const code = text.charCodeAt(at);
    if (code < ZERO || code > NINE) return false;
    if (code !== ZERO) nonZero = true;
  }
  return start === 0 || nonZero;
}
