import type { z } from 'zod';
import { CONFIG_DEFAULTS } from '../config/tracker-config.js';
import { ErpDeltaError } from '../errors/erp-delta-error.js';
import type { normalizerSpec } from '../normalize/normalizer.js';

/**
 * `erp-delta entities init`: the entity config a table calls for, drafted from its columns. This
 * module holds the decisions that do not depend on where the columns were read (the database's
 * catalog or a CDC record's schema): names, keys, which columns are left untracked. The
 * type-to-normalizer decisions are in postgres-column-types.ts and connect-column-types.ts, the
 * YAML in entity-draft-yaml.ts.
 */

/** A normalizer with its parameters as a field writes them: input form, so defaults stay unwritten. */
export type NormalizerChoice = z.input<typeof normalizerSpec>;

/** How a column is best tracked, decided from its type alone. */
export interface ColumnChoice {
  normalizer: NormalizerChoice;
  /** The column's type as its source names it (`numeric(12,2)`, `io.debezium.time.ZonedTimestamp`). */
  sourceType: string;
  /** What the reader must know or check about the choice: a placeholder, a guess, a limit. */
  notes: string[];
}

export interface SourceColumn {
  name: string;
  choice: ColumnChoice;
}

/** A table's columns (in table order) and the columns of its CDC topic's key (in key order). */
export interface TableDescription {
  schema: string;
  table: string;
  columns: SourceColumn[];
  keyColumns: string[];
}

export interface DraftField {
  /** The canonical camelCase name the deltas carry. */
  name: string;
  column: string;
  normalizer: NormalizerChoice;
  sourceType: string;
  notes: string[];
  /** Set: the field is drafted commented out, and this says why. */
  untrackedBecause: string | undefined;
}

export interface EntityDraft {
  name: string;
  topic: string;
  deltaTopic: string;
  keyFields: string[];
  keyColumns: string[];
  fields: DraftField[];
  /** Comment lines above the entity: where the columns came from, what to check. */
  header: string[];
}

export interface DraftOptions {
  entityName: string;
  topic: string;
  header: readonly string[];
}

/** The config's rule for entity names (tracker-config.ts): they end up in Avro names and topic names. */
const ENTITY_NAME = /^[a-z][a-z0-9_]*$/;
/** Debezium replaces what a Kafka topic name cannot hold with "_" when it names a table's topic. */
const NOT_IN_TOPIC_NAME = /[^A-Za-z0-9._-]/g;
const TOPIC_NAME = /^[A-Za-z0-9._-]{1,249}$/;

/** `--table schema.table`: both parts are needed, since Debezium's topic and include list name both. */
export function parseTableOption(value: string): { schema: string; table: string } {
  const match = /^([^.\s]+)\.([^.\s]+)$/.exec(value.trim());
  if (!match?.[1] || !match[2]) {
    throw new ErpDeltaError('INVALID_OPTION', `--table "${value}" is not of the form schema.table (for example public.customers).`);
  }
  return { schema: match[1], table: match[2] };
}

/** The entity name: `--name`, else the table's name lowercased, if that is a valid entity name. */
export function entityNameFor(table: string, requested: string | undefined): string {
  if (requested !== undefined) {
    if (!ENTITY_NAME.test(requested)) {
      throw new ErpDeltaError('INVALID_OPTION', `--name "${requested}" is not an entity name: lowercase letters, digits and "_", starting with a letter.`);
    }
    return requested;
  }
  const name = table.toLowerCase();
  if (!ENTITY_NAME.test(name)) {
    throw new ErpDeltaError('INVALID_OPTION', `Table name "${table}" does not make an entity name (lowercase letters, digits and "_", starting with a letter).`, {
      hint: 'Name the entity with --name, for example --name order_lines.',
    });
  }
  return name;
}

/** Debezium's default topic name for a table: `<topic.prefix>.<schema>.<table>`. */
export function cdcTopicName(prefix: string, schema: string, table: string): string {
  return `${prefix}.${schema}.${table}`.replace(NOT_IN_TOPIC_NAME, '_');
}

export function checkTopicName(topic: string): string {
  if (!TOPIC_NAME.test(topic)) {
    throw new ErpDeltaError('INVALID_OPTION', `--topic "${topic}" is not a Kafka topic name: 1-249 letters, digits, ".", "_" or "-".`);
  }
  return topic;
}

/** Latin letters that do not decompose into an ASCII letter and an accent. */
const SPELT_OUT: Readonly<Record<string, string>> = { ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', ł: 'l', đ: 'd', þ: 'th', Æ: 'Ae', Œ: 'Oe', Ø: 'O', Ł: 'L', Đ: 'D', Þ: 'Th' };

/**
 * The canonical field name of a column: camelCase of its words (`sales_rep_code` -> salesRepCode,
 * `UnitPrice` -> unitPrice, `CUSTNO` -> custno). Words are split at anything not a letter or
 * digit and at case changes; accents are dropped and ß, æ, ø and the like spelt out in ASCII;
 * other letters outside ASCII separate words. A name that would start with a digit is prefixed
 * with `field`, one without any word is `field`.
 */
export function canonicalFieldName(column: string): string {
  const ascii = column
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[ßæœøłđþÆŒØŁĐÞ]/g, (letter) => SPELT_OUT[letter] ?? letter);
  let camel = '';
  let digitsEndAt = -1;
  for (const { 0: word, index } of ascii.matchAll(/[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+/g)) {
    // A lowercase word glued to digits belongs to them: 2nd, not 2Nd.
    const gluedToDigits = index === digitsEndAt && /^[a-z]/.test(word);
    camel += camel === '' || gluedToDigits ? word.toLowerCase() : word.charAt(0).toUpperCase() + word.slice(1).toLowerCase();
    digitsEndAt = /^[0-9]/.test(word) ? index + word.length : -1;
  }
  if (camel === '') return 'field';
  return /^[0-9]/.test(camel) ? `field${camel}` : camel;
}

// Audit columns, matched on the name lowercased without separators (updated_at, UpdatedAt and
// UPDATEDAT are one name). A stem from the first lists is an audit column alone or with a
// suffix; one from the second only with a suffix, since `change` or `update` alone may be data.
const TIME_SUFFIXES = ['', 'at', 'on', 'date', 'time', 'ts', 'timestamp', 'datetime', 'dt', 'stamp'] as const;
const WHO_SUFFIXES = ['by', 'user', 'userid'] as const;
const UPDATE_STEMS = ['updated', 'modified', 'changed', 'lastupdated', 'lastmodified', 'lastchanged', 'lastupdate', 'lastmodification', 'lastchange', 'lastmod'] as const;
const UPDATE_STEMS_WITH_SUFFIX = ['update', 'modify', 'modification', 'change', 'mod', 'upd', 'chg'] as const;
const CREATE_STEMS = ['created', 'inserted'] as const;
const CREATE_STEMS_WITH_SUFFIX = ['create', 'creation', 'insert'] as const;
/** Row stamps that many ERPs and SQL Server's rowversion bump on every write. */
const ROW_VERSIONS = ['ts', 'timestamp', 'rowversion', 'rowver', 'rowstamp', 'rowts'] as const;

export const AUDIT_REASONS = {
  updatedWhen: 'an audit column touched by every UPDATE; tracking it would make every update a change',
  updatedBy: 'an audit column naming who last changed the row, set by every UPDATE; tracking it would make an update by another user a change',
  rowVersion: 'a row version bumped by every UPDATE; tracking it would make every update a change',
  created: 'an audit column set once when the row is inserted, not business data; uncomment it if the target wants it',
} as const;

/**
 * Why a column is an audit column that the draft leaves untracked, or undefined for any other
 * column. Decided by name only (the list above): ERPs set these by trigger or by the application,
 * and a name is all the catalog says about that.
 */
export function auditColumnReason(column: string): string | undefined {
  const name = column.toLowerCase().replace(/[^a-z0-9]/g, '');
  const withSuffix = (stems: readonly string[], suffixes: readonly string[]): boolean => stems.some((stem) => suffixes.some((suffix) => name === stem + suffix));
  if ((ROW_VERSIONS as readonly string[]).includes(name)) return AUDIT_REASONS.rowVersion;
  const timeSuffixes = TIME_SUFFIXES.filter((suffix) => suffix !== '');
  if (withSuffix(UPDATE_STEMS, TIME_SUFFIXES) || withSuffix(UPDATE_STEMS_WITH_SUFFIX, timeSuffixes)) return AUDIT_REASONS.updatedWhen;
  if (withSuffix([...UPDATE_STEMS, ...UPDATE_STEMS_WITH_SUFFIX], WHO_SUFFIXES)) return AUDIT_REASONS.updatedBy;
  if (withSuffix(CREATE_STEMS, [...TIME_SUFFIXES, ...WHO_SUFFIXES]) || withSuffix(CREATE_STEMS_WITH_SUFFIX, [...timeSuffixes, ...WHO_SUFFIXES])) {
    return AUDIT_REASONS.created;
  }
  return undefined;
}

/**
 * The entity for a table: every column a field under its canonical name (a name two columns
 * would share gets a number: code, code2), the key columns its key fields in key order, audit
 * columns outside the key drafted untracked. A table without key columns has no entity: a CDC
 * topic without keys cannot be compacted, and erp-delta compares records per key.
 */
export function draftEntity(table: TableDescription, options: DraftOptions): EntityDraft {
  const qualified = `${table.schema}.${table.table}`;
  if (table.keyColumns.length === 0) {
    throw new ErpDeltaError('TABLE_WITHOUT_KEY', `Table ${qualified} has no primary key: erp-delta compares records per key, and Debezium keys the CDC topic by it.`, {
      hint: `Add a primary key to ${qualified}, or set the connector's message.key.columns (for example "${qualified}:<column>,<column>") to the columns that identify a row.`,
    });
  }
  const taken = new Set<string>();
  const fields = table.columns.map((column): DraftField => {
    const base = canonicalFieldName(column.name);
    let name = base;
    for (let suffix = 2; taken.has(name); suffix += 1) name = `${base}${suffix}`;
    taken.add(name);
    const isKey = table.keyColumns.includes(column.name);
    return {
      name,
      column: column.name,
      normalizer: column.choice.normalizer,
      sourceType: column.choice.sourceType,
      notes: column.choice.notes,
      untrackedBecause: isKey ? undefined : auditColumnReason(column.name),
    };
  });
  const keyFields = table.keyColumns.map((keyColumn) => {
    const field = fields.find((candidate) => candidate.column === keyColumn);
    if (field === undefined) {
      throw new ErpDeltaError('TABLE_WITHOUT_KEY', `Key column "${keyColumn}" of ${qualified} is not among its columns (${table.columns.map((column) => column.name).join(', ')}).`, {
        hint: "Check the connector's message.key.columns for this table.",
      });
    }
    return field.name;
  });
  return {
    name: options.entityName,
    topic: options.topic,
    deltaTopic: `${CONFIG_DEFAULTS.deltaTopicPrefix}${options.entityName}`,
    keyFields,
    keyColumns: [...table.keyColumns],
    fields,
    header: [...options.header],
  };
}
