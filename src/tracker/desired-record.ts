import { ErpDeltaError } from '../errors/erp-delta-error.js';
import type { CanonicalRecord } from '../normalize/canonical-value.js';
import type { LoadedRecord } from './loaded-record.js';
import { DEBEZIUM_UNAVAILABLE_VALUE, type SourceRow } from './source-change.js';
import type { TrackedEntity } from './tracked-entity.js';

export interface DesiredRecord {
  /** Every field of entity.recordFields, in that order, with its canonical value. */
  data: CanonicalRecord;
  /**
   * Fields whose value is unknown: the source sent Debezium's unavailable-value placeholder (an
   * unchanged TOASTed column) and there is no loaded value to keep. Their value is null in `data`
   * and they never count as changed. The caller should log them: the target gets null until the
   * column changes or the row is re-snapshotted (a Debezium incremental snapshot), or use REPLICA
   * IDENTITY FULL on the table.
   */
  unknownFields: readonly string[];
}

/** Shared by every record without unknown fields, nearly all of them: no array each. */
const NO_UNKNOWN_FIELDS: readonly string[] = Object.freeze([]);

/**
 * The desired record of a source row: each tracked field read from its column and normalized.
 *
 * A column holding DEBEZIUM_UNAVAILABLE_VALUE was not changed by the UPDATE, so the field keeps the
 * loaded record's value and cannot show up as a change. When nothing is loaded for the key (the
 * first event seen for it is such an update, e.g. after compaction dropped the earlier ones), the
 * value cannot be known: it is null and listed in unknownFields rather than holding the record
 * back, so the other fields' changes still reach the target.
 *
 * Fields the tracker derives rather than reads (assignedUserId) are null here: the assignment join
 * sets them.
 *
 * Throws NORMALIZE_FAILED for a value a normalizer cannot read, a column missing from the row (a
 * config naming a column the table does not have) or an empty key field.
 */
export function desiredRecord(entity: TrackedEntity, sourceRow: SourceRow, loaded?: LoadedRecord): DesiredRecord {
  const data: CanonicalRecord = {};
  let unknownFields: string[] | undefined;
  for (const field of entity.fields) {
    if (!(field.column in sourceRow)) {
      throw new ErpDeltaError('NORMALIZE_FAILED', `Cannot normalize field "${field.name}": the source row of entity "${entity.name}" has no column "${field.column}".`);
    }
    const raw = sourceRow[field.column];
    if (raw === DEBEZIUM_UNAVAILABLE_VALUE) {
      const kept = loaded?.data[field.name];
      if (kept === undefined) (unknownFields ??= []).push(field.name);
      data[field.name] = kept ?? null;
    } else {
      data[field.name] = field.normalize(raw);
    }
  }
  for (const field of entity.keyFields) {
    if (data[field.name] === null) {
      throw new ErpDeltaError('NORMALIZE_FAILED', `Cannot normalize field "${field.name}": it is a key field of entity "${entity.name}" and is empty.`);
    }
  }
  for (const name of entity.recordFields) {
    if (!(name in data)) data[name] = null;
  }
  return { data, unknownFields: unknownFields ?? NO_UNKNOWN_FIELDS };
}
