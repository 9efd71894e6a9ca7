import type { z } from 'zod';

/**
 * What the config schema says about a place in the config, read from the schema itself so that a
 * key added to it is known here without a second list to keep in step. Used before validation,
 * where a value comes from outside the file: an environment variable names a key
 * (env-overrides.ts), and a text from the environment or a file is read as the key needs it
 * (config-values.ts).
 *
 * Through zod's documented surface for libraries that walk schemas (`_zod.def`, narrowed by
 * `type`): wrappers (optional, default, nullable, pipe ...) are looked through, a union offers what
 * any of its options offers.
 */
export type ConfigPath = ReadonlyArray<string | number>;

/** The JSON type of a value; `any` where the schema takes every value (a row filter's `equals`). */
export type ValueKind = 'text' | 'number' | 'boolean' | 'null' | 'list' | 'map' | 'any';

/** The keys a map at a path may hold: `names` from the schema, or `open` (any name: entities, headers). */
export interface KeysAt {
  names: string[];
  open: boolean;
}

type Schema = z.core.$ZodType;

/** The schemas a value at `path` is checked against (several under a union); none: no such key. */
export function schemasAt(root: Schema, path: ConfigPath): Schema[] {
  let current = [root];
  for (const segment of path) current = current.flatMap((schema) => childSchemas(schema, segment));
  return current;
}

/** The kinds of value a key takes; empty when the path is no key. */
export function kindsAt(root: Schema, path: ConfigPath): Set<ValueKind> {
  return new Set(schemasAt(root, path).flatMap((schema) => kindsOf(schema)));
}

export function keysAt(root: Schema, path: ConfigPath): KeysAt {
  const keys: KeysAt = { names: [], open: false };
  for (const schema of schemasAt(root, path)) collectKeys(schema, keys);
  keys.names = [...new Set(keys.names)];
  return keys;
}

function def(schema: Schema): z.core.$ZodTypes['_zod']['def'] {
  return (schema as z.core.$ZodTypes)._zod.def;
}

function childSchemas(schema: Schema, segment: string | number): Schema[] {
  const d = def(schema);
  switch (d.type) {
    case 'object': {
      const child = typeof segment === 'string' && Object.hasOwn(d.shape, segment) ? d.shape[segment] : undefined;
      return child === undefined ? [] : [child];
    }
    case 'record':
    case 'map':
      return [d.valueType];
    case 'array':
      return typeof segment === 'number' ? [d.element] : [];
    case 'tuple': {
      const item = typeof segment === 'number' ? d.items[segment] : undefined;
      return item === undefined ? (d.rest === null || typeof segment !== 'number' ? [] : [d.rest]) : [item];
    }
    case 'union':
      return d.options.flatMap((option) => childSchemas(option, segment));
    case 'intersection':
      return [...childSchemas(d.left, segment), ...childSchemas(d.right, segment)];
    case 'any':
    case 'unknown':
      return [schema];
    default: {
      const inner = wrapped(schema);
      return inner === undefined ? [] : childSchemas(inner, segment);
    }
  }
}

function kindsOf(schema: Schema): ValueKind[] {
  const d = def(schema);
  switch (d.type) {
    case 'string':
    case 'enum':
    case 'template_literal':
      return ['text'];
    case 'number':
    case 'bigint':
    case 'nan':
      return ['number'];
    case 'boolean':
      return ['boolean'];
    case 'null':
      return ['null'];
    case 'literal':
      return d.values.map((value) => (value === null ? 'null' : typeof value === 'string' ? 'text' : typeof value === 'boolean' ? 'boolean' : 'number'));
    case 'array':
    case 'tuple':
    case 'set':
      return ['list'];
    case 'object':
    case 'record':
    case 'map':
      return ['map'];
    case 'nullable':
      return ['null', ...kindsOf(d.innerType)];
    case 'union':
      return d.options.flatMap((option) => kindsOf(option));
    case 'intersection':
      return [...kindsOf(d.left), ...kindsOf(d.right)];
    default: {
      const inner = wrapped(schema);
      return inner === undefined ? ['any'] : kindsOf(inner);
    }
  }
}

function collectKeys(schema: Schema, keys: KeysAt): void {
  const d = def(schema);
  switch (d.type) {
    case 'object':
      keys.names.push(...Object.keys(d.shape));
      // A strict object's catchall is `never`; a loose one takes any key.
      if (d.catchall !== undefined && def(d.catchall).type !== 'never') keys.open = true;
      return;
    case 'record':
    case 'map':
    case 'any':
    case 'unknown':
      keys.open = true;
      return;
    case 'union':
      for (const option of d.options) collectKeys(option, keys);
      return;
    case 'intersection':
      collectKeys(d.left, keys);
      collectKeys(d.right, keys);
      return;
    default: {
      const inner = wrapped(schema);
      if (inner !== undefined) collectKeys(inner, keys);
    }
  }
}

/** The schema inside a wrapper that changes nothing about the shape of the value it takes. */
function wrapped(schema: Schema): Schema | undefined {
  const d = def(schema);
  switch (d.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'nonoptional':
    case 'readonly':
    case 'catch':
    case 'success':
      return d.innerType;
    case 'pipe':
      return d.in;
    case 'lazy':
      return d.getter();
    default:
      return undefined;
  }
}
