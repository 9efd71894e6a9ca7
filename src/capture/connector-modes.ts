/**
 * The settings of a Debezium PostgreSQL connector that decide how a column's value reaches Kafka,
 * and so which parameters its normalizer needs: a numeric arrives as text, a double or base64
 * bytes; a timestamp as ISO text or an epoch count in millis or micros. Absent keys take
 * Debezium's documented defaults (PostgreSQL connector, "Connector properties").
 */
export interface ConnectorModes {
  /** decimal.handling.mode: numeric and money as `string` (text), `double` (numbers) or `precise` (base64 bytes). */
  decimalHandling: 'precise' | 'string' | 'double';
  /** time.precision.mode: temporal columns as ISO text (`isostring`) or epoch counts (the others). */
  timePrecision: 'adaptive' | 'adaptive_time_microseconds' | 'connect' | 'isostring';
  /** binary.handling.mode: bytea (and bit strings) as base64 (`bytes`, `base64`), URL-safe base64 or hex. */
  binaryHandling: 'bytes' | 'base64' | 'base64-url-safe' | 'hex';
  /** money.fraction.digits: the scale money columns are sent with. */
  moneyFractionDigits: number;
  /** Settings this module does not know the meaning of, `key=value`: the draft says to check them. */
  unknown: string[];
}

const DECIMAL_HANDLING = ['precise', 'string', 'double'] as const;
const TIME_PRECISION = ['adaptive', 'adaptive_time_microseconds', 'connect', 'isostring'] as const;
const BINARY_HANDLING = ['bytes', 'base64', 'base64-url-safe', 'hex'] as const;

export function connectorModes(config: Readonly<Record<string, string>>): ConnectorModes {
  const unknown: string[] = [];
  const pick = <T extends string>(key: string, known: readonly T[], fallback: T): T => {
    const value = config[key];
    if (value === undefined) return fallback;
    const found = known.find((candidate) => candidate === value.trim().toLowerCase());
    if (found === undefined) unknown.push(`${key}=${value}`);
    return found ?? fallback;
  };
  const digits = config['money.fraction.digits'];
  const moneyFractionDigits = digits === undefined ? 2 : Number(digits);
  if (digits !== undefined && !(Number.isInteger(moneyFractionDigits) && moneyFractionDigits >= 0)) unknown.push(`money.fraction.digits=${digits}`);
  return {
    decimalHandling: pick('decimal.handling.mode', DECIMAL_HANDLING, 'precise'),
    timePrecision: pick('time.precision.mode', TIME_PRECISION, 'adaptive'),
    binaryHandling: pick('binary.handling.mode', BINARY_HANDLING, 'bytes'),
    moneyFractionDigits: Number.isInteger(moneyFractionDigits) && moneyFractionDigits >= 0 ? moneyFractionDigits : 2,
    unknown,
  };
}

/**
 * Whether the connector's include and exclude lists let `schema.table` through. Debezium reads
 * each entry as a regular expression that must match the whole `schema.table` (schema lists: the
 * whole schema name); a list that is absent lets everything through.
 */
export function connectorCapturesTable(config: Readonly<Record<string, string>>, schema: string, table: string): boolean {
  const qualified = `${schema}.${table}`;
  const listed = (key: string, name: string): boolean | undefined => {
    const list = config[key];
    if (list === undefined || list.trim() === '') return undefined;
    return list
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== '')
      .some((entry) => wholeMatch(entry, name));
  };
  if (listed('schema.include.list', schema) === false || listed('schema.exclude.list', schema) === true) return false;
  return listed('table.include.list', qualified) !== false && listed('table.exclude.list', qualified) !== true;
}

/**
 * The key columns `message.key.columns` gives the table, which replace its primary key as the
 * CDC topic's key: `<schema.table regex>:<column>,<column>;<schema.table regex>:...` (PostgreSQL
 * connector, "message.key.columns"). Undefined when no entry matches.
 */
export function messageKeyColumns(config: Readonly<Record<string, string>>, schema: string, table: string): string[] | undefined {
  const setting = config['message.key.columns'];
  if (setting === undefined) return undefined;
  for (const entry of setting.split(';')) {
    const separator = entry.lastIndexOf(':');
    if (separator <= 0) continue;
    if (!wholeMatch(entry.slice(0, separator).trim(), `${schema}.${table}`)) continue;
    const columns = entry
      .slice(separator + 1)
      .split(',')
      .map((column) => column.trim())
      .filter((column) => column !== '');
    if (columns.length > 0) return columns;
  }
  return undefined;
}

function wholeMatch(pattern: string, name: string): boolean {
  try {
    return new RegExp(`^(?:${pattern})$`).test(name);
  } catch {
    // Java's regex syntax is not JavaScript's in every corner: an entry this cannot read is taken literally.
    return pattern === name;
  }
}
