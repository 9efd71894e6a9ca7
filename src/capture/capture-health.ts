/**
 * Capture health (issue 19), the decisions only: what Kafka Connect, the heartbeat topics, the
 * ERP database and the tracker's newest source changes say, turned into one state per connector,
 * the readiness reasons, and the log lines of each change of state. No I/O here: capture-monitor.ts
 * polls and hands its observations in.
 */
import type { ConnectorState, ConnectorStatus } from './connect-rest.js';

/**
 * A watched connector's capture state, in erp-delta's words. RUNNING: the connector and every
 * task run. STARTING: Connect is (re)starting it (UNASSIGNED, RESTARTING, or no task yet).
 * PAUSED and STOPPED: someone paused or stopped it through Connect. FAILED: the connector or a
 * task failed (its trace says why). MISSING: Connect does not know it. UNKNOWN: Connect did not
 * answer.
 */
export type CaptureState = 'RUNNING' | 'STARTING' | 'PAUSED' | 'STOPPED' | 'FAILED' | 'MISSING' | 'UNKNOWN';

/** A connector of connectors/ as the watch needs it, from its file and Connect's copy of its config. */
export interface WatchedConnector {
  name: string;
  /** Debezium's `topic.prefix`: its CDC topics are `<prefix>.<schema>.<table>`. */
  topicPrefix: string;
  /** `heartbeat.interval.ms`; null when heartbeats are off (0 or unset). */
  heartbeatIntervalMs: number | null;
  /** `<topic.heartbeat.prefix>.<topic.prefix>`, `__debezium-heartbeat.erp` by default. */
  heartbeatTopic: string;
  /** The PostgreSQL slot and publication, for a PostgreSQL connector. */
  slotName: string | null;
  publicationName: string | null;
}

/** What `pg_replication_slots` says about a connector's slot. */
export type SlotObservation = { found: false } | { found: true; active: boolean; walStatus: string | null; retainedBytes: number | null };

/** What `pg_publication` / `pg_publication_tables` say about a connector's publication. */
export type PublicationObservation = { exists: false } | { exists: true; allTables: boolean; tables: readonly string[] };

/** What the database side of one connector showed, or why it was not looked at. */
export type DatabaseObservation = { checked: true; atMs: number; slot: SlotObservation | null; publication: PublicationObservation | null } | { checked: false; why: string };

export interface CaptureObservations {
  nowMs: number;
  /** When the watch started: a heartbeat or a change not seen since then is at least this old. */
  watchStartedMs: number;
  pollIntervalMs: number;
  connectUrl: string;
  connect: { reachable: true; statuses: Readonly<Record<string, ConnectorStatus | null>> } | { reachable: false; error: string };
  connectors: readonly WatchedConnector[];
  /** Per connector: when its heartbeat topic last grew, as far as the watch saw. */
  heartbeatSeenMs: Readonly<Record<string, number | undefined>>;
  /** Per connector: its slot and publication, when the watch can read them. */
  database: Readonly<Record<string, DatabaseObservation | undefined>>;
  /** The entities of the config: their CDC topics tell which connector captures which table. */
  entities: ReadonlyArray<{ name: string; topic: string }>;
  /** Per entity: the source time (ts_ms) of the newest change the tracker has read. */
  newestSourceChangeMs: ReadonlyMap<string, number>;
  /** An entity without a change this long, while another of its connector had one, is silent; null: never. */
  silentTableAfterMs: number | null;
  /** The assessment of the poll before, for what lasts across polls (since when a state holds). */
  previous?: CaptureHealth | undefined;
}

/**
 * Kafka Connect answers 404 for its connectors for a while after it started, until it has read its
 * config and status topics: in that time after it answers again, a connector it does not know is
 * STARTING, not MISSING.
 */
export const CONNECT_RESTART_GRACE_MS = 60_000;

export interface TaskHealth {
  id: number;
  state: ConnectorState;
  workerId: string;
  trace?: string | undefined;
}

export interface ConnectorHealth {
  name: string;
  state: CaptureState;
  /** Since when the connector has been RUNNING without a break, as the watch saw it. */
  runningSinceMs: number | null;
  /** Connect's own words: the connector's state and worker; absent when Connect did not say. */
  connector: { state: ConnectorState; workerId: string; trace?: string | undefined } | null;
  tasks: TaskHealth[];
  heartbeat: {
    topic: string;
    intervalMs: number | null;
    /** Seconds since the heartbeat topic last grew; since the watch started when it has not yet. */
    ageSeconds: number;
    seen: boolean;
    /** Heartbeats are on and none came for three intervals while the connector runs. */
    stale: boolean;
  };
  slot: { name: string; status: 'ok' | 'missing' | 'lost' | 'unreserved' | 'unknown'; active: boolean | null; retainedBytes: number | null; walStatus: string | null } | null;
  publication: { name: string; exists: boolean | null; missingTables: string[] } | null;
  /** Why the slot and publication were not looked at, when they were not. */
  databaseNote: string | null;
  /** One sentence on what the state needs from an operator; null when nothing. */
  advice: string | null;
}

export interface EntityCapture {
  entity: string;
  /** The connector whose `topic.prefix` the entity's CDC topic starts with; null: none of connectors/. */
  connector: string | null;
  /** `schema.table`, from the CDC topic. */
  table: string | null;
  /** Seconds since the newest source change the tracker read; null before the first one. */
  sourceChangeAgeSeconds: number | null;
  /** Whether the connector's publication lists the table; null when not checked. */
  inPublication: boolean | null;
  /** No change for `silentTableAfterMs` while another table of the same connector changed. */
  silent: boolean;
}

export interface CaptureHealth {
  atMs: number;
  /** `reachableSinceMs`: when Connect answered again after not answering (null: since the watch started). */
  connect: { url: string; reachable: boolean; error: string | null; reachableSinceMs: number | null };
  connectors: ConnectorHealth[];
  entities: EntityCapture[];
}

/** The connector's and its tasks' states from Connect, in one word. */
export function captureStateOf(status: ConnectorStatus | null): CaptureState {
  if (status === null) return 'MISSING';
  const parts = [status.connector.state, ...status.tasks.map((task) => task.state)];
  if (parts.includes('FAILED')) return 'FAILED';
  if (status.connector.state === 'STOPPED') return 'STOPPED';
  if (parts.includes('PAUSED')) return 'PAUSED';
  if (status.connector.state === 'RUNNING' && status.tasks.length > 0 && status.tasks.every((task) => task.state === 'RUNNING')) return 'RUNNING';
  return 'STARTING';
}

/** The entity's connector and table: the connector whose topic prefix its CDC topic starts with. */
export function capturedTable(topic: string, connectors: readonly WatchedConnector[]): { connector: string; table: string } | null {
  // The longest prefix wins: `erp` and `erp.eu` may both be prefixes.
  const owner = [...connectors].sort((a, b) => b.topicPrefix.length - a.topicPrefix.length).find((connector) => topic.startsWith(`${connector.topicPrefix}.`));
  if (!owner) return null;
  const table = topic.slice(owner.topicPrefix.length + 1);
  return table.includes('.') ? { connector: owner.name, table } : null;
}

/**
 * A task's trace that says the connector's position is gone from the server: an invalidated or
 * dropped slot. Recovering from it is a capture reset, not a restart.
 */
export function positionLost(trace: string | undefined): boolean {
  return (
    trace !== undefined
    && /no longer available on the server|replication slot .* (does not exist|has been invalidated|was invalidated)|can no longer get changes from replication slot|requested WAL segment .* has already been removed/i.test(
      trace,
    )
  );
}

/**
 * The first line of a trace: the exception and its message, without the stack. A long one keeps
 * its start (the exception) and its end (Debezium puts the cause after a dump of its offsets).
 */
export function traceHeadline(trace: string | undefined): string {
  const line =
    (trace ?? '')
      .split('\n')
      .find((text) => text.trim() !== '')
      ?.trim() ?? '(no trace given)';
  return line.length > 320 ? `${line.slice(0, 150)} … ${line.slice(-160)}` : line;
}

export function assessCapture(observations: CaptureObservations): CaptureHealth {
  const { nowMs, connect, previous } = observations;
  const reachableSinceMs = !connect.reachable ? null : previous === undefined ? null : previous.connect.reachable ? previous.connect.reachableSinceMs : nowMs;
  const ageSeconds = (sinceMs: number): number => Math.max(0, Math.round((nowMs - sinceMs) / 1000));
  const entities = observations.entities.map((entity) => {
    const captured = capturedTable(entity.topic, observations.connectors);
    const newest = observations.newestSourceChangeMs.get(entity.name);
    return { entity: entity.name, connector: captured?.connector ?? null, table: captured?.table ?? null, newest };
  });

  const connectors = observations.connectors.map((watched): ConnectorHealth => {
    const status = connect.reachable ? (connect.statuses[watched.name] ?? null) : undefined;
    const restarting = status === null && reachableSinceMs !== null && nowMs - reachableSinceMs < CONNECT_RESTART_GRACE_MS;
    const state = status === undefined ? 'UNKNOWN' : restarting ? 'STARTING' : captureStateOf(status);
    const before = previous?.connectors.find((connector) => connector.name === watched.name);
    // At the watch's first poll the connector may have run for long: its run counts from the watch's start.
    const runningSinceMs = state !== 'RUNNING' ? null : previous === undefined ? observations.watchStartedMs : before?.state === 'RUNNING' ? before.runningSinceMs : nowMs;
    const seenMs = observations.heartbeatSeenMs[watched.name];
    const heartbeatAge = ageSeconds(seenMs ?? observations.watchStartedMs);
    const intervalMs = watched.heartbeatIntervalMs;
    // Three intervals, and never less than what two polls can miss.
    const staleAfterMs = intervalMs === null ? null : Math.max(3 * intervalMs, intervalMs + 2 * observations.pollIntervalMs);
    const database = observations.database[watched.name];
    const checked = database?.checked === true ? database : undefined;
    const publication =
      watched.publicationName === null
        ? null
        : {
            name: watched.publicationName,
            exists: checked?.publication ? checked.publication.exists : null,
            missingTables: checked?.publication
              ? missingTables(
                  checked.publication,
                  entities.filter((entity) => entity.connector === watched.name).flatMap((entity) => entity.table ?? []),
                )
              : [],
          };
    const health: ConnectorHealth = {
      name: watched.name,
      state,
      runningSinceMs,
      connector: status ? { state: status.connector.state, workerId: status.connector.worker_id, trace: status.connector.trace } : null,
      tasks: status ? status.tasks.map((task) => ({ id: task.id, state: task.state, workerId: task.worker_id, trace: task.trace })) : [],
      heartbeat: {
        topic: watched.heartbeatTopic,
        intervalMs,
        ageSeconds: heartbeatAge,
        seen: seenMs !== undefined,
        // Counted from the last heartbeat, or from when the watch, or the connector's run, started.
        stale: state === 'RUNNING' && staleAfterMs !== null && nowMs - Math.max(seenMs ?? observations.watchStartedMs, runningSinceMs ?? 0) > staleAfterMs,
      },
      slot: watched.slotName === null ? null : slotHealth(watched.slotName, checked?.slot ?? null),
      publication,
      databaseNote: database === undefined ? null : database.checked ? null : database.why,
      advice: null,
    };
    health.advice = adviceFor(health, observations.connectUrl);
    return health;
  });

  const entityHealth = entities.map(({ entity, connector, table, newest }): EntityCapture => {
    const owner = connectors.find((candidate) => candidate.name === connector);
    // A publication that does not exist while its connector does not run (missing, not started
    // yet) is that connector's problem, said as its state: its tables are not out of capture one by one.
    const publication = owner?.publication && owner.publication.exists !== null && (owner.publication.exists || owner.state === 'RUNNING') ? owner.publication : undefined;
    const missing = publication ? publication.missingTables.includes(table ?? '') || !publication.exists : null;
    return {
      entity,
      connector,
      table,
      sourceChangeAgeSeconds: newest === undefined ? null : ageSeconds(newest),
      inPublication: missing === null ? null : !missing,
      silent: silentEntity(entity, connector, newest, entities, observations),
    };
  });
  return {
    atMs: nowMs,
    connect: { url: observations.connectUrl, reachable: connect.reachable, error: connect.reachable ? null : connect.error, reachableSinceMs },
    connectors,
    entities: entityHealth,
  };
}

function missingTables(publication: PublicationObservation, tables: readonly string[]): string[] {
  if (!publication.exists) return [...tables];
  if (publication.allTables) return [];
  return tables.filter((table) => !publication.tables.includes(table));
}

function slotHealth(name: string, slot: SlotObservation | null): NonNullable<ConnectorHealth['slot']> {
  if (slot === null) return { name, status: 'unknown', active: null, retainedBytes: null, walStatus: null };
  if (!slot.found) return { name, status: 'missing', active: null, retainedBytes: null, walStatus: null };
  // wal_status (PostgreSQL 13+): 'lost' once max_slot_wal_keep_size removed WAL the slot needed;
  // 'unreserved' means it is about to be.
  const status = slot.walStatus === 'lost' ? 'lost' : slot.walStatus === 'unreserved' ? 'unreserved' : 'ok';
  return { name, status, active: slot.active, retainedBytes: slot.retainedBytes, walStatus: slot.walStatus };
}

/**
 * Silent: its connector runs and another of its tables changed within `silentTableAfterMs`, but
 * this one has not (or not since the watch started, that long ago). A quiet table can be normal,
 * so this is a warning; a table rebuilt out of a filtered publication looks exactly like it.
 */
function silentEntity(
  entity: string,
  connector: string | null,
  newest: number | undefined,
  entities: ReadonlyArray<{ entity: string; connector: string | null; newest: number | undefined }>,
  observations: CaptureObservations,
): boolean {
  const window = observations.silentTableAfterMs;
  if (window === null || connector === null) return false;
  const { nowMs } = observations;
  if (nowMs - (newest ?? observations.watchStartedMs) <= window) return false;
  return entities.some((other) => other.entity !== entity && other.connector === connector && other.newest !== undefined && nowMs - other.newest <= window);
}

function adviceFor(health: ConnectorHealth, connectUrl: string): string | null {
  const { name } = health;
  const lostTrace = [health.connector?.trace, ...health.tasks.map((task) => task.trace)].some((trace) => positionLost(trace));
  if (health.slot?.status === 'lost' || (health.state === 'FAILED' && lostTrace)) {
    return `The connector's position is gone from the ERP server (slot ${health.slot?.name ?? ''} invalidated or dropped): a capture reset. Drop the lost slot, reset the connector's offsets (PUT ${connectUrl}/connectors/${name}/stop, DELETE ${connectUrl}/connectors/${name}/offsets, PUT ${connectUrl}/connectors/${name}/resume) so that Debezium takes a new snapshot, then run \`erp-delta refresh --from-source\` (README, "Capture health").`;
  }
  switch (health.state) {
    case 'PAUSED':
      return `Resume it when the pause is over: PUT ${connectUrl}/connectors/${name}/resume. Changes wait in the slot meanwhile, and the slot keeps WAL on the ERP server.`;
    case 'STOPPED':
      return `Resume it: PUT ${connectUrl}/connectors/${name}/resume. Changes wait in the slot meanwhile, and the slot keeps WAL on the ERP server.`;
    case 'FAILED':
      return `Read the trace, fix the cause, then restart it: POST ${connectUrl}/connectors/${name}/restart?includeTasks=true&onlyFailed=true.`;
    case 'MISSING':
      return 'Apply it: `erp-delta connectors apply`. A connector created again without its offsets takes a new snapshot (a capture reset: README, "Capture health").';
    case 'UNKNOWN':
      return `Kafka Connect at ${connectUrl} does not answer: start it (\`erp-delta stack up\` on the local stack); its connectors go on from their offsets.`;
    default:
      break;
  }
  if (health.publication && health.publication.missingTables.length > 0) {
    return `Re-apply the connector with a restart (\`erp-delta connectors apply --restart\`: Debezium sets its publication to table.include.list when it starts), then run a full compare for the changes it missed: \`erp-delta refresh --from-source\`.`;
  }
  if (health.slot?.status === 'unreserved') return 'The slot is about to lose WAL it needs (max_slot_wal_keep_size): the connector must catch up now, or its slot will be invalidated.';
  if (health.heartbeat.stale) return `No heartbeat on ${health.heartbeat.topic} for ${health.heartbeat.ageSeconds} s although the connector runs: look at Kafka Connect's log for this connector.`;
  return null;
}

/** What /readyz says about the capture: one short sentence per problem, naming the connector. */
export function captureReadinessReasons(health: CaptureHealth): string[] {
  if (!health.connect.reachable) {
    const error = health.connect.error ?? 'no answer';
    const what = /^HTTP 40[13]\b/.test(error) ? "refuses erp-delta's credentials" : 'is not reachable';
    return [`Kafka Connect at ${health.connect.url} ${what} (${error}): the state of connector ${health.connectors.map((connector) => connector.name).join(', ')} is unknown`];
  }
  const reasons: string[] = [];
  for (const connector of health.connectors) {
    switch (connector.state) {
      case 'RUNNING':
        break;
      case 'MISSING':
        reasons.push(`connector ${connector.name} is missing from Kafka Connect`);
        break;
      case 'FAILED': {
        const failed = [
          ...(connector.connector?.state === 'FAILED' ? [{ part: 'the connector', trace: connector.connector.trace }] : []),
          ...connector.tasks.filter((task) => task.state === 'FAILED').map((task) => ({ part: `task ${task.id}`, trace: task.trace })),
        ];
        reasons.push(`connector ${connector.name} is FAILED: ${failed.map(({ part, trace }) => `${part}: ${traceHeadline(trace)}`).join('; ')}`);
        break;
      }
      case 'STARTING':
        reasons.push(
          connector.connector === null
            ? `connector ${connector.name} is not running yet (Kafka Connect answers again and does not list it yet)`
            : `connector ${connector.name} is not running yet (connector ${connector.connector.state}, ${connector.tasks.length === 0 ? 'no task' : connector.tasks.map((task) => `task ${task.id} ${task.state}`).join(', ')})`,
        );
        break;
      default:
        reasons.push(`connector ${connector.name} is ${connector.state}`);
    }
    if (connector.slot?.status === 'lost')
      reasons.push(`replication slot ${connector.slot.name} of connector ${connector.name} is lost (invalidated by max_slot_wal_keep_size): a capture reset is needed`);
  }
  for (const entity of health.entities) {
    if (entity.inPublication !== false) continue;
    const connector = health.connectors.find((candidate) => candidate.name === entity.connector);
    reasons.push(
      `table ${entity.table ?? '?'} of entity ${entity.entity} is not in publication ${connector?.publication?.name ?? '?'} of connector ${entity.connector ?? '?'}: its changes are not captured`,
    );
  }
  return reasons;
}

export type CaptureLogLevel = 'info' | 'warn' | 'error';

export interface CaptureLogEvent {
  level: CaptureLogLevel;
  msg: string;
  fields: Record<string, unknown>;
}

const STATE_LEVEL: Record<CaptureState, CaptureLogLevel> = {
  RUNNING: 'info',
  STARTING: 'info',
  PAUSED: 'warn',
  STOPPED: 'warn',
  FAILED: 'error',
  MISSING: 'error',
  UNKNOWN: 'warn',
};

/**
 * The log of the capture's states: one line per change of state, never one per poll. It remembers
 * what it said last for each thing it watches, so a state that holds says nothing more. While
 * Kafka Connect does not answer, the connectors' last known states are kept, and only the ones that
 * differ once it answers again are logged.
 */
export class CaptureStateLog {
  private readonly said = new Map<string, string>();

  next(health: CaptureHealth): CaptureLogEvent[] {
    const events: CaptureLogEvent[] = [];
    const change = (subject: string, signature: string, event: () => CaptureLogEvent | undefined): void => {
      const before = this.said.get(subject);
      if (before === signature) return;
      this.said.set(subject, signature);
      const made = event();
      if (made) events.push(made);
    };
    const { connect } = health;
    change('connect', connect.reachable ? 'reachable' : 'unreachable', () => {
      if (connect.reachable) return this.said.has('connect-said') ? { level: 'info', msg: 'capture: Kafka Connect answers again', fields: { url: connect.url } } : undefined;
      return this.remember('connect-said', {
        level: 'error',
        msg: "capture: Kafka Connect is not reachable, the connectors' state is unknown",
        fields: { url: connect.url, error: connect.error, connectors: health.connectors.map((connector) => connector.name), hint: health.connectors[0]?.advice ?? undefined },
      });
    });
    for (const connector of health.connectors) {
      if (connector.state !== 'UNKNOWN') {
        const failedTasks = connector.tasks.filter((task) => task.state === 'FAILED').map((task) => task.id);
        const previous = this.said.get(`connector:${connector.name}`)?.split(' ')[0];
        change(`connector:${connector.name}`, `${connector.state} ${failedTasks.join(',')}`, () => ({
          level: STATE_LEVEL[connector.state],
          msg: 'capture: connector state changed',
          fields: {
            connector: connector.name,
            state: connector.state,
            ...(previous === undefined ? {} : { previous }),
            connectorState: connector.connector?.state,
            tasks: connector.tasks.map((task) => `${task.id} ${task.state}`),
            ...(connector.state === 'FAILED' ? { trace: failedTrace(connector) } : {}),
            ...(connector.advice === null ? {} : { hint: connector.advice }),
          },
        }));
      }
      if (connector.slot && connector.slot.status !== 'unknown') {
        const slot = connector.slot;
        change(`slot:${connector.name}`, slot.status, () =>
          slot.status === 'ok'
            ? this.said.has(`slot-said:${connector.name}`)
              ? { level: 'info', msg: 'capture: replication slot in order again', fields: { connector: connector.name, slot: slot.name } }
              : undefined
            : this.remember(`slot-said:${connector.name}`, {
                level: slot.status === 'unreserved' ? 'warn' : 'error',
                msg: `capture: replication slot ${slot.status}`,
                fields: { connector: connector.name, slot: slot.name, walStatus: slot.walStatus, retainedBytes: slot.retainedBytes, hint: connector.advice ?? undefined },
              }),
        );
      }
      change(`heartbeat:${connector.name}`, connector.heartbeat.stale ? 'stale' : 'fresh', () =>
        connector.heartbeat.stale
          ? this.remember(`heartbeat-said:${connector.name}`, {
              level: 'warn',
              msg: 'capture: no heartbeat from a running connector',
              fields: {
                connector: connector.name,
                topic: connector.heartbeat.topic,
                ageSeconds: connector.heartbeat.ageSeconds,
                intervalMs: connector.heartbeat.intervalMs,
                hint: connector.advice ?? undefined,
              },
            })
          : this.said.has(`heartbeat-said:${connector.name}`)
            ? { level: 'info', msg: 'capture: heartbeats again', fields: { connector: connector.name, topic: connector.heartbeat.topic } }
            : undefined,
      );
      if (connector.databaseNote !== null) {
        const note = connector.databaseNote;
        change(`database:${connector.name}`, note, () => ({ level: 'info', msg: "capture: the connector's slot and publication are not checked", fields: { connector: connector.name, why: note } }));
      }
    }
    for (const entity of health.entities) {
      if (entity.inPublication !== null) {
        const connector = health.connectors.find((candidate) => candidate.name === entity.connector);
        change(`publication:${entity.entity}`, String(entity.inPublication), () =>
          entity.inPublication
            ? this.said.has(`publication-said:${entity.entity}`)
              ? { level: 'info', msg: 'capture: table back in the publication', fields: { entity: entity.entity, table: entity.table, connector: entity.connector } }
              : undefined
            : this.remember(`publication-said:${entity.entity}`, {
                level: 'error',
                msg: "capture: a table of the config is not in its connector's publication: its changes are not captured",
                fields: { entity: entity.entity, table: entity.table, connector: entity.connector, publication: connector?.publication?.name, hint: connector?.advice ?? undefined },
              }),
        );
      }
      change(`silent:${entity.entity}`, String(entity.silent), () =>
        entity.silent
          ? this.remember(`silent-said:${entity.entity}`, {
              level: 'warn',
              msg: 'capture: no change of this table while other tables of its connector change',
              fields: {
                entity: entity.entity,
                table: entity.table,
                connector: entity.connector,
                sourceChangeAgeSeconds: entity.sourceChangeAgeSeconds,
                hint: 'A quiet table, or one an upgrade script rebuilt out of a filtered publication: check that the publication lists it; if not, re-apply the connector with a restart (`erp-delta connectors apply --restart`), then run a full compare (`erp-delta refresh --from-source`).',
              },
            })
          : this.said.has(`silent-said:${entity.entity}`)
            ? { level: 'info', msg: 'capture: the table changes again', fields: { entity: entity.entity, table: entity.table } }
            : undefined,
      );
    }
    return events;
  }

  /** Notes that a problem was said, so that its end is said too (and a first good state is not). */
  private remember(key: string, event: CaptureLogEvent): CaptureLogEvent {
    this.said.set(key, 'said');
    return event;
  }
}

function failedTrace(connector: ConnectorHealth): string {
  const traces = [connector.connector?.state === 'FAILED' ? connector.connector.trace : undefined, ...connector.tasks.filter((task) => task.state === 'FAILED').map((task) => task.trace)];
  // The stack's first lines name the cause; the rest is Connect's own frames.
  return traces
    .filter((trace): trace is string => trace !== undefined)
    .map((trace) => trace.split('\n').slice(0, 8).join('\n'))
    .join('\n---\n');
}
