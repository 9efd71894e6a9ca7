import { ErpDeltaError } from '../errors/erp-delta-error.js';
import type { CanonicalRecord } from '../normalize/canonical-value.js';
import type { LoadedRecord } from './loaded-record.js';
import { isUnavailableValue, type SourceRow } from './source-change.js';
import type { TrackedEntity } from './tracked-entity.js';

export interface DesiredRecord {
  /** Every field of entity.recordFields, in that order, with its canonical value. */
  data: CanonicalRecord;
  /**
   * Fields whose value the source row does not tell, and for which nothing is loaded: their value
   * is null in `data` and they never count as changed (compare.ts). The source sent Debezium's
   * unavailable-value placeholder (an unchanged TOASTed column), or the row has no such column (see
   * absentColumns). The caller should log them: the target gets null until the column changes or
   * the row is re-snapshotted (a Debezium incremental snapshot), or use REPLICA IDENTITY FULL.
   */
  unknownFields: readonly string[];
  /**
   * Fields whose column the source row does not have at all: the record was written before the
   * column was added to the ERP table (DESIGN guarantee 8: unknown at that version, not bad input),
   * or the config names a column the table never had. Their value is the loaded one, or unknown.
   */
  absentColumns?: readonly string[];
}

/** Shared by every record without unknown fields, nearly all of them: no array each. */
const NO_FIELDS: readonly string[] = Object.freeze([]);

/**
 * The desired record of a source row: each tracked field read from its column and normalized.
 *
 * A field whose value the row does not tell keeps the loaded record's value, so it cannot show up
 * as a change: a column holding Debezium's unavailable-value placeholder (not changed by the
 * UPDATE), or a column missing from the row (an older CDC record, written before the column was
 * added to the table). When nothing is loaded for the key, the value cannot be known: it is null
 * and listed in unknownFields rather than holding the record back, so the other fields' changes
 * still reach the target.
 *
 * Fields the tracker derives rather than reads (assignedUserId) are null here: the assignment join
 * sets them.
 *
 * Throws NORMALIZE_FAILED for a value a normalizer cannot read, and for a key field whose column
 * is missing or empty: without its key a record has no identity, so it goes to the dead letters.
 */
export function desiredRecord(entity: TrackedEntity, sourceRow: SourceRow, loaded?: LoadedRecord): DesiredRecord {
  const data: CanonicalRecord = {};
  let unknownFields: string[] | undefined;
  let absentColumns: string[] | undefined;
  for (const field of entity.fields) {
    const raw = sourceRow[field.column];
    const absent = raw === undefined && !(field.column in sourceRow);
    if (absent || isUnavailableValue(raw)) {
      if (absent) (absentColumns ??= []).push(field.name);
      const kept = loaded?.data[field.name];
      if (kept === undefined) (unknownFields ??= []).push(field.name);
      data[field.name] = kept ?? null;
    } else {
      data[field.name] = field.normalize(raw);
    }
  }
  for (const field of entity.keyFields) {
    if (!(field.column in sourceRow)) {
      throw new ErpDeltaError('NORMALIZE_FAILED', `Cannot normalize field "${field.name}": it is a key field of entity "${entity.name}" and the source row has no column "${field.column}".`);
    }
    if (data[field.name] === null) {
      throw new ErpDeltaError('NORMALIZE_FAILED', `Cannot normalize field "${field.name}": it is a key field of entity "${entity.name}" and is empty.`);
    }
  }
  for (const name of entity.recordFields) {
    if (!(name in data)) data[name] = null;
  }
  return absentColumns === undefined ? { data, unknownFields: unknownFields ?? NO_FIELDS } : { data, unknownFields: unknownFields ?? NO_FIELDS, absentColumns };
}
