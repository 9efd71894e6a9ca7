import pg from 'pg';
import type { TrackerConfig } from '../config/tracker-config.js';
import { projectFiles } from '../project-files.js';
import { captureSettings } from './capture-monitor.js';
import { ConnectRestClient } from './connect-rest.js';
import { connectorDatabase, type ConnectorDatabase } from './connector-database.js';
import { loadConnectorFiles } from './connector-file.js';
import type { RowEstimates, SnapshotTarget } from '../model/snapshot-target.js';

/** How long reading the estimates may take without `capture.connect.requestTimeoutMs`: a compare never waits long for them. */
const DEFAULT_TIMEOUT_MS = 5_000;

/** What PostgreSQL keeps about the size of one table (one leaf of a partitioned table). */
export interface TableStatistics {
  /** pg_class.reltuples: the rows the last VACUUM or ANALYZE counted; -1 (0 before PostgreSQL 14) when none ran yet. */
  reltuples: number;
  /** pg_stat_user_tables.n_live_tup: the statistics system's running count; null without a statistics row. */
  liveTuples: number | null;
  /** Whether the statistics remember a VACUUM or ANALYZE of the table (its last_(auto)vacuum/analyze). */
  statisticsKnowAnalysis: boolean;
}

/**
 * The estimate a compare's progress is measured against. n_live_tup first: every committed
 * insert and delete moves it, so it is current, where reltuples is as old as the last VACUUM or
 * ANALYZE (autovacuum lets a table drift by 10% and 50 rows before it looks again, and a table
 * never analyzed has none: -1). But n_live_tup is lost with the statistics (pg_stat_reset, crash
 * recovery, which discards them, or a standby, which has none) and then counts from 0: a table
 * whose reltuples says a VACUUM or ANALYZE ran that the statistics do not remember lost its
 * statistics, and reltuples is the better guess.
 */
export function chooseRowEstimate(table: TableStatistics): { rows: number; from: 'n_live_tup' | 'reltuples' } {
  if (table.liveTuples === null || (table.reltuples > 0 && !table.statisticsKnowAnalysis)) return { rows: Math.max(0, Math.round(table.reltuples)), from: 'reltuples' };
  return { rows: table.liveTuples, from: 'n_live_tup' };
}

/**
 * Per table, the statistics of each leaf: the table itself, or the partitions of a partitioned
 * table (whose own statistics stay empty). Catalog and statistics views only: readable by the
 * connector's user whatever its grants.
 */
const STATISTICS_QUERY = `
SELECT t.schema_name || '.' || t.table_name AS data_collection,
       c.reltuples::float8 AS reltuples,
       s.n_live_tup::float8 AS live_tuples,
       COALESCE(s.last_vacuum, s.last_autovacuum, s.last_analyze, s.last_autoanalyze) IS NOT NULL AS analyzed
FROM unnest($1::text[], $2::text[]) AS t(schema_name, table_name)
JOIN pg_namespace n ON n.nspname = t.schema_name
JOIN pg_class p ON p.relnamespace = n.oid AND p.relname = t.table_name AND p.relkind IN ('r', 'p')
CROSS JOIN LATERAL (
  SELECT p.oid AS relid WHERE p.relkind = 'r'
  UNION ALL SELECT tree.relid FROM pg_partition_tree(p.oid) AS tree WHERE p.relkind = 'p' AND tree.isleaf
) AS leaf
JOIN pg_class c ON c.oid = leaf.relid
LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid`;

/** The estimates of some tables (`schema.table`) of one database, summed over partitions; a table not found is left out. */
export async function readRowEstimates(connection: pg.ClientConfig, dataCollections: readonly string[]): Promise<Map<string, number>> {
  const client = new pg.Client(connection);
  // An error on an idle client (the server going away) must not end the process.
  client.on('error', () => undefined);
  await client.connect();
  try {
    const names = dataCollections.map((name) => {
      const dot = name.indexOf('.');
      return dot < 0 ? ['public', name] : [name.slice(0, dot), name.slice(dot + 1)];
    });
    const { rows } = await client.query<{ data_collection: string; reltuples: number; live_tuples: number | null; analyzed: boolean }>(STATISTICS_QUERY, [
      names.map(([schema]) => schema),
      names.map(([, table]) => table),
    ]);
    const estimates = new Map<string, number>();
    for (const row of rows) {
      const { rows: estimate } = chooseRowEstimate({ reltuples: row.reltuples, liveTuples: row.live_tuples, statisticsKnowAnalysis: row.analyzed });
      estimates.set(row.data_collection, (estimates.get(row.data_collection) ?? 0) + estimate);
    }
    return estimates;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * The row estimates of the tables a full compare re-reads, each through its connector's own
 * database connection: Connect's copy of the connector (the file leaves the database to
 * placeholders Connect fills) when `capture.connect` says where Connect is, else the connector
 * file. Never throws: a table whose database cannot be read has no estimate, and says why.
 */
export async function tableRowEstimates(config: TrackerConfig, targets: readonly SnapshotTarget[], connectorsDir = config.refresh.connectorsDir ?? projectFiles.connectorsDir): Promise<RowEstimates> {
  const result: RowEstimates = { estimates: {}, unknown: {} };
  const byConnector = new Map<string, SnapshotTarget[]>();
  for (const target of targets) byConnector.set(target.connector, [...(byConnector.get(target.connector) ?? []), target]);
  let settings: ReturnType<typeof captureSettings> | undefined;
  let files: ReturnType<typeof loadConnectorFiles> = [];
  try {
    settings = config.capture && captureSettings(config.capture);
    files = loadConnectorFiles(connectorsDir);
  } catch (error) {
    for (const target of targets) result.unknown[target.topic] = (error as Error).message;
    return result;
  }
  const timeoutMs = settings?.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  const connect = settings && new ConnectRestClient(settings.connectUrl, { auth: settings.auth, timeoutMs });
  for (const [name, served] of byConnector) {
    let liveProblem: string | undefined;
    const live =
      connect === undefined
        ? undefined
        : await connect.config(name).then(
            (copy) => {
              if (copy === undefined) liveProblem = `Kafka Connect has no connector ${name}`;
              return copy;
            },
            (error: unknown) => {
              liveProblem = (error as Error).message;
              return undefined;
            },
          );
    const connectorConfig = live ?? files.find((file) => file.name === name)?.config;
    const connection: ConnectorDatabase | string =
      connectorConfig === undefined
        ? `no connector ${name} in ${connectorsDir}`
        : connectorDatabase(connectorConfig, { password: settings?.database.password, timeoutMs, applicationName: 'erp-delta row estimate' });
    let found: Map<string, number> | string;
    if (typeof connection === 'string') {
      found = liveProblem === undefined ? connection : `${connection} (${liveProblem})`;
    } else {
      found = await readRowEstimates(
        connection,
        served.map((target) => target.dataCollection),
      ).catch((error: unknown) => `the ERP database at ${connection.host}:${connection.port}/${connection.database} cannot be read: ${(error as Error).message}`);
    }
    for (const target of served) {
      const estimate = typeof found === 'string' ? undefined : found.get(target.dataCollection);
      if (estimate !== undefined) result.estimates[target.topic] = estimate;
      else result.unknown[target.topic] = typeof found === 'string' ? found : `${target.dataCollection} is not a table of the connector's database`;
    }
  }
  return result;
}
