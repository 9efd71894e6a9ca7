import pg from 'pg';
import { ErpDeltaError } from '../errors/erp-delta-error.js';
import type { PostgresColumn } from './postgres-column-types.js';

/** Where the ERP database is, as pg takes it, with a label for messages that never shows the password. */
export interface PostgresConnection {
  config: pg.ClientConfig;
  /** `host:port/database`. */
  label: string;
  /** Where the connection was given, for what a failure's hint suggests. */
  givenBy: 'url' | 'connector file';
}

export interface PostgresTable {
  columns: PostgresColumn[];
  /** The primary key's columns in key column order; empty when the table has none. */
  primaryKey: string[];
}

const CONNECT_TIMEOUT_MS = 10_000;
const QUERY_TIMEOUT_MS = 30_000;

/** `--database-url postgres://user:password@host:port/database`. */
export function connectionFromUrl(url: string): PostgresConnection {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ErpDeltaError('INVALID_OPTION', `--database-url "${redactedUrl(url)}" is not a URL such as postgres://user@host:5432/erp.`);
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new ErpDeltaError('INVALID_OPTION', `--database-url "${redactedUrl(url)}" is not a postgres:// URL.`);
  }
  return { config: { connectionString: url }, label: `${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname || '/'}`, givenBy: 'url' };
}

/**
 * The database a Debezium PostgreSQL connector captures, from its database.* settings (after its
 * placeholders were filled). database.sslmode is followed: `require` encrypts without checking
 * the certificate, as libpq does; the verify modes check it.
 */
export function connectionFromConnector(config: Readonly<Record<string, string>>, file: string): PostgresConnection {
  const setting = (key: string): string => {
    const value = config[key];
    if (value === undefined || value === '') {
      throw new ErpDeltaError('CONNECTOR_FILE_INVALID', `${file} has no "${key}": it does not say where the ERP database is.`, { hint: 'Pass --database-url instead.' });
    }
    return value;
  };
  const host = setting('database.hostname');
  const port = Number(config['database.port'] ?? '5432');
  const database = setting('database.dbname');
  const sslMode = config['database.sslmode'];
  const ssl = sslMode === 'require' ? { rejectUnauthorized: false } : sslMode === 'verify-ca' || sslMode === 'verify-full' ? true : undefined;
  return {
    config: { host, port, database, user: setting('database.user'), password: config['database.password'] ?? '', ...(ssl === undefined ? {} : { ssl }) },
    label: `${host}:${port}/${database}`,
    givenBy: 'connector file',
  };
}

/**
 * The columns and primary key of `schema.table`, read from the catalog in one short session.
 * An unreachable database is DATABASE_UNAVAILABLE; a table that is not there (or is a view,
 * which Debezium does not capture) is TABLE_NOT_FOUND, naming what is there instead.
 */
export async function readPostgresTable(connection: PostgresConnection, schema: string, table: string): Promise<PostgresTable> {
  const client = new pg.Client({ ...connection.config, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, query_timeout: QUERY_TIMEOUT_MS });
  // A connection the server drops later emits 'error' on the client; the query in flight rejects with it too.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    throw unreachable(connection, error);
  }
  try {
    const oid = await tableOid(client, connection, schema, table);
    const columns = await client.query<ColumnRow>(COLUMNS_QUERY, [schema, table, oid]);
    const key = await client.query<{ name: string }>(PRIMARY_KEY_QUERY, [oid]);
    return { columns: columns.rows.map(postgresColumn), primaryKey: key.rows.map((row) => row.name) };
  } catch (error) {
    if (error instanceof ErpDeltaError) throw error;
    throw unreachable(connection, error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function tableOid(client: pg.Client, connection: PostgresConnection, schema: string, table: string): Promise<string> {
  const qualified = `${schema}.${table}`;
  const found = await client.query<{ oid: string; relkind: string }>(
    `SELECT c.oid::text AS oid, c.relkind::text AS relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relname = $2`,
    [schema, table],
  );
  const relation = found.rows[0];
  if (relation !== undefined && (relation.relkind === 'r' || relation.relkind === 'p')) return relation.oid;
  if (relation !== undefined) {
    throw new ErpDeltaError(
      'TABLE_NOT_FOUND',
      `${qualified} in ${connection.label} is not a table (${RELATION_KINDS[relation.relkind] ?? `relkind ${relation.relkind}`}): Debezium captures tables only.`,
    );
  }
  // PostgreSQL folds unquoted names to lower case, so Customers typed for customers is the usual slip.
  const similar = await client.query<{ name: string }>(
    `SELECT n.nspname || '.' || c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE lower(n.nspname) = lower($1) AND lower(c.relname) = lower($2) AND c.relkind IN ('r', 'p') ORDER BY 1`,
    [schema, table],
  );
  const inSchema = await client.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') ORDER BY 1 LIMIT 21`,
    [schema],
  );
  const hint =
    similar.rows.length > 0
      ? `Did you mean --table ${similar.rows.map((row) => row.name).join(' or ')}? Names are case-sensitive.`
      : inSchema.rows.length === 0
        ? `Schema "${schema}" has no tables there (or this user may not see them).`
        : `Tables of schema "${schema}": ${inSchema.rows
            .slice(0, 20)
            .map((row) => row.name)
            .join(', ')}${inSchema.rows.length > 20 ? ', ...' : ''}.`;
  throw new ErpDeltaError('TABLE_NOT_FOUND', `Table ${qualified} does not exist in the ERP database ${connection.label}.`, { hint });
}

const RELATION_KINDS: Readonly<Record<string, string>> = { v: 'a view', m: 'a materialized view', f: 'a foreign table', S: 'a sequence', i: 'an index', c: 'a composite type' };

interface ColumnRow {
  name: string;
  data_type: string;
  udt_name: string;
  declared_type: string;
  numeric_scale: number | null;
  datetime_precision: number | null;
  character_maximum_length: number | null;
  enum_labels: string[] | null;
}

// information_schema gives domains by their base type and numeric scales and precisions ready to
// read; pg_catalog adds the type as declared and an enum's labels.
const COLUMNS_QUERY = `
  SELECT c.column_name::text AS name, c.data_type::text AS data_type, c.udt_name::text AS udt_name,
         format_type(a.atttypid, a.atttypmod) AS declared_type,
         c.numeric_scale::int AS numeric_scale, c.datetime_precision::int AS datetime_precision,
         c.character_maximum_length::int AS character_maximum_length,
         CASE WHEN t.typtype = 'e' THEN
           (SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid)
         END AS enum_labels
  FROM information_schema.columns c
  JOIN pg_attribute a ON a.attrelid = $3::oid AND a.attname = c.column_name
  LEFT JOIN pg_namespace tn ON tn.nspname = c.udt_schema
  LEFT JOIN pg_type t ON t.typnamespace = tn.oid AND t.typname = c.udt_name
  WHERE c.table_schema = $1 AND c.table_name = $2
  ORDER BY c.ordinal_position`;

const PRIMARY_KEY_QUERY = `
  SELECT a.attname::text AS name
  FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
  WHERE i.indrelid = $1::oid AND i.indisprimary
  ORDER BY array_position(i.indkey::int2[], a.attnum)`;

function postgresColumn(row: ColumnRow): PostgresColumn {
  return {
    name: row.name,
    dataType: row.data_type,
    udtName: row.udt_name,
    declaredType: row.declared_type,
    numericScale: row.numeric_scale,
    datetimePrecision: row.datetime_precision,
    characterMaximumLength: row.character_maximum_length,
    enumLabels: row.enum_labels ?? undefined,
  };
}

function unreachable(connection: PostgresConnection, error: unknown): ErpDeltaError {
  const code = (error as { code?: unknown }).code;
  const reason = error instanceof Error && error.message !== '' ? error.message : String(code ?? error);
  // 28xxx: authentication refused; 3D000: no such database. Trying again will not help.
  const refused = typeof code === 'string' && (code.startsWith('28') || code === '3D000');
  return new ErpDeltaError('DATABASE_UNAVAILABLE', `The ERP database ${connection.label} cannot be read: ${reason}`, {
    retriable: !refused,
    cause: error,
    hint: [
      refused ? 'Check the user, password and database name.' : 'Check that the database runs and is reachable from here.',
      connection.givenBy === 'url'
        ? 'The connection is --database-url postgres://user:password@host:port/database.'
        : "The connection is the connector file's database.* settings (--set name=value fills a placeholder), or pass --database-url.",
    ].join(' '),
  });
}

function redactedUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@');
}
