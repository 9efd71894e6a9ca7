import { ErpDeltaError } from '../errors/erp-delta-error.js';
import { ASSIGNED_USER_FIELD, type AssignmentConfig, type EntityConfig, type TrackerConfig } from '../config/tracker-config.js';
import { createNormalizer, type Normalizer } from '../normalize/normalizer.js';
import { rowFilter, type RowFilter } from './row-filter.js';

export interface TrackedField {
  /** Canonical camelCase name, as in deltas. */
  name: string;
  /** Source column it is read from. */
  column: string;
  normalize: Normalizer;
}

/**
 * An entity from the config, ready for the hot path: normalizers built once, fields in order.
 * The config stays plain data (printable, comparable); this is what decode-to-delta code uses.
 */
export interface TrackedEntity {
  name: string;
  topic: string;
  deltaTopic: string;
  /** Tracked fields read from source columns, in config order. */
  fields: readonly TrackedField[];
  /** The key fields, in keyFields order: the order the Kafka key writes them. */
  keyFields: readonly TrackedField[];
  /**
   * Every field of the desired record, in the order deltas list them: the tracked fields, then the
   * fields the tracker derives (assignedUserId for the assignment entity).
   */
  recordFields: readonly string[];
  /**
   * The rows the entity keeps (config `filter`, row-filter.ts); undefined: every row, and the hot
   * path tests nothing.
   */
  filter?: RowFilter | undefined;
}

export function trackedEntity(config: EntityConfig, assignment?: AssignmentConfig): TrackedEntity {
  const fields = Object.entries(config.fields).map(([name, field]) => ({ name, column: field.column, normalize: createNormalizer(name, field) }));
  const byName = new Map(fields.map((field) => [field.name, field]));
  const keyFields = config.keyFields.map((name) => {
    const field = byName.get(name);
    // parseConfig refuses such a config; this guards a hand-built EntityConfig.
    if (field === undefined) throw new ErpDeltaError('INVALID_CONFIG', `"entities.${config.name}.keyFields": "${name}" is not among the entity's fields.`);
    return field;
  });
  const derived = assignment?.entity === config.name ? [ASSIGNED_USER_FIELD] : [];
  return {
    name: config.name,
    topic: config.topic,
    deltaTopic: config.deltaTopic,
    fields,
    keyFields,
    recordFields: [...fields.map((field) => field.name), ...derived],
    ...(config.filter === undefined
      ? {}
      : {
          filter: rowFilter(
            config.name,
            fields.map((field) => field.name),
            config.filter,
          ),
        }),
  };
}

export function trackedEntities(config: TrackerConfig): TrackedEntity[] {
  return Object.values(config.entities).map((entity) => trackedEntity(entity, config.assignment));
}
