import type { TrackerConfig } from './tracker-config.js';

/** What a masked value is printed as: nothing of the value, not even its length. */
export const MASKED = '***';

const REFERENCE = /^\$\{(env|file):[^}]+\}$/;

/** Names of keys whose values are secrets wherever they sit (a future `kafka.sasl.password` included). */
const SECRET_KEY = /pass(word|phrase)?$|secret|token|api[-_]?key|authorization|credential|cookie|private[-_]?key/i;

/**
 * The validated config with its defaults, as `erp-delta config print` shows it, with every secret
 * masked: each value of `delivery.headers` (a token, an API key), any value under a key that names
 * a secret, a PEM private key written inline, and the password of a URL's user info. A
 * `${env:NAME}` or `${file:PATH}` reference is shown as it is: it says where the secret is, and
 * the secret itself is not in the config.
 */
export function maskedConfig(config: TrackerConfig): unknown {
  const headers = Object.fromEntries(Object.entries(config.delivery.headers).map(([name, value]) => [name, maskValue(value)]));
  // An entity's name is its key: left out, the printed config reads back as a config file.
  const entities = Object.fromEntries(Object.entries(config.entities).map(([name, { name: _name, ...entity }]) => [name, entity]));
  return mask({ ...config, delivery: { ...config.delivery, headers }, entities }, undefined);
}

function mask(value: unknown, key: string | undefined): unknown {
  if (typeof value === 'string') return key !== undefined && SECRET_KEY.test(key) ? maskValue(value) : maskInline(value);
  if (Array.isArray(value)) return value.map((item) => mask(item, undefined));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([name, inner]) => [name, mask(inner, name)]));
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
