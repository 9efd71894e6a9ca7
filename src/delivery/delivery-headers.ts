import type { TrackerConfig } from '../config/tracker-config.js';
import { resolveSecretReference } from '../config/secret-reference.js';

/** Resolved once per config: a variable or file is read at start-up, not at every POST. */
const resolved = new WeakMap<TrackerConfig['delivery'], Readonly<Record<string, string>>>();

/**
 * The fixed headers every POST to the target carries (`delivery.headers`: a token, an API key),
 * each value resolved from `${env:NAME}` or `${file:PATH}` (config/secret-reference.ts). Called
 * at start-up, so that a missing variable or file stops it, naming the key. The values are
 * never logged.
 */
export function deliveryHeaders(delivery: TrackerConfig['delivery']): Readonly<Record<string, string>> {
  let headers = resolved.get(delivery);
  if (headers === undefined) {
    headers = Object.fromEntries(Object.entries(delivery.headers).map(([name, value]) => [name.toLowerCase(), resolveSecretReference(value, `delivery.headers.${name}`)]));
    resolved.set(delivery, headers);
  }
  return headers;
}
