import { z } from 'zod';
import { bytesOf } from './binary-value.js';
import type { CanonicalValue } from './canonical-value.js';
import { normalizeFailed } from './normalize-failed.js';
import type { Normalizer } from './normalizer.js';

export const bytesSpec = z.strictObject({
  normalizer: z.literal('bytes'),
  /**
   * How the connector writes the column as text: `base64` for binary.handling.mode=bytes (the
   * default: JsonConverter writes BYTES as base64) and =base64, `base64-url-safe` and `hex` for
   * those modes. Base64 and hex cannot be told apart by looking ("00ff" is both), hence the key.
   */
  encoding: z.enum(['base64', 'base64-url-safe', 'hex']).default('base64'),
});

export type BytesSpec = z.infer<typeof bytesSpec>;

/**
 * Binary columns become lowercase hex ("01ff"): one spelling whatever binary.handling.mode the
 * connector used, readable in the dead-letter headers and in the target. PostgreSQL bytea, MySQL
 * binary/varbinary/blob and SQL Server binary/varbinary arrive as bytes (Debezium PostgreSQL
 * connector, "Basic types", BYTEA), and so do bit(n > 1) and bit varying columns
 * (io.debezium.data.Bits, "the bits in little-endian form"): their hex is of those bytes, in
 * the order Debezium sends them. Debezium writes bit strings as BYTES whatever
 * binary.handling.mode says (they are not binary columns to it), so through JsonConverter they
 * are always base64: a bit field takes `encoding: base64` in every mode.
 *
 * An empty value is "", not null: Debezium sends null for NULL, and an empty bytea is a value
 * (unlike a blank CHAR, there is no padding to forgive). Text that is not valid in `encoding`
 * is dead-lettered.
 */
export function bytesNormalizer(field: string, spec: BytesSpec): Normalizer {
  return (raw: unknown): CanonicalValue => {
    if (raw === null || raw === undefined) return null;
    const bytes = bytesOf(raw, spec.encoding);
    if (bytes === undefined) throw normalizeFailed(field, raw, `is not binary data in ${spec.encoding}`);
    return bytes.toString('hex');
  };
}
