import type { z } from 'zod';
import { ErpDeltaError } from '../errors/erp-delta-error.js';
import { keyName, readTextAs } from './config-references.js';
import { keysAt, kindsAt } from './config-shape.js';

/**
 * Every variable that starts with this overrides a config key (12-factor: one image, one config
 * file, a few variables per environment). Two underscores after ERP_DELTA, as between levels, so
 * that erp-delta's other variables (ERP_DELTA_STACK_DIR, LOG_LEVEL) are never read as keys, and a
 * variable of this form that names no key is an error rather than a setting silently ignored.
 */
export const OVERRIDE_PREFIX = 'ERP_DELTA__';

const LEVELS = '__';

export interface EnvOverride {
  variable: string;
  /** The key it sets, spelled as in the config: `['entities', 'products', 'deltaTopic']`. */
  path: string[];
}

export interface OverriddenConfig {
  config: unknown;
  /** In the order applied: a map before the keys inside it. */
  overrides: EnvOverride[];
}

/**
 * The config as read from its file, with each `ERP_DELTA__…` variable of `env` applied, before
 * validation (so that a bad value is reported under its key) and before references are resolved
 * (so that a variable may hold `${file:/run/secrets/x}`). The rule:
 *
 * - `ERP_DELTA__` then the key path, levels separated by `__`: `ERP_DELTA__KAFKA__BROKERS` is
 *   `kafka.brokers`, `ERP_DELTA__ENTITIES__PRODUCTS__TOPIC` is `entities.products.topic`;
 * - keys are matched without regard to case (`CLIENTID` is `clientId`); a name of your own (an
 *   entity, a field, a header) matches the one in the file in any case, and a new one is taken as
 *   written, in lower case if written all in capitals;
 * - the value is text for a key that takes text, and read as YAML otherwise (readTextAs), so a list
 *   or a map is set whole: `ERP_DELTA__KAFKA__BROKERS='["a:9092","b:9092"]'`;
 * - a variable replaces the value of its key; a map set whole is applied before the keys inside it.
 *
 * A variable that names no key, or goes into a list or a value, is an error naming the variable.
 * No message holds a variable's value.
 */
export function applyEnvOverrides(input: unknown, env: NodeJS.ProcessEnv, schema: z.core.$ZodType): OverriddenConfig {
  const variables = Object.keys(env)
    .filter((name) => name.startsWith(OVERRIDE_PREFIX) && env[name] !== undefined)
    .map((name) => ({ name, segments: name.slice(OVERRIDE_PREFIX.length).split(LEVELS) }))
    .sort((a, b) => a.segments.length - b.segments.length || a.name.localeCompare(b.name));
  let config: unknown = input ?? {};
  const overrides: EnvOverride[] = [];
  const setBy = new Map<string, string>();
  for (const { name, segments } of variables) {
    const path = keyPath(config, schema, name, segments);
    const earlier = setBy.get(keyName(path));
    if (earlier !== undefined) throw overrideError(`${name} and ${earlier} both set ${keyName(path)}: keep one.`);
    setBy.set(keyName(path), name);
    config = setAt(config, path, readTextAs(kindsAt(schema, path), env[name] as string));
    overrides.push({ variable: name, path });
  }
  return { config, overrides };
}

/** The key a variable names, each level matched against the schema (and the file, for names of your own). */
function keyPath(config: unknown, schema: z.core.$ZodType, variable: string, segments: readonly string[]): string[] {
  const path: string[] = [];
  for (const segment of segments) {
    if (segment === '') throw overrideError(`${variable} has an empty level: levels are separated by exactly two underscores, as in ERP_DELTA__KAFKA__BROKERS.`);
    const keys = keysAt(schema, path);
    const known = keys.names.find((key) => key.toLowerCase() === segment.toLowerCase());
    if (known !== undefined) {
      path.push(known);
      continue;
    }
    if (!keys.open) throw overrideError(`${variable} names ${keyName([...path, segment.toLowerCase()])}, ${whyNotAKey(schema, path, keys.names)}`);
    const existing = valueAt(config, path);
    const mine = typeof existing === 'object' && existing !== null && !Array.isArray(existing) ? Object.keys(existing).find((key) => key.toLowerCase() === segment.toLowerCase()) : undefined;
    path.push(mine ?? (segment === segment.toUpperCase() ? segment.toLowerCase() : segment));
  }
  if (path.length === 0) throw overrideError(`${variable} names no key: add the key path after ${OVERRIDE_PREFIX}, as in ERP_DELTA__KAFKA__BROKERS.`);
  return path;
}

function whyNotAKey(schema: z.core.$ZodType, parent: string[], names: readonly string[]): string {
  const where = parent.length === 0 ? 'the config' : keyName(parent);
  if (names.length > 0) return `which is not a config key: ${where} holds ${names.join(', ')}.`;
  const kinds = kindsAt(schema, parent);
  if (kinds.has('list')) return `but ${where} is a list: set it whole, as in ${OVERRIDE_PREFIX}${parent.map((key) => key.toUpperCase()).join(LEVELS)}='["a","b"]'.`;
  return `but ${where} takes a value, not keys.`;
}

function valueAt(config: unknown, path: readonly string[]): unknown {
  let value = config;
  for (const key of path) value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  return value;
}

/** A copy of `config` with `value` at `path`; a level that is no map (absent, null) becomes one. */
function setAt(config: unknown, path: readonly string[], value: unknown): unknown {
  const [key, ...rest] = path;
  if (key === undefined) return value;
  const map = typeof config === 'object' && config !== null && !Array.isArray(config) ? (config as Record<string, unknown>) : {};
  return { ...map, [key]: setAt(map[key], rest, value) };
}

function overrideError(message: string): ErpDeltaError {
  return new ErpDeltaError('INVALID_CONFIG', message, { hint: 'A variable that starts with ERP_DELTA__ sets a config key (docs/configuration.md, "Environment variables").' });
}
