/**
 * The path of one per-key DELETE (`delivery.deletes.<entity>.path`), from its template:
 *
 * - `{key}`: the delta's whole key, URL-encoded. A single-field key is its value (`C0001`); a
 *   composite key is its JSON array text (`["P0001","WH01"]` becomes
 *   `%5B%22P0001%22%2C%22WH01%22%5D`), exactly as the key of the delta topics and of the batches;
 * - `{<keyField>}`: the value of that key field, URL-encoded (`/stock/{productCode}/{warehouseCode}`
 *   becomes `/stock/P0001/WH01`), for a target that names a record by its parts.
 *
 * `encodeURIComponent` leaves no "/", "?" or "#" in a value, so a key can never reach another path.
 * The placeholders were checked against the key fields at start-up (tracker-config.ts); undefined
 * when the key does not hold them (a composite key that is not a JSON array of as many values):
 * that delta is refused without being sent.
 */
export function deletePath(template: string, key: string, keyFields: readonly string[]): string | undefined {
  let values: readonly unknown[];
  if (keyFields.length === 1) {
    values = [key];
  } else {
    try {
      const parsed: unknown = JSON.parse(key);
      if (!Array.isArray(parsed) || parsed.length !== keyFields.length) return undefined;
      values = parsed;
    } catch {
      return undefined;
    }
  }
  let missing = false;
  const path = template.replace(/\{([^{}]*)\}/g, (_placeholder, name: string) => {
    if (name === 'key') return encodeURIComponent(key);
    const value = values[keyFields.indexOf(name)];
    if (value === undefined || value === null || typeof value === 'object') {
      missing = true;
      return '';
    }
    return encodeURIComponent(String(value));
  });
  return missing ? undefined : path;
}
