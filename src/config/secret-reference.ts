import { readFileSync } from 'node:fs';
import { ErpDeltaError } from '../errors/erp-delta-error.js';

const REFERENCE = /^\$\{(env|file):([^}]+)\}$/;

/**
 * A config value that says where its value is, so that a secret (or anything that differs between
 * environments) is not in the config file: `${env:NAME}` (an environment variable) or
 * `${file:PATH}` (a file's content, a trailing newline trimmed), as the whole value. Anything else,
 * `Bearer ${env:X}` included, is a value of its own: no escaping rules to learn.
 */
export interface SecretReference {
  kind: 'env' | 'file';
  /** The variable's name or the file's path. */
  name: string;
  /** The reference as written, which is what `config print` shows. */
  written: string;
}

export function parseSecretReference(value: string): SecretReference | undefined {
  const match = REFERENCE.exec(value);
  if (!match) return undefined;
  const [, kind, name] = match as unknown as [string, 'env' | 'file', string];
  return { kind, name, written: value };
}

/**
 * What a reference names. `key` names the config key in the error when the variable is not set or
 * the file cannot be read: one line, which names the variable or the file, and never holds a
 * value (a file's error is its code, ENOENT or EACCES, not its text).
 */
export function readSecretReference(reference: SecretReference, key: string, env: NodeJS.ProcessEnv = process.env): string {
  if (reference.kind === 'env') {
    const found = env[reference.name];
    if (found === undefined) throw new ErpDeltaError('INVALID_CONFIG', `${key} names the environment variable ${reference.name}, which is not set.`);
    return found;
  }
  try {
    return readFileSync(reference.name, 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    throw new ErpDeltaError('INVALID_CONFIG', `${key} names the file ${reference.name}, which cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`, { cause: error });
  }
}

/**
 * A value resolved if it is a reference, else the value itself. The config loader resolves every
 * value of the config once (config-references.ts); this is for a value that is not from it.
 */
export function resolveSecretReference(value: string, key: string): string {
  const reference = parseSecretReference(value);
  return reference === undefined ? value : readSecretReference(reference, key);
}
