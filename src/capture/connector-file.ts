import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ErpDeltaError } from '../errors/erp-delta-error.js';

/** A Debezium connector as it is kept in connectors/*.json: Kafka Connect's own create format. */
export interface ConnectorDefinition {
  name: string;
  config: Record<string, string>;
  file: string;
}

const connectorFileSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" and "-" only'),
  config: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
});

const PLACEHOLDER = /\$\{([A-Za-z0-9_.-]+)\}/g;

export function loadConnectorFiles(dir: string): ConnectorDefinition[] {
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort();
  if (files.length === 0) {
    throw new ErpDeltaError('CONNECTOR_FILE_INVALID', `No connector files (*.json) in ${dir}.`);
  }
  return files.map((name) => parseConnectorFile(join(dir, name), readFileSync(join(dir, name), 'utf8')));
}

export function parseConnectorFile(file: string, text: string): ConnectorDefinition {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ErpDeltaError('CONNECTOR_FILE_INVALID', `${file} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = connectorFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ErpDeltaError('CONNECTOR_FILE_INVALID', `${file}: "${issue?.path.join('.') || '(root)'}" ${issue?.message ?? 'is invalid'}`);
  }
  const config = Object.fromEntries(Object.entries(parsed.data.config).map(([key, value]) => [key, String(value)]));
  return { name: parsed.data.name, config, file };
}

/**
 * Replaces `${name}` placeholders with the endpoints of the stack in use. An unknown placeholder
 * is an error rather than a literal "${...}" sent to Connect, where it would fail much later.
 */
export function fillPlaceholders(connector: ConnectorDefinition, values: Readonly<Record<string, string>>): ConnectorDefinition {
  const config: Record<string, string> = {};
  for (const [key, raw] of Object.entries(connector.config)) {
    config[key] = raw.replace(PLACEHOLDER, (_match, name: string) => {
      const value = values[name];
      if (value === undefined) {
        throw new ErpDeltaError('CONNECTOR_PLACEHOLDER_UNKNOWN', `${connector.file}: "${key}" uses \${${name}}, which has no value. Known: ${Object.keys(values).sort().join(', ')}.`, {
          hint: `Pass it with --set ${name}=<value>.`,
        });
      }
      return value;
    });
  }
  return { ...connector, config };
}
