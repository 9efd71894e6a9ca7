import { keyName } from './config-references.js';
import { isSecretPath, MASKED } from './secret-keys.js';
import type { TrackerConfig } from './tracker-config.js';

export { MASKED };

const REFERENCE = /^\$\{(env|file):[^}]+\}$/;

/**
 * The validated config with its defaults, as `erp-delta config print` and `config check` show it,
 * with every secret masked: a value whose key makes it a secret (secret-keys.ts: passwords,
 * tokens, every header value, SASL's secrets), a PEM private key written inline, and the password
 * of a URL's user info, wherever they sit. A value read from a `${env:NAME}` or `${file:PATH}`
 * reference (`references`: key path -> the reference, from the loader) is shown as the reference,
 * whatever its key: it says where the value is, and the value is not in the config.
 */
export function maskedConfig(config: TrackerConfig, references: ReadonlyMap<string, string> = new Map()): unknown {
  // An entity's name is its key: left out, the printed config reads back as a config file.
  const entities = Object.fromEntries(Object.entries(config.entities).map(([name, { name: _name, ...entity }]) => [name, entity]));
  return mask({ ...config, entities }, [], references);
}

function mask(value: unknown, path: Array<string | number>, references: ReadonlyMap<string, string>): unknown {
  const reference = path.length === 0 ? undefined : references.get(keyName(path));
  if (reference !== undefined) return reference;
  if (typeof value === 'string') return isSecretPath(path) ? maskValue(value) : maskInline(value);
  if (Array.isArray(value)) return value.map((item, index) => mask(item, [...path, index], references));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([name, inner]) => [name, mask(inner, [...path, name], references)]));
  }
  return value;
}

function maskValue(value: string): string {
  return REFERENCE.test(value) || value === MASKED ? value : MASKED;
}

/** A secret in a value that is not named as one: an inline private key, a URL's password. */
function maskInline(value: string): string {
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(value)) return MASKED;
  if (/^[a-z][a-z0-9+.-]*:\/\/[^/@\s]*:[^/@\s]*@/i.test(value)) {
    try {
      const url = new URL(value);
      if (url.password !== '') {
        url.password = MASKED;
        return url.toString();
      }
    } catch {
      return value;
    }
  }
  return value;
}
