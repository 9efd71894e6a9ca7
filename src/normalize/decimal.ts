import { z } from 'zod';
import { bytesOf } from './binary-value.js';
import { type CanonicalValue, isNullOrBlank } from './canonical-value.js';
import { normalizeFailed } from './normalize-failed.js';
import type { Normalizer } from './normalizer.js';

export const decimalSpec = z.strictObject({
  normalizer: z.literal('decimal'),
  /** Digits after the point in the canonical form: the column's numeric(p, s) scale. */
  scale: z.int().min(0).max(1000),
  /**
   * How a string is read. Absent or `text`: decimal text (decimal.handling.mode=string, or any
   * text column). `base64`: decimal.handling.mode=precise through JsonConverter, the column's
   * unscaled value as big-endian two's-complement bytes, whose scale is the column's and must
   * equal `scale` (the scale is in the record's schema, which a normalizer does not see).
   */
  encoding: z.enum(['text', 'base64']).optional(),
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
 *
 * What it reads, for numeric/decimal and money columns in each decimal.handling.mode (Debezium
 * PostgreSQL connector, "Decimal types"; SQL Server connector, "Decimal values"; MySQL connector,
 * "Decimal types"):
 * - `string`: decimal text ("22.2200"), exact;
 * - `double`: a JSON number; exact as far as a double is (a value beyond 15-17 significant
 *   digits was rounded by the connector already);
 * - `precise`: with `encoding: base64`, base64 text of the unscaled bytes at the column's scale
 *   (org.apache.kafka.connect.data.Decimal); for numeric/decimal without a scale, the struct
 *   {"scale": n, "value": "<base64 unscaled bytes>"} (io.debezium.data.VariableScaleDecimal),
 *   whatever `encoding` says. Through the Avro decoder the bytes arrive as a serialized Buffer,
 *   read the same way. Exact, then rounded to `scale`.
 * Money is a decimal like the others: PostgreSQL money with the scale of the connector's
 * money.fraction.digits (default 2), SQL Server money and smallmoney with scale 4. MySQL's
 * BIGINT UNSIGNED with bigint.unsigned.handling.mode=precise is a Decimal of scale 0: track it
 * here with scale 0 and `encoding: base64`, exact beyond 2^53.
 *
 * Dead-lettered as "is not a decimal number": PostgreSQL's numeric NaN, Infinity and -Infinity
 * in every form Debezium sends them (string mode "NAN", "POSITIVE_INFINITY", "NEGATIVE_INFINITY";
 * double mode Double.NaN and the infinities, which JsonConverter writes as the strings "NaN",
 * "Infinity", "-Infinity"). None of them is an amount the target can take. Precise mode cannot
 * carry them: Debezium 3.6 sends null there (seen on the test stack), which no normalizer can
 * tell from SQL NULL, so a column that may hold them needs string mode (the shipped one) to
 * dead-letter them rather than send null.
 */
export function decimalNormalizer(field: string, spec: DecimalSpec): Normalizer {
  const base64 = spec.encoding === 'base64';
  return (raw: unknown): CanonicalValue => {
    if (isNullOrBlank(raw)) return null;
    let text: string | undefined;
    if (typeof raw === 'string') text = base64 ? unscaledText(bytesOf(raw.trim(), 'base64'), spec.scale) : raw.trim();
    else if (typeof raw === 'bigint') text = raw.toString();
    // Number#toString is the shortest text that reads back as the same double: 0.1 stays "0.1".
    else if (typeof raw === 'number' && Number.isFinite(raw)) text = String(raw);
    else if (isVariableScale(raw)) text = unscaledText(bytesOf(raw.value, 'base64'), raw.scale);
    else text = unscaledText(bytesOf(raw, 'base64'), spec.scale);
    const canonical = text === undefined ? undefined : canonicalDecimal(text, spec.scale);
    if (canonical === undefined) throw normalizeFailed(field, raw, 'is not a decimal number');
    return canonical;
  };
}

/** io.debezium.data.VariableScaleDecimal: "scale of type INT32 ... and value of type BYTES containing the original value in an unscaled form". */
function isVariableScale(raw: unknown): raw is { scale: number; value: unknown } {
  if (typeof raw !== 'object' || raw === null) return false;
  const scale = (raw as { scale?: unknown }).scale;
  return typeof scale === 'number' && Number.isSafeInteger(scale) && Math.abs(scale) <= MAX_EXPONENT && 'value' in raw;
}

/**
 * The decimal text of an unscaled two's-complement big-endian integer at `scale` ("12345" at
 * scale 2 is "12345e-2"), as java.math.BigInteger#toByteArray writes it. Undefined for no bytes.
 */
function unscaledText(bytes: Buffer | undefined, scale: number): string | undefined {
  if (bytes === undefined || bytes.length === 0) return undefined;
  let unscaled = BigInt(`0x${bytes.toString('hex')}`);
  if ((bytes[0] ?? 0) >= 0x80) unscaled -= 1n << BigInt(bytes.length * 8);
  return `${unscaled.toString()}e${-scale}`;
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
