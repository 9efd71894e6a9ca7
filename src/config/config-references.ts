import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { ErpDeltaError } from '../errors/erp-delta-error.js';
import { kindsAt, type ValueKind } from './config-shape.js';
import { parseSecretReference, readSecretReference } from './secret-reference.js';

/** A config key path as messages and `config print` write it: `kafka.sasl.password`, `kafka.brokers.0`. */
export function keyName(path: ReadonlyArray<PropertyKey>): string {
  return path.map(String).join('.');
}

export interface ResolvedReferences {
  /** The config with each reference replaced by what it names, read as its key needs (readTextAs). */
  config: unknown;
  /** Key path -> the reference as written, for every reference found (resolved or not). */
  references: Map<string, string>;
  /** With `keepUnresolved`: one line per reference that could not be read, left as written. */
  unresolved: string[];
}

export interface ResolveOptions {
  env?: NodeJS.ProcessEnv;
  /**
   * Leave a reference that cannot be read as it is written, and say so in `unresolved`, rather
   * than fail: `config print` on a machine without the secrets.
   */
  keepUnresolved?: boolean;
}

/**
 * Resolves every `${env:NAME}` and `${file:PATH}` of a config as read from its file (any key, any
 * depth, in lists too), once, before validation: so that any key may come from the environment or
 * a file, and validation checks the value erp-delta will run with. Every reference that cannot be
 * read is reported at once, each naming its key; no message holds a value. A reference's value is
 * not searched for references in turn.
 */
export function resolveReferences(input: unknown, schema: z.core.$ZodType, options: ResolveOptions = {}): ResolvedReferences {
  const references = new Map<string, string>();
  const problems: string[] = [];
  const visit = (value: unknown, path: Array<string | number>): unknown => {
    if (typeof value === 'string') {
      const reference = parseSecretReference(value);
      if (reference === undefined) return value;
      references.set(keyName(path), reference.written);
      try {
        return readTextAs(kindsAt(schema, path), readSecretReference(reference, keyName(path), options.env));
      } catch (error) {
        if (!(error instanceof ErpDeltaError)) throw error;
        problems.push(error.message);
        return value;
      }
    }
    if (Array.isArray(value)) return value.map((item, index) => visit(item, [...path, index]));
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, visit(inner, [...path, key])]));
    }
    return value;
  };
  const config = visit(input, []);
  if (problems.length > 0 && options.keepUnresolved !== true) {
    throw new ErpDeltaError('INVALID_CONFIG', problems.length === 1 ? (problems[0] as string) : `${problems.length} config values cannot be read:\n  ${problems.join('\n  ')}`);
  }
  return { config, references, unresolved: options.keepUnresolved === true ? problems : [] };
}

/**
 * A text from outside the config file (a reference's value, an environment variable) as the key
 * needs it. A key that takes text gets the text exactly as it is: a password is never changed by
 * a YAML rule (`0123`, `yes`, `a # b`, quotes). A key that takes no text (a number, true or false,
 * null, a list, a map) gets the text read as YAML: `9464`, `true`, `null`, `["a:9092","b:9092"]`,
 * `{Authorization: "${env:TOKEN}"}`. Text that is not YAML stays text, and validation names the
 * key. A key the schema does not know (a typo) gets the text, and validation refuses the key.
 */
export function readTextAs(kinds: ReadonlySet<ValueKind>, text: string): unknown {
  if (kinds.size === 0 || kinds.has('text') || kinds.has('any')) return text;
  try {
    return parseYaml(text);
  } catch {
    return text;
  }
}
