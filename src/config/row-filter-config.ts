import { z } from 'zod';
import { isErpDeltaError } from '../errors/erp-delta-error.js';
import type { CanonicalValue } from '../normalize/canonical-value.js';
import { createNormalizer, type NormalizerName, type NormalizerSpec } from '../normalize/normalizer.js';

/**
 * An entity's `filter` in the file: conditions on the entity's tracked fields (canonical names),
 * all of which must hold for a row to be kept. Each names a field and one test:
 *
 *   filter:
 *     - { field: active, equals: true }
 *     - { field: code, present: true }            # not null (false: null)
 *     - { field: status, in: [A, B] }
 *     - { field: region, notEquals: EXPORT }       # notIn: [..] likewise
 *
 * A list of ANDed conditions and nothing more: no OR, no nesting, no comparisons of order. What
 * today's integration filters (a code given, active rows only) needs no more, and a condition
 * language that grows is one more thing a user must learn to read a config.
 */
const ROW_TESTS = ['equals', 'notEquals', 'in', 'notIn', 'present'] as const;

const rowConditionSchema = z.strictObject({
  /** The canonical name of a tracked field of the entity (checked against them in checkRowFilter). */
  field: z.string().min(1),
  // Values are checked against the field's normalizer in checkRowFilter, which knows the field.
  equals: z.unknown().optional(),
  notEquals: z.unknown().optional(),
  in: z.array(z.unknown()).min(1, 'must list at least one value').optional(),
  notIn: z.array(z.unknown()).min(1, 'must list at least one value').optional(),
  present: z.boolean().optional(),
});

export const rowFilterSchema = z.array(rowConditionSchema).min(1, 'must list at least one condition (leave filter out to keep every row)');

export type RowFilterInput = z.infer<typeof rowFilterSchema>;

/**
 * A condition with its values in the field's canonical form: what EntityConfig holds and the
 * model's row filter (model/row-filter.ts) tests. `in` and `notIn` hold at least one value.
 */
export type RowCondition =
  | { field: string; equals: CanonicalValue }
  | { field: string; notEquals: CanonicalValue }
  | { field: string; in: readonly CanonicalValue[] }
  | { field: string; notIn: readonly CanonicalValue[] }
  | { field: string; present: boolean };

interface FilterIssue {
  path: readonly PropertyKey[];
  message: string;
}

/**
 * What a value in the file must be for each normalizer: the YAML type of its canonical value,
 * plus numbers for decimals (`equals: 1.5` is how anybody writes a price). Stricter than the
 * normalizers, which also read what connectors send (a boolean as "t" or 1, an integer as text, a
 * timestamp as epoch millis): a config is written by a person, and `code: { in: [001] }`, which
 * YAML reads as the number 1, is better refused than matched against "1".
 */
const WRITTEN_AS: Readonly<Record<NormalizerName, { accepts: (value: unknown) => boolean; what: string }>> = {
  text: { accepts: isString, what: 'text (quote digits: "001")' },
  decimal: { accepts: (value) => isString(value) || (typeof value === 'number' && Number.isFinite(value)), what: 'a decimal number, or its text ("1.50")' },
  integer: { accepts: (value) => typeof value === 'number' && Number.isInteger(value), what: 'an integer' },
  boolean: { accepts: (value) => typeof value === 'boolean', what: 'true or false' },
  date: { accepts: isString, what: 'a date as text ("2026-12-01")' },
  timestamp: { accepts: isString, what: 'an ISO 8601 timestamp as text ("2026-12-01T08:00:00Z")' },
  time: { accepts: isString, what: 'a time of day as text ("13:30:00")' },
  // JSON text, or the document written in YAML: the normalizer reads both.
  json: { accepts: (value) => value !== null && value !== undefined, what: 'a JSON document' },
  uuid: { accepts: isString, what: 'a UUID as text' },
  bytes: { accepts: isString, what: "binary data as text in the field's encoding" },
};

/**
 * Checks an entity's filter against its fields and turns each value into the field's canonical
 * form with the field's own normalizer, so that it compares with `===` against desired records:
 * `equals: 1.5` on a decimal of scale 2 is "1.50", `equals: abc` on an upper-cased text is "ABC",
 * a timestamp is read in the field's `zone`. Issues name the exact key
 * (`entities.products.filter.0.in.1`). `path` is the filter's own path; `derived` names the fields
 * the tracker adds to the entity's records rather than reads (assignedUserId), which no filter can
 * test: they are not known when the row is filtered, and a rep's new user must never make its
 * customers vanish from the target.
 */
export function checkRowFilter(
  fields: Readonly<Record<string, NormalizerSpec>>,
  derived: readonly string[],
  input: RowFilterInput,
  path: readonly PropertyKey[],
): { conditions: RowCondition[]; issues: FilterIssue[] } {
  const conditions: RowCondition[] = [];
  const issues: FilterIssue[] = [];
  input.forEach((condition, index) => {
    const at = [...path, index];
    const spec = fields[condition.field];
    if (spec === undefined) {
      issues.push({
        path: [...at, 'field'],
        message: derived.includes(condition.field)
          ? `"${condition.field}" is set by the assignment join, not read from a column: a filter tests tracked fields only`
          : `"${condition.field}" is not a tracked field of the entity (${Object.keys(fields).join(', ') || 'none'}): a filter tests desired-record fields by their canonical names`,
      });
    }
    const tests = ROW_TESTS.filter((test) => condition[test] !== undefined);
    if (tests.length !== 1) {
      issues.push({
        path: at,
        message:
          tests.length === 0 ? `needs one test: ${ROW_TESTS.join(', ')}` : `has ${tests.length} tests (${tests.join(', ')}): give one per condition, and list several conditions to require them all`,
      });
    }
    if (spec === undefined || tests.length !== 1) return;
    const [test] = tests as [(typeof ROW_TESTS)[number]];
    if (test === 'present') {
      conditions.push({ field: condition.field, present: condition.present === true });
      return;
    }
    const canonical = (value: unknown, valuePath: readonly PropertyKey[]): CanonicalValue | undefined => {
      const problem = valueProblem(condition.field, spec, value);
      if (typeof problem === 'string') {
        issues.push({ path: valuePath, message: problem });
        return undefined;
      }
      return problem.value;
    };
    if (test === 'in' || test === 'notIn') {
      const values = (condition[test] ?? []).map((value, valueIndex) => canonical(value, [...at, test, valueIndex]));
      if (values.every((value): value is CanonicalValue => value !== undefined)) conditions.push(test === 'in' ? { field: condition.field, in: values } : { field: condition.field, notIn: values });
      return;
    }
    const value = canonical(condition[test], [...at, test]);
    if (value !== undefined) conditions.push(test === 'equals' ? { field: condition.field, equals: value } : { field: condition.field, notEquals: value });
  });
  return { conditions, issues };
}

/** The value's canonical form, or why it cannot be compared with the field. */
function valueProblem(field: string, spec: NormalizerSpec, value: unknown): { value: CanonicalValue } | string {
  if (value === null) return 'is null: test for a missing value with `present: false`';
  const writtenAs = WRITTEN_AS[spec.normalizer];
  if (!writtenAs.accepts(value)) return `must be ${writtenAs.what}, as field "${field}" (${spec.normalizer}) holds, not ${describeValue(value)}`;
  let canonical: CanonicalValue;
  try {
    canonical = createNormalizer(field, spec)(value);
  } catch (error) {
    if (!isErpDeltaError(error, 'NORMALIZE_FAILED')) throw error;
    // The normalizer's message starts with the field's name, which the path already says.
    return `${error.message.replace(/^Cannot normalize field "[^"]*": /, '').replace(/\.$/, '')} (field "${field}", ${spec.normalizer})`;
  }
  if (canonical === null) return `${describeValue(value)} is no value for field "${field}" (${spec.normalizer}): test for a missing value with \`present: false\``;
  return { value: canonical };
}

function isString(value: unknown): value is string {
  return typeof value === 'string';
}

function describeValue(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object' && value !== null) return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}
