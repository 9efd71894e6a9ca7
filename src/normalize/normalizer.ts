import { z } from 'zod';
import { booleanNormalizer, booleanSpec } from './boolean.js';
import { bytesNormalizer, bytesSpec } from './bytes.js';
import type { CanonicalValue } from './canonical-value.js';
import { dateNormalizer, dateSpec } from './date.js';
import { decimalNormalizer, decimalSpec } from './decimal.js';
import { integerNormalizer, integerSpec } from './integer.js';
import { jsonNormalizer, jsonSpec } from './json.js';
import { textNormalizer, textSpec } from './text.js';
import { timeNormalizer, timeSpec } from './time.js';
import { timestampNormalizer, timestampSpec } from './timestamp.js';
import { uuidNormalizer, uuidSpec } from './uuid.js';

/**
 * A pure function from a raw column value, as the decoder hands it over, to its canonical value.
 * It throws ErpDeltaError NORMALIZE_FAILED (naming field and value) for a value it cannot read.
 */
export type Normalizer = (raw: unknown) => CanonicalValue;

/**
 * Every normalizer with its parameters, as a field declares it in the config
 * (`{ normalizer: decimal, scale: 2 }`). The discriminator is the `normalizer` key itself so that
 * a field reads flat in YAML and an unknown name is reported at exactly that key.
 */
export const NORMALIZER_SPECS = [textSpec, decimalSpec, integerSpec, booleanSpec, dateSpec, timestampSpec, timeSpec, jsonSpec, uuidSpec, bytesSpec] as const;

export const normalizerSpec = z.discriminatedUnion('normalizer', NORMALIZER_SPECS);

export type NormalizerSpec = z.infer<typeof normalizerSpec>;
export type NormalizerName = NormalizerSpec['normalizer'];

export const NORMALIZER_NAMES: readonly NormalizerName[] = NORMALIZER_SPECS.map((spec) => spec.shape.normalizer.value);

/** Built once per field at start-up; `field` is the canonical name its errors report. */
export function createNormalizer(field: string, spec: NormalizerSpec): Normalizer {
  switch (spec.normalizer) {
    case 'text':
      return textNormalizer(field, spec);
    case 'decimal':
      return decimalNormalizer(field, spec);
    case 'integer':
      return integerNormalizer(field, spec);
    case 'boolean':
      return booleanNormalizer(field, spec);
    case 'date':
      return dateNormalizer(field, spec);
    case 'timestamp':
      return timestampNormalizer(field, spec);
    case 'time':
      return timeNormalizer(field, spec);
    case 'json':
      return jsonNormalizer(field, spec);
    case 'uuid':
      return uuidNormalizer(field, spec);
    case 'bytes':
      return bytesNormalizer(field, spec);
  }
}
