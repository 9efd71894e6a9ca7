import type { CanonicalValue } from '../normalize/canonical-value.js';
import { decodeFailed, type SourceRow } from './source-change.js';
import type { TrackedEntity } from './tracked-entity.js';

/**
 * The Kafka key of an entity's deltas, and the key of its loaded records.
 *
 * - One key field: the canonical value as text, e.g. `C0001`: what a consumer expects, no quoting.
 * - Several key fields: a JSON array of the canonical values in `keyFields` order, e.g.
 *   `["P0001","WH01"]`. JSON's quoting keeps it unambiguous whatever the values contain (commas,
 *   quotes, brackets), and it is stable: the same values always give the same bytes.
 *
 * The format is fixed per entity by its number of key fields, so the two forms never meet. The
 * values are normalized first, so the key matches the key fields in the record's data.
 */
export function formatEntityKey(values: readonly CanonicalValue[]): string {
  if (values.length === 1) return String(values[0]);
  return JSON.stringify(values);
}

/**
 * The entity key of a source record, from its Kafka key (the key columns): for a delete it is all
 * there is. The key columns must be exactly the key fields' columns: a key with other columns
 * would fold distinct rows onto one key, so such a record is refused rather than guessed at.
 */
export function entityKey(entity: TrackedEntity, sourceKey: SourceRow): string {
  // Loops rather than Object.keys, every and map: this runs for every CDC record.
  let columnCount = 0;
  for (const _column in sourceKey) columnCount += 1;
  const { keyFields } = entity;
  let hasEveryColumn = columnCount === keyFields.length;
  for (const field of keyFields) hasEveryColumn &&= field.column in sourceKey;
  if (!hasEveryColumn) {
    throw decodeFailed(`the key has columns (${Object.keys(sourceKey).join(', ')}) but entity "${entity.name}" is keyed by (${keyFields.map((field) => field.column).join(', ')})`);
  }
  // formatEntityKey's one-field form, without an array for it.
  const onlyField = keyFields.length === 1 ? keyFields[0] : undefined;
  if (onlyField) return String(keyValue(entity, onlyField, sourceKey));
  return formatEntityKey(keyFields.map((field) => keyValue(entity, field, sourceKey)));
}

function keyValue(entity: TrackedEntity, field: TrackedEntity['keyFields'][number], sourceKey: SourceRow): CanonicalValue {
  const value = field.normalize(sourceKey[field.column]);
  if (value === null) throw decodeFailed(`key field "${field.name}" of entity "${entity.name}" is empty`);
  return value;
}
