import { loadConfig } from '../../src/config/load-config.js';
import { trackedEntities, type TrackedEntity } from '../../src/model/tracked-entity.js';

const entities = new Map(trackedEntities(loadConfig()).map((entity) => [entity.name, entity]));

/** An entity of the shipped default config (config/erp-delta.yaml), which serves the sample ERP. */
export function defaultEntity(name: 'customers' | 'products' | 'stock_levels'): TrackedEntity {
  const entity = entities.get(name);
  if (!entity) throw new Error(`the default config has no entity ${name}`);
  return entity;
}
