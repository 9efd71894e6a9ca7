/**
 * Copies of the shipped connector (connectors/erp-postgres.json) for a test's or a bench's own
 * tables, slot, publication and topic prefix, so that the shipped connector stays untouched and
 * what is tested is what users run.
 *
 * A copy leaves out what would outlive it or collide with the shipped connector unless asked for:
 * the signal channels (a signal group of its own per connector, else only one connector gets each
 * signal) and the heartbeats (each prefix leaves a `__debezium-heartbeat.<prefix>` topic behind).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import type { ConnectRestClient } from '../../src/capture/connect-rest.js';
import { projectFiles } from '../../src/project-files.js';
import { testKafka } from './test-stack.js';
import { waitUntil } from './tracker-harness.js';

const HEARTBEAT_TABLE = 'public.debezium_heartbeat';

export interface ConnectorCopy {
  prefix: string;
  slot: string;
  /** The stack's PostgreSQL, e.g. `postgres://postgres@127.0.0.1:15433/erp`. */
  postgres: URL;
  /** Qualified tables, e.g. `public.products_x`; the shipped ERP tables when left out. */
  tables?: readonly string[];
  /** The database to capture; the URL's when left out. */
  database?: string;
  /** Keeps the signal channels (incremental snapshots, their notifications). */
  signals?: { bootstrap: string; groupId: string };
  /** Keeps the shipped heartbeats: their interval, action query and captured heartbeat table. */
  heartbeat?: boolean;
  overrides?: Record<string, string>;
}

export function shippedConnectorConfig(): Record<string, string> {
  return (JSON.parse(readFileSync(join(projectFiles.connectorsDir, 'erp-postgres.json'), 'utf8')) as { config: Record<string, string> }).config;
}

/** The shipped connector's ERP tables, without its heartbeat table. */
export function shippedErpTables(): string[] {
  return (shippedConnectorConfig()['table.include.list'] ?? '').split(',').filter((table) => table !== HEARTBEAT_TABLE);
}

export function copyOfShippedConnector(copy: ConnectorCopy): Record<string, string> {
  const config: Record<string, string> = {};
  for (const [key, value] of Object.entries(shippedConnectorConfig())) {
    const signalSetting = /^(signal|incremental|notification)\./.test(key);
    const heartbeatSetting = key.startsWith('heartbeat.') || key === 'database.initial.statements';
    if ((signalSetting && !copy.signals) || (heartbeatSetting && !copy.heartbeat)) continue;
    config[key] = value;
  }
  const tables = [...(copy.tables ?? shippedErpTables()), ...(copy.heartbeat ? [HEARTBEAT_TABLE] : [])];
  return {
    ...config,
    'database.hostname': copy.postgres.hostname,
    'database.port': copy.postgres.port,
    'database.user': decodeURIComponent(copy.postgres.username),
    'database.password': decodeURIComponent(copy.postgres.password),
    'database.dbname': copy.database ?? copy.postgres.pathname.slice(1),
    'topic.prefix': copy.prefix,
    'table.include.list': tables.join(','),
    'slot.name': copy.slot,
    'publication.name': copy.slot,
    // The filter of signal and heartbeat events follows the copy's topic prefix.
    'predicates.isSignalTable.pattern': `${copy.prefix}\\.public\\.(debezium_signal|debezium_heartbeat)`,
    ...(copy.signals ? { 'signal.kafka.bootstrap.servers': copy.signals.bootstrap, 'signal.kafka.groupId': copy.signals.groupId } : {}),
    ...copy.overrides,
  };
}

/**
 * Removes a test's capture: its connector (waiting until Connect lets it go), its slot once no
 * walsender holds it (a slot left behind pins WAL on the shared server), its publication, and the
 * CDC topics given.
 */
export async function removeTestCapture(connect: ConnectRestClient, db: pg.Client, capture: { connector: string; slot: string; topics?: readonly string[] }): Promise<void> {
  await connect.delete(capture.connector);
  await waitUntil(`connector ${capture.connector} to be gone`, async () => (await connect.status(capture.connector)) === undefined, 60_000);
  await waitUntil(
    `slot ${capture.slot} to be dropped`,
    async () => {
      const result = await db.query<{ active: boolean }>('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [capture.slot]);
      if (result.rows.length === 0) return true;
      if (result.rows[0]?.active) return false;
      await db.query('SELECT pg_drop_replication_slot($1)', [capture.slot]);
      return true;
    },
    60_000,
  );
  await db.query(`DROP PUBLICATION IF EXISTS ${capture.slot}`);
  const topics = capture.topics ?? [];
  if (topics.length === 0) return;
  const admin = testKafka().admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics: [...topics] });
    await waitUntil(
      `topics ${topics.join(', ')} to be deleted`,
      async () => {
        const existing = await admin.listTopics();
        return topics.every((topic) => !existing.includes(topic));
      },
      60_000,
    );
  } finally {
    await admin.disconnect();
  }
}
