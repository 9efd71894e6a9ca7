import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

/**
 * Files that ship with erp-delta (the stack's pom, the sample ERP schema, connectors, Avro schemas).
 * Resolved from this module's location, which sits one level under the package root both as
 * source (src/) and compiled (dist/), so it works from a checkout and from an installed package.
 */
const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

export const projectFiles = {
  root: packageRoot,
  stackPom: join(packageRoot, 'stack', 'pom.xml'),
  erpSchemaSql: join(packageRoot, 'stack', 'erp', 'schema.sql'),
  erpSeedSql: join(packageRoot, 'stack', 'erp', 'seed.sql'),
  connectorsDir: join(packageRoot, 'connectors'),
  defaultConfig: join(packageRoot, 'config', 'erp-delta.yaml'),
  dockerCompose: join(packageRoot, 'docker-compose.yml'),
} as const;
