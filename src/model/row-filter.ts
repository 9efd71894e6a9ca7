import type { RowCondition } from '../config/row-filter-config.js';
import { ErpDeltaError } from '../errors/erp-delta-error.js';
import type { CanonicalRecord, CanonicalValue } from '../normalize/canonical-value.js';
import type { DesiredRecord } from './desired-record.js';
import type { LoadedRecord } from './loaded-record.js';
import type { TrackedEntity } from './tracked-entity.js';

/**
 * What an entity's filter says of a desired record: kept, left out, or not known because a field
 * it tests has no known value (DesiredRecord.unknownFields) while every known one holds.
 */
export type FilterVerdict = 'in' | 'out' | 'unknown';

/** An entity's filter (config `filter`), built once at start-up: its conditions, ready to test. */
export interface RowFilter {
  /** The conditions as the config holds them (canonical values), for logs and messages. */
  readonly conditions: readonly RowCondition[];
  verdict(data: CanonicalRecord, unknownFields: readonly string[]): FilterVerdict;
}

type Test = (value: CanonicalValue) => boolean;

/**
 * Builds the filter of an entity from its conditions. The values are canonical already
 * (parseConfig normalized them with the field's normalizer), so a test is `===` on canonical
 * values, as the compare is. Null is a value like any other here: `equals` and `in` never hold for
 * it (their values are never null), `notEquals` and `notIn` do ("a status that is not CLOSED"
 * includes no status; add `present: true` to require one), unlike SQL's three-valued NULL, which
 * would drop such rows without a word.
 */
export function rowFilter(entityName: string, fieldNames: readonly string[], conditions: readonly RowCondition[]): RowFilter {
  const tests = conditions.map((condition, index): { field: string; test: Test } => {
    // parseConfig refuses such a config; this guards a hand-built EntityConfig.
    if (!fieldNames.includes(condition.field)) {
      throw new ErpDeltaError('INVALID_CONFIG', `"entities.${entityName}.filter.${index}.field": "${condition.field}" is not a tracked field of the entity.`);
    }
    return { field: condition.field, test: testOf(condition) };
  });
  return {
    conditions,
    verdict(data, unknownFields) {
      let unknown = false;
      for (const { field, test } of tests) {
        if (unknownFields.length > 0 && unknownFields.includes(field)) unknown = true;
        else if (!test(data[field] ?? null)) return 'out';
      }
      return unknown ? 'unknown' : 'in';
    },
  };
}

function testOf(condition: RowCondition): Test {
  if ('present' in condition) return condition.present ? (value) => value !== null : (value) => value === null;
  if ('equals' in condition) {
    const expected = condition.equals;
    return (value) => value === expected;
  }
  if ('notEquals' in condition) {
    const unwanted = condition.notEquals;
    return (value) => value !== unwanted;
  }
  if ('in' in condition) {
    const wanted = new Set(condition.in);
    return (value) => value !== null && wanted.has(value);
  }
  const unwanted = new Set(condition.notIn);
  return (value) => !unwanted.has(value);
}

/**
 * Whether the entity keeps a desired record: for the tracker, a row outside the filter is a row
 * that is not there, so the caller treats its desired record as null (a DELETE when the key is
 * loaded, nothing when it is not). `loaded` is the key's loaded record, if any.
 *
 * A tested field whose value is unknown (an unchanged TOASTed column, or a column an older CDC
 * record lacks, with no loaded value to keep: desired-record.ts) keeps the loaded decision: a key
 * the target has stays (an unknown value never counts as a change, compare.ts, so it must not
 * delete either), a key it does not have stays out (sending it would put a row at the target that
 * may not belong there). A known value that fails a condition decides alone: out. When the loaded
 * record has the value, desiredRecord has filled it in, and the verdict is never unknown. A row
 * kept out this way reaches the target when the column changes or the row is re-read
 * (`refresh --from-source`): the same remedy as for an unknown value the target gets as null.
 */
export function keepsRow(entity: TrackedEntity, desired: DesiredRecord, loaded: LoadedRecord | undefined): boolean {
  if (entity.filter === undefined) return true;
  const verdict = entity.filter.verdict(desired.data, desired.unknownFields);
  return verdict === 'in' || (verdict === 'unknown' && loaded !== undefined);
}
