import { readFileSync } from 'node:fs';
import { ErpDeltaError } from '../errors/erp-delta-error.js';

const REFERENCE = /^\$\{(env|file):([^}]+)\}$/;

/**
 * A config value that names where a secret is, so that the secret is never in the config file:
 * `${env:NAME}` (an environment variable) or `${file:PATH}` (a file's content, a trailing newline
 * trimmed), as the whole value. Any other value is the value itself. `key` names the config key
 * in the error when the variable is not set or the file cannot be read; the secret itself is
 * never in a message.
 */
export function resolveSecretReference(value: string, key: string): string {
  const match = REFERENCE.exec(value);
  if (!match) return value;
  const [, kind, name] = match as unknown as [string, 'env' | 'file', string];
  if (kind === 'env') {
    const found = process.env[name];
    if (found === undefined) throw new ErpDeltaError('INVALID_CONFIG', `${key} names the environment variable ${name}, which is not set.`, { hint: `Set ${name} in erp-delta's environment.` });
    return found;
  }
  try {
    return readFileSync(name, 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    throw new ErpDeltaError('INVALID_CONFIG', `${key} names the file ${name}, which cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`, { cause: error });
  }
}
