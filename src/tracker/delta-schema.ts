import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ASSIGNED_USER_FIELD, type EntityConfig } from '../config/tracker-config.js';
import type { NormalizerName } from '../normalize/normalizer.js';
import { projectFiles } from '../project-files.js';
import { DELTA_REASONS } from './delta.js';

/** How each normalizer's canonical value is written in Avro. */
const AVRO_TYPE: Record<NormalizerName, 'string' | 'long' | 'boolean'> = {
  text: 'string', decimal: 'string', date: 'string', timestamp: 'string', integer: 'long', boolean: 'boolean',
  time: 'string', json: 'string', uuid: 'string', bytes: 'string',
};

/**
 * The Avro schema of an entity's deltas. The entities of the shipped config have a curated,
 * documented schema in schemas/<entity>.avsc; an entity a user adds gets one generated from its
 * config with the same envelope, so adding an entity needs no Avro file.
 */
export function deltaSchemaFor(entity: EntityConfig, withAssignedUser: boolean): object {
  const file = join(projectFiles.schemasDir, `${entity.name}.avsc`);
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as object;
  return generatedDeltaSchema(entity, withAssignedUser);
}

export function generatedDeltaSchema(entity: EntityConfig, withAssignedUser: boolean): object {
  const typeName = entity.name.replace(/(^|[^A-Za-z0-9])([A-Za-z0-9])/g, (_match, _separator, letter: string) => letter.toUpperCase());
  const dataFields: object[] = Object.entries(entity.fields).map(([name, field]) => (entity.keyFields.includes(name)
    ? { name, type: AVRO_TYPE[field.normalizer] }
    : { name, type: ['null', AVRO_TYPE[field.normalizer]], default: null }));
  if (withAssignedUser) dataFields.push({ name: ASSIGNED_USER_FIELD, type: ['null', 'string'], default: null });
  return {
    type: 'record',
    name: `${typeName}Delta`,
    namespace: 'erp_delta',
    doc: `A delta of entity ${entity.name}, generated from the config.`,
    fields: [
      { name: 'op', type: { type: 'enum', name: 'DeltaOp', symbols: ['UPSERT', 'DELETE'] } },
      { name: 'reason', type: { type: 'enum', name: 'DeltaReason', symbols: DELTA_REASONS } },
      { name: 'changedFields', type: { type: 'array', items: 'string' } },
      { name: 'key', type: 'string' },
      { name: 'data', type: ['null', { type: 'record', name: `${typeName}Record`, fields: dataFields }], default: null },
      {
        name: 'source',
        type: {
          type: 'record',
          name: 'DeltaSource',
          fields: [
            { name: 'topic', type: 'string' }, { name: 'partition', type: 'int' }, { name: 'offset', type: 'long' }, { name: 'tsMs', type: 'long' },
            // The source position (DESIGN guarantee 7): added later, so optional for the schemas' compatibility.
            { name: 'connector', type: ['null', 'string'], default: null },
            { name: 'position', type: ['null', 'string'], default: null },
            { name: 'epoch', type: 'int', default: 0 },
          ],
        },
      },
      { name: 'emittedAtMs', type: 'long' },
    ],
  };
}
