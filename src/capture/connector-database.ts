import type pg from 'pg';

/** Where a connector's ERP database is, as pg takes it; host, port and database also name it in messages. */
export type ConnectorDatabase = pg.ClientConfig & { host: string; port: number; database: string };

export interface ConnectorDatabaseOptions {
  /** `capture.database.password`, read: used instead of the connector's own password when set. */
  password: string | undefined;
  /** How long connecting, and each query, may take. */
  timeoutMs: number;
  /** What `pg_stat_activity` shows the connection as. */
  applicationName: string;
}

/** A `${...}` in a value: a Connect config provider reference or a connector file placeholder, resolved elsewhere. */
const REFERENCE = /\$\{[^}]*\}/;

/**
 * The database connection of a Debezium PostgreSQL connector, from its `database.*` settings
 * (Connect's copy of its config, or its file once the placeholders are filled), or why erp-delta
 * does not have it: the text says what to set.
 */
export function connectorDatabase(config: Readonly<Record<string, string>>, options: ConnectorDatabaseOptions): ConnectorDatabase | string {
  const host = config['database.hostname'];
  const database = config['database.dbname'];
  if (host === undefined || database === undefined) return 'the connector names no database.hostname or database.dbname';
  const unfilled = ['database.hostname', 'database.port', 'database.dbname', 'database.user'].find((key) => REFERENCE.test(config[key] ?? ''));
  if (unfilled !== undefined) {
    return `the connector's ${unfilled} is ${config[unfilled] ?? ''}, filled in by Kafka Connect only: set capture.connect.url, so that erp-delta reads Connect's copy of the connector`;
  }
  const configured = config['database.password'] ?? '';
  // A Connect config provider reference (${file:...}, ${env:...}) is resolved inside Connect only.
  const password = options.password ?? (REFERENCE.test(configured) ? undefined : configured);
  if (password === undefined) return `the connector's database.password is a Connect config provider reference (${configured}), which erp-delta cannot read: set capture.database.password`;
  const sslMode = config['database.sslmode'] ?? 'prefer';
  return {
    host,
    port: Number(config['database.port'] ?? 5432),
    database,
    ...(config['database.user'] === undefined ? {} : { user: config['database.user'] }),
    password,
    ...(sslMode === 'require' ? { ssl: { rejectUnauthorized: false } } : sslMode.startsWith('verify') ? { ssl: true } : {}),
    connectionTimeoutMillis: options.timeoutMs,
    query_timeout: options.timeoutMs,
    application_name: options.applicationName,
  };
}
