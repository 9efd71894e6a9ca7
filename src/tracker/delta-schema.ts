import { ASSIGNED_USER_FIELD, type EntityConfig, type FieldConfig } from '../config/tracker-config.js';
import type { NormalizerName } from '../normalize/normalizer.js';
import { DELTA_REASONS } from '../model/delta.js';

/** How each normalizer's canonical value is written in Avro. */
export const AVRO_TYPE: Record<NormalizerName, 'string' | 'long' | 'boolean'> = {
  text: 'string',
  decimal: 'string',
  date: 'string',
  timestamp: 'string',
  integer: 'long',
  boolean: 'boolean',
  time: 'string',
  json: 'string',
  uuid: 'string',
  bytes: 'string',
};

/** An Avro field as erp-delta writes it (the subset of Avro's schema JSON it uses). */
export interface AvroField {
  name: string;
  type: unknown;
  default?: unknown;
  doc?: string;
}

/**
 * The Avro schema of an entity's deltas, generated from its config (DESIGN guarantee 8): every
 * tracked field is in it, so what the config tracks is what the target receives, and a config
 * change is a schema change that the registry checks for compatibility at start-up.
 *
 * Compatibility is what shapes it:
 * - key fields are required (never null), so renaming one is an incompatible change;
 * - every other field is optional (a null union with default null), so adding or removing one is
 *   a compatible evolution and old deltas still decode;
 * - record names are fixed: Avro resolves records by name, so renaming one breaks every reader.
 *   The data record's name is the entity's `recordName` (default `<Entity>Record`).
 */
export function deltaSchemaFor(entity: EntityConfig, withAssignedUser: boolean): { type: 'record'; name: string; fields: AvroField[] } & Record<string, unknown> {
  const typeName = pascalCase(entity.name);
  const dataFields: AvroField[] = Object.entries(entity.fields).map(([name, field]) => dataField(name, field, entity.keyFields.includes(name)));
  if (withAssignedUser) {
    dataFields.push({
      name: ASSIGNED_USER_FIELD,
      type: ['null', 'string'],
      default: null,
      doc: 'The platform user the assignment mapping gives the sales rep; null when unassigned.',
    });
  }
  return {
    type: 'record',
    name: `${typeName}Delta`,
    namespace: 'erp_delta',
    doc: `A delta of entity ${entity.name}: an UPSERT with the whole desired record, or a DELETE (data null). Kafka key: the entity key as a string. Generated from erp-delta's config.`,
    fields: [
      { name: 'op', type: { type: 'enum', name: 'DeltaOp', symbols: ['UPSERT', 'DELETE'] } },
      { name: 'reason', doc: 'Why it was emitted.', type: { type: 'enum', name: 'DeltaReason', symbols: DELTA_REASONS } },
      {
        name: 'changedFields',
        doc: "Fields that differ from the previously emitted record, in the order of data's fields; every field for a new key; empty for a DELETE.",
        type: { type: 'array', items: 'string' },
      },
      {
        name: 'key',
        doc: "The entity key: the key field's value, or a JSON array of the key fields' values for a composite key.",
        type: 'string',
      },
      {
        name: 'data',
        doc: 'The record; null for a DELETE.',
        type: ['null', { type: 'record', name: entity.recordName ?? `${typeName}Record`, doc: `A record of entity ${entity.name} as the target receives it.`, fields: dataFields }],
        default: null,
      },
      {
        name: 'source',
        doc: 'The CDC record this delta answers.',
        type: {
          type: 'record',
          name: 'DeltaSource',
          fields: [
            { name: 'topic', type: 'string' },
            { name: 'partition', type: 'int' },
            { name: 'offset', type: 'long' },
            { name: 'tsMs', doc: 'When the change happened in the database, epoch millis.', type: 'long' },
            // The source position (DESIGN guarantee 7): added later, so optional for the schemas' compatibility.
            {
              name: 'connector',
              doc: 'The Debezium connector that read the change (its source.connector: postgresql, mysql, mariadb, sqlserver, oracle); null when the CDC record named no usable source position.',
              type: ['null', 'string'],
              default: null,
            },
            {
              name: 'position',
              doc: "Where the ERP wrote the change, as text that sorts in the database's order within one connector and epoch (erp-delta's source position); null with connector.",
              type: ['null', 'string'],
              default: null,
            },
            {
              name: 'epoch',
              doc: 'The source epoch of the position: positions of different epochs are not compared (erp-delta capture reset).',
              type: 'int',
              default: 0,
            },
          ],
        },
      },
      { name: 'emittedAtMs', type: 'long' },
    ],
  };
}

function dataField(name: string, field: FieldConfig, isKey: boolean): AvroField {
  const doc = [field.doc, `${isKey ? 'Key field. ' : ''}Column ${field.column}: ${canonicalForm(field)}.`].filter(Boolean).join(' ');
  const type = AVRO_TYPE[field.normalizer];
  return isKey ? { name, type, doc } : { name, type: ['null', type], default: null, doc };
}

/** What the target receives for a field, in the words of the normalizer's own documentation. */
function canonicalForm(field: FieldConfig): string {
  switch (field.normalizer) {
    case 'text':
      return `text, trimmed${field.case ? `, ${field.case} case` : ''}${field.emptyIsNull ? ', empty as null' : ''}`;
    case 'decimal':
      return `a decimal as text with exactly ${field.scale} fraction digits`;
    case 'integer':
      return 'an integer';
    case 'boolean':
      return 'a boolean';
    case 'date':
      return 'a date, YYYY-MM-DD';
    case 'timestamp':
      return `an instant in UTC, ISO 8601 with milliseconds${field.zone ? ` (the column holds local time in ${field.zone})` : ''}`;
    case 'time':
      return 'a time of day, HH:MM:SS.mmm';
    case 'json':
      return 'a JSON document as canonical text (members sorted, no spacing)';
    case 'uuid':
      return 'a UUID, lower case';
    case 'bytes':
      return `bytes as ${field.encoding} text`;
  }
}

/** `stock_levels` -> `StockLevels`: an Avro name from an entity name. */
function pascalCase(name: string): string {
  return name.replace(/(^|[^A-Za-z0-9])([A-Za-z0-9])/g, (_match, _separator, letter: string) => letter.toUpperCase());
}

/** The data record's fields of a delta schema (generated, or as a registry returns it). */
export function dataFieldsOf(schema: { fields?: readonly AvroField[] }): readonly AvroField[] {
  const data = schema.fields?.find((field) => field.name === 'data');
  const record = Array.isArray(data?.type) ? (data.type as unknown[]).find(isRecordSchema) : undefined;
  return record?.fields ?? [];
}

function isRecordSchema(type: unknown): type is { type: 'record'; name: string; fields: AvroField[] } {
  return typeof type === 'object' && type !== null && (type as { type?: unknown }).type === 'record';
}

/** The fields of `recordFields` that a delta schema's data record does not have. */
export function fieldsMissingFrom(schema: { fields?: readonly AvroField[] }, recordFields: readonly string[]): string[] {
  const present = new Set(dataFieldsOf(schema).map((field) => field.name));
  return recordFields.filter((name) => !present.has(name));
}

/**
 * What makes `proposed` a breaking change to `registered`, field by field, in the words a user
 * fixes the config with. A registry's refusal says that the schemas are incompatible, seldom which
 * field makes them so; this names it. Empty when the data records differ only compatibly.
 */
export function incompatibleChanges(registered: { name?: string; fields?: readonly AvroField[] }, proposed: { name?: string; fields?: readonly AvroField[] }): string[] {
  const changes: string[] = [];
  const before = new Map(dataFieldsOf(registered).map((field) => [field.name, field]));
  const after = dataFieldsOf(proposed);
  for (const field of after) {
    const old = before.get(field.name);
    if (old === undefined) {
      if (!('default' in field)) changes.push(`field "${field.name}" is new and required (a key field): deltas written before it cannot fill it`);
    } else if (JSON.stringify(old.type) !== JSON.stringify(field.type)) {
      changes.push(`field "${field.name}" was ${JSON.stringify(old.type)} and would be ${JSON.stringify(field.type)}`);
    }
  }
  const kept = new Set(after.map((field) => field.name));
  for (const [name, field] of before) {
    if (!kept.has(name) && !('default' in field)) changes.push(`key field "${name}" is no longer in the config (renamed?)`);
  }
  const recordName = (schema: typeof registered): string | undefined => {
    const data = schema.fields?.find((field) => field.name === 'data');
    return Array.isArray(data?.type) ? (data.type as unknown[]).find(isRecordSchema)?.name : undefined;
  };
  const [oldName, newName] = [recordName(registered), recordName(proposed)];
  if (oldName !== undefined && newName !== undefined && oldName.split('.').pop() !== newName.split('.').pop()) {
    changes.push(`the data record was named ${oldName} and would be ${newName} (set recordName: ${oldName.split('.').pop() ?? oldName})`);
  }
  if (registered.name !== undefined && proposed.name !== undefined && registered.name.split('.').pop() !== proposed.name.split('.').pop()) {
    changes.push(`the delta record was named ${registered.name} and would be ${proposed.name} (the entity was renamed?)`);
  }
  return changes;
}
