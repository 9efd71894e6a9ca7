/** What a masked value is printed as: nothing of the value, not even its length. */
export const MASKED = '***';

/** Names of keys whose values are secrets wherever they sit: `kafka.sasl.password`, `registry.auth.password`, a token. */
const SECRET_KEY = /pass(word|phrase)?$|secret|token|api[-_]?key|authorization|credential|cookie|private[-_]?key/i;

/** A key that names where a secret is (`tokenFile`, `keyPath`) holds a path, which is not one. */
const PATH_KEY = /[a-z](File|Path|Dir)$/;

/**
 * What a `sasl` section holds besides its secrets: kafkajs's mechanism, the user's name, and
 * OAUTHBEARER's `tokenFile`, the path of the token (read at each authentication), not the token.
 */
const SASL_PUBLIC = new Set(['mechanism', 'username', 'tokenFile']);

/**
 * Whether the value at a config key path is a secret by where it sits, whatever it holds: it is
 * then never printed (`config print`, `config check`), never in a log line, and a message about
 * the key leaves the value out. A secret is:
 * - a value under a key that names one (password, passphrase, secret, token, API key,
 *   authorization, credential, cookie, private key), at any depth;
 * - every value of `delivery.headers` (a header is how a target takes a token or an API key);
 * - everything in a `sasl` section but `mechanism` and `username`;
 * but not a key that names a file (`tokenFile`, `keyPath`, `connectorsDir`): a path is shown.
 *
 * Besides these, a value that is a private key (PEM) or a URL with a password is masked wherever
 * it sits (effective-config.ts): the path of a key file is not a secret and is shown.
 */
export function isSecretPath(path: ReadonlyArray<PropertyKey>): boolean {
  const key = path.at(-1);
  const parent = path.at(-2);
  if (typeof key !== 'string') return false;
  if (parent === 'headers' && path.at(-3) === 'delivery' && path.length === 3) return true;
  if (PATH_KEY.test(key)) return false;
  if (SECRET_KEY.test(key)) return true;
  return parent === 'sasl' && !SASL_PUBLIC.has(key);
}
