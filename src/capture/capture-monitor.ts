import { resolve } from 'node:path';
import pg from 'pg';
import type { CaptureConfig } from '../config/tracker-config.js';
import { resolveSecretReference } from '../config/secret-reference.js';
import { ErpDeltaError, isErpDeltaError } from '../errors/erp-delta-error.js';
import type { KafkaAdmin, KafkaClients } from '../kafka/kafka-port.js';
import type { Logger } from '../logging/logger.js';
import { projectFiles } from '../project-files.js';
import {
  assessCapture,
  captureReadinessReasons,
  CaptureStateLog,
  type CaptureHealth,
  type DatabaseObservation,
  type PublicationObservation,
  type SlotObservation,
  type WatchedConnector,
} from './capture-health.js';
import { ConnectRestClient, type ConnectorStatus } from './connect-rest.js';
import { connectorDatabase, type ConnectorDatabase } from './connector-database.js';
import { loadConnectorFiles } from './connector-file.js';

/** The `capture` section with its secrets read and its connector files loaded: checked at start-up. */
export interface CaptureSettings {
  connectUrl: string;
  auth: { user: string; password: string } | undefined;
  /** `capture.connect.tls`: the CA of an https:// Connect. */
  tls: { ca: string } | undefined;
  requestTimeoutMs: number;
  pollIntervalMs: number;
  connectorsDir: string;
  /** The connectors of connectors/, by name, with the settings of their files. */
  connectors: ReadonlyArray<{ name: string; config: Readonly<Record<string, string>> }>;
  silentTableAfterMs: number | null;
  database: { check: boolean; password: string | undefined; checkIntervalMs: number };
}

/**
 * Reads the secrets and the connector files once, at start-up: a missing variable, an unreadable
 * file or a bad connector file stops erp-delta naming the key or the file.
 */
export function captureSettings(capture: CaptureConfig): CaptureSettings {
  const connectorsDir = resolve(capture.connectorsDir ?? projectFiles.connectorsDir);
  let connectors;
  try {
    connectors = loadConnectorFiles(connectorsDir);
  } catch (error) {
    if (!isErpDeltaError(error)) throw error;
    throw new ErpDeltaError('INVALID_CONFIG', `capture.connectorsDir: ${error.message}`, { cause: error });
  }
  const { user, password } = capture.connect;
  return {
    connectUrl: capture.connect.url.replace(/\/+$/, ''),
    auth:
      user === undefined || password === undefined
        ? undefined
        : {
            user: resolveSecretReference(user, 'capture.connect.user'),
            password: resolveSecretReference(password, 'capture.connect.password'),
          },
    tls: capture.connect.tls,
    requestTimeoutMs: capture.connect.requestTimeoutMs,
    pollIntervalMs: capture.pollIntervalMs,
    connectorsDir,
    connectors: connectors.map(({ name, config }) => ({ name, config })),
    silentTableAfterMs: capture.silentTableAfterMs,
    database: {
      check: capture.database.check,
      password: capture.database.password === undefined ? undefined : resolveSecretReference(capture.database.password, 'capture.database.password'),
      checkIntervalMs: capture.database.checkIntervalMs,
    },
  };
}

export interface CaptureMonitorOptions {
  settings: CaptureSettings;
  /** For the heartbeat topics' end offsets. */
  kafka: KafkaClients;
  entities: ReadonlyArray<{ name: string; topic: string }>;
  /** Per entity: the source time of the newest change the tracker read (TrackerMetrics keeps it). */
  newestSourceChangeMs: ReadonlyMap<string, number>;
  logger: Logger;
}

/** How often Connect's copy of a connector's config is read again, besides when its state changes. */
const CONFIG_REFRESH_MS = 60_000;

/**
 * The watch of the capture inside `erp-delta run` (issue 19), the thin shell around
 * capture-health.ts: every poll interval it asks Kafka Connect for each connector of connectors/
 * (connector and tasks), Kafka for the end of each heartbeat topic, and now and then the ERP
 * database, through the connector's own connection settings, for its slot and publication. What it
 * found is assessed, logged once per change of state, and kept for /readyz, /metrics and the page.
 */
export class CaptureMonitor {
  private readonly client: ConnectRestClient;
  private readonly stateLog = new CaptureStateLog();
  /** Connect's copy of each connector's config, and when it was read. */
  private readonly liveConfigs = new Map<string, { config: Record<string, string>; atMs: number; state: string }>();
  private readonly heartbeatEnds = new Map<string, bigint>();
  private readonly heartbeatSeenMs: Record<string, number> = {};
  private database: Record<string, DatabaseObservation> = {};
  private databaseCheckedAtMs = 0;
  private admin: KafkaAdmin | undefined;
  private latest: CaptureHealth | undefined;
  private startedMs = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: CaptureMonitorOptions) {
    const { settings } = options;
    this.client = new ConnectRestClient(settings.connectUrl, { auth: settings.auth, tls: settings.tls, timeoutMs: settings.requestTimeoutMs });
  }

  get settings(): CaptureSettings {
    return this.options.settings;
  }

  start(): void {
    this.startedMs = Date.now();
    this.options.logger.info(
      { connect: this.settings.connectUrl, connectors: this.settings.connectors.map(({ name }) => name), pollIntervalMs: this.settings.pollIntervalMs },
      'capture: watching the connectors',
    );
    this.schedule(0);
  }

  /** The last assessment; undefined before the first poll ended. */
  health(): CaptureHealth | undefined {
    return this.latest;
  }

  /** /readyz's capture check: the reasons it is not ready, none when it is. */
  readinessReasons(): string[] {
    return this.latest ? captureReadinessReasons(this.latest) : ['the capture has not been checked yet'];
  }

  /** Polls now and waits for it: for tests and for a caller that needs a fresh state. */
  async pollNow(): Promise<CaptureHealth | undefined> {
    await this.polling;
    clearTimeout(this.timer);
    this.polling = this.poll();
    await this.polling;
    this.schedule(this.settings.pollIntervalMs);
    return this.latest;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.polling?.catch(() => undefined);
    await this.admin?.disconnect().catch(() => undefined);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.polling = this.poll().finally(() => this.schedule(this.settings.pollIntervalMs));
    }, delayMs);
    this.timer.unref();
  }

  private async poll(): Promise<void> {
    try {
      await this.pollOnce();
    } catch (error) {
      // A bug in the watch must not stop the tracker; it is said, and the next poll tries again.
      this.options.logger.warn({ err: error }, 'capture: the watch failed');
    }
  }

  private async pollOnce(): Promise<void> {
    const { settings, logger } = this.options;
    const nowMs = (): number => Date.now();
    const connect = await this.readConnect();
    if (connect.reachable) await this.readLiveConfigs(connect.statuses);
    const connectors = settings.connectors.map(({ name, config }) => watchedConnector(name, this.liveConfigs.get(name)?.config ?? config));
    await this.readHeartbeats(connectors);
    if (settings.database.check && nowMs() - this.databaseCheckedAtMs >= settings.database.checkIntervalMs) {
      this.databaseCheckedAtMs = nowMs();
      this.database = await this.readDatabases();
    }
    if (this.stopped) return;
    const health = assessCapture({
      nowMs: nowMs(),
      watchStartedMs: this.startedMs,
      pollIntervalMs: settings.pollIntervalMs,
      connectUrl: settings.connectUrl,
      connect,
      connectors,
      heartbeatSeenMs: this.heartbeatSeenMs,
      database: settings.database.check ? this.database : Object.fromEntries(connectors.map(({ name }) => [name, { checked: false, why: 'capture.database.check is false' }])),
      entities: this.options.entities,
      newestSourceChangeMs: this.options.newestSourceChangeMs,
      silentTableAfterMs: settings.silentTableAfterMs,
      previous: this.latest,
    });
    this.latest = health;
    for (const event of this.stateLog.next(health)) logger[event.level](event.fields, event.msg);
  }

  private async readConnect(): Promise<{ reachable: true; statuses: Record<string, ConnectorStatus | null> } | { reachable: false; error: string }> {
    const statuses: Record<string, ConnectorStatus | null> = {};
    try {
      await Promise.all(
        this.settings.connectors.map(async ({ name }) => {
          statuses[name] = (await this.client.status(name)) ?? null;
        }),
      );
      return { reachable: true, statuses };
    } catch (error) {
      // The readiness reason names the URL already: only the cause is kept, an HTTP answer as `HTTP 401 to GET ...`.
      const message = (error as Error).message.replace(/^Kafka Connect at \S+ did not answer [A-Z]+ \S+: /, '').replace(/^Kafka Connect answered (\d+) to /, 'HTTP $1 to ');
      return { reachable: false, error: message };
    }
  }

  /**
   * Connect's copy of the config knows what the file left to placeholders (the database, the
   * heartbeat settings as applied). Read at first sight, when the state changes, and every minute.
   */
  private async readLiveConfigs(statuses: Readonly<Record<string, ConnectorStatus | null>>): Promise<void> {
    await Promise.all(
      Object.entries(statuses).map(async ([name, status]) => {
        if (status === null) return;
        const cached = this.liveConfigs.get(name);
        const state = `${status.connector.state} ${status.tasks.map((task) => task.state).join(',')}`;
        if (cached && cached.state === state && Date.now() - cached.atMs < CONFIG_REFRESH_MS) return;
        // A connector that changed state (re-applied, restarted) may have put its tables back into
        // its publication: the database is looked at again now rather than at the next interval.
        if (cached && cached.state !== state) this.databaseCheckedAtMs = 0;
        const config = await this.client.config(name).catch(() => undefined);
        if (config) this.liveConfigs.set(name, { config, atMs: Date.now(), state });
      }),
    );
  }

  /** A heartbeat topic that grew since the last poll had a heartbeat in between. */
  private async readHeartbeats(connectors: readonly WatchedConnector[]): Promise<void> {
    const expected = connectors.filter((connector) => connector.heartbeatIntervalMs !== null);
    if (expected.length === 0) return;
    const limit = this.settings.requestTimeoutMs;
    try {
      this.admin ??= await within(limit, this.connectAdmin(), 'connecting to Kafka');
      const admin = this.admin;
      // kafkajs retries a topic that does not exist for many seconds: ask which exist first (a
      // connector that never sent a heartbeat has none yet).
      const existing = new Set(await within(limit, admin.listTopics(), 'listing topics'));
      for (const connector of expected) {
        if (!existing.has(connector.heartbeatTopic)) continue;
        const end = (await within(limit, admin.fetchTopicOffsets(connector.heartbeatTopic), "reading a heartbeat topic's end")).reduce((sum, { high }) => sum + BigInt(high), 0n);
        const before = this.heartbeatEnds.get(connector.name);
        if (before !== undefined && end > before) this.heartbeatSeenMs[connector.name] = Date.now();
        this.heartbeatEnds.set(connector.name, end);
      }
    } catch {
      // Kafka away: no heartbeat seen this time (the tracker's own readiness says Kafka is away).
      // The client is made anew next time rather than trusted to recover.
      const admin = this.admin;
      this.admin = undefined;
      await admin?.disconnect().catch(() => undefined);
    }
  }

  private async connectAdmin(): Promise<KafkaAdmin> {
    const admin = this.options.kafka.admin();
    await admin.connect();
    return admin;
  }

  /** Each PostgreSQL connector's slot and publication, read with the connector's own settings. */
  private async readDatabases(): Promise<Record<string, DatabaseObservation>> {
    const observations: Record<string, DatabaseObservation> = { ...this.database };
    for (const { name, config: fileConfig } of this.settings.connectors) {
      const config = this.liveConfigs.get(name)?.config;
      if (!/postgres/i.test(config?.['connector.class'] ?? fileConfig['connector.class'] ?? '')) {
        observations[name] = { checked: false, why: 'not a PostgreSQL connector: no slot or publication to check' };
        continue;
      }
      // Before Connect has told the connector's real settings, the last observation stands.
      if (!config) continue;
      const connection = this.connectionOf(config);
      if (typeof connection === 'string') {
        observations[name] = { checked: false, why: connection };
        continue;
      }
      try {
        observations[name] = await readSlotAndPublication(connection, config['slot.name'] ?? 'debezium', config['publication.name'] ?? 'dbz_publication');
      } catch (error) {
        observations[name] = { checked: false, why: `the ERP database at ${connection.host}:${connection.port}/${connection.database} cannot be read: ${(error as Error).message}` };
      }
    }
    return observations;
  }

  /** The connector's database connection, or why erp-delta does not have it. */
  private connectionOf(config: Readonly<Record<string, string>>): ConnectorDatabase | string {
    return connectorDatabase(config, { password: this.settings.database.password, timeoutMs: this.settings.requestTimeoutMs, applicationName: 'erp-delta capture health' });
  }
}

/** The promise, or a rejection once `ms` have passed: no call may hold up the poll. */
async function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** The watch's view of one connector, from Connect's copy of its config (or its file before that). */
export function watchedConnector(name: string, config: Readonly<Record<string, string>>): WatchedConnector {
  const prefix = config['topic.prefix'] ?? config['database.server.name'] ?? name;
  const interval = Number(config['heartbeat.interval.ms'] ?? 0);
  const postgres = /postgres/i.test(config['connector.class'] ?? '');
  return {
    name,
    topicPrefix: prefix,
    heartbeatIntervalMs: Number.isFinite(interval) && interval > 0 ? interval : null,
    heartbeatTopic: `${config['topic.heartbeat.prefix'] ?? '__debezium-heartbeat'}.${prefix}`,
    slotName: postgres ? (config['slot.name'] ?? 'debezium') : null,
    publicationName: postgres && (config['plugin.name'] ?? 'decoderbufs') === 'pgoutput' ? (config['publication.name'] ?? 'dbz_publication') : null,
  };
}

async function readSlotAndPublication(connection: pg.ClientConfig, slotName: string, publicationName: string): Promise<DatabaseObservation> {
  const client = new pg.Client(connection);
  // An error on an idle client (the server going away) must not end the process.
  client.on('error', () => undefined);
  await client.connect();
  try {
    const slotRow = (
      await client.query<{ active: boolean; wal_status: string | null; retained: string | null }>(
        'SELECT active, wal_status, pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint::text AS retained FROM pg_replication_slots WHERE slot_name = $1',
        [slotName],
      )
    ).rows[0];
    const slot: SlotObservation =
      slotRow === undefined
        ? { found: false }
        : {
            found: true,
            active: slotRow.active,
            walStatus: slotRow.wal_status,
            retainedBytes: slotRow.retained === null ? null : Number(slotRow.retained),
          };
    const publicationRow = (await client.query<{ puballtables: boolean }>('SELECT puballtables FROM pg_publication WHERE pubname = $1', [publicationName])).rows[0];
    let publication: PublicationObservation = { exists: false };
    if (publicationRow) {
      const tables = (await client.query<{ name: string }>("SELECT schemaname || '.' || tablename AS name FROM pg_publication_tables WHERE pubname = $1", [publicationName])).rows.map(
        (row) => row.name,
      );
      publication = { exists: true, allTables: publicationRow.puballtables, tables };
    }
    return { checked: true, atMs: Date.now(), slot, publication };
  } finally {
    await client.end().catch(() => undefined);
  }
}
