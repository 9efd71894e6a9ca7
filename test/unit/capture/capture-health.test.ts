import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  assessCapture,
  captureReadinessReasons,
  captureStateOf,
  capturedTable,
  CaptureStateLog,
  CONNECT_RESTART_GRACE_MS,
  positionLost,
  type CaptureObservations,
  type DatabaseObservation,
  type WatchedConnector,
} from '../../../src/capture/capture-health.js';
import type { ConnectorState, ConnectorStatus } from '../../../src/capture/connect-rest.js';
import { excludeChecks, readiness, withCaptureReasons } from '../../../src/admin/readiness.js';

const URL = 'http://connect:8083';
const T0 = 1_800_000_000_000;

const ERP: WatchedConnector = {
  name: 'erp-postgres',
  topicPrefix: 'erp',
  heartbeatIntervalMs: 10_000,
  heartbeatTopic: '__debezium-heartbeat.erp',
  slotName: 'erp_delta',
  publicationName: 'erp_delta',
};

function status(connector: ConnectorState, ...tasks: Array<ConnectorState | [ConnectorState, string]>): ConnectorStatus {
  return {
    name: 'erp-postgres',
    connector: { state: connector, worker_id: 'w1:8083' },
    tasks: tasks.map((task, id) => (Array.isArray(task) ? { id, state: task[0], worker_id: 'w1:8083', trace: task[1] } : { id, state: task, worker_id: 'w1:8083' })),
  };
}

const IN_ORDER: DatabaseObservation = {
  checked: true,
  atMs: T0,
  slot: { found: true, active: true, walStatus: 'reserved', retainedBytes: 4096 },
  publication: { exists: true, allTables: false, tables: ['public.customers', 'public.products', 'public.stock_levels'] },
};

function observations(overrides: Partial<CaptureObservations> = {}): CaptureObservations {
  return {
    nowMs: T0 + 60_000,
    watchStartedMs: T0,
    pollIntervalMs: 5_000,
    connectUrl: URL,
    connect: { reachable: true, statuses: { 'erp-postgres': status('RUNNING', 'RUNNING') } },
    connectors: [ERP],
    heartbeatSeenMs: { 'erp-postgres': T0 + 55_000 },
    database: { 'erp-postgres': IN_ORDER },
    entities: [
      { name: 'customers', topic: 'erp.public.customers' },
      { name: 'products', topic: 'erp.public.products' },
      { name: 'stock_levels', topic: 'erp.public.stock_levels' },
    ],
    newestSourceChangeMs: new Map([
      ['customers', T0 + 50_000],
      ['products', T0 + 40_000],
    ]),
    silentTableAfterMs: null,
    ...overrides,
  };
}

describe('capture health: connector states', () => {
  it('names the state of a connector and its tasks in one word', () => {
    assert.equal(captureStateOf(status('RUNNING', 'RUNNING', 'RUNNING')), 'RUNNING');
    assert.equal(captureStateOf(status('RUNNING')), 'STARTING', 'no task yet');
    assert.equal(captureStateOf(status('RUNNING', 'UNASSIGNED')), 'STARTING');
    assert.equal(captureStateOf(status('RESTARTING', 'RUNNING')), 'STARTING');
    assert.equal(captureStateOf(status('PAUSED', 'PAUSED')), 'PAUSED');
    assert.equal(captureStateOf(status('RUNNING', 'PAUSED')), 'PAUSED', 'the connector is resumed, its task not yet');
    assert.equal(captureStateOf(status('STOPPED')), 'STOPPED');
    assert.equal(captureStateOf(status('RUNNING', 'RUNNING', 'FAILED')), 'FAILED', 'one failed task is enough');
    assert.equal(captureStateOf(status('FAILED')), 'FAILED');
    assert.equal(captureStateOf(null), 'MISSING');
  });

  it("finds each entity's connector and table by the topic prefix, the longest first", () => {
    const eu: WatchedConnector = { ...ERP, name: 'erp-eu', topicPrefix: 'erp.eu' };
    assert.deepEqual(capturedTable('erp.public.customers', [ERP, eu]), { connector: 'erp-postgres', table: 'public.customers' });
    assert.deepEqual(capturedTable('erp.eu.public.customers', [ERP, eu]), { connector: 'erp-eu', table: 'public.customers' });
    assert.equal(capturedTable('other.public.customers', [ERP]), null);
    assert.equal(capturedTable('erp.customers', [ERP]), null, 'no schema.table after the prefix');
  });

  it('tells a lost position from other failures by the trace', () => {
    assert.equal(
      positionLost(
        'io.debezium.DebeziumException: The connector is trying to read change stream starting at PostgresOffsetContext [...], but this is no longer available on the server. Reconfigure the connector to use a snapshot mode when needed.',
      ),
      true,
    );
    assert.equal(positionLost('org.postgresql.util.PSQLException: ERROR: replication slot "erp_delta" does not exist'), true);
    assert.equal(positionLost('ERROR: can no longer get changes from replication slot "erp_delta"'), true);
    assert.equal(positionLost('org.postgresql.util.PSQLException: Connection to 127.0.0.1:5433 refused.'), false);
    assert.equal(positionLost(undefined), false);
  });
});

describe('capture health: readiness reasons', () => {
  it('has none while every connector runs and every table is in its publication', () => {
    const health = assessCapture(observations());
    assert.deepEqual(captureReadinessReasons(health), []);
    assert.equal(health.connectors[0]?.state, 'RUNNING');
    assert.equal(health.connectors[0]?.advice, null);
    assert.deepEqual(
      health.entities.map((entity) => [entity.entity, entity.inPublication, entity.sourceChangeAgeSeconds]),
      [
        ['customers', true, 10],
        ['products', true, 20],
        ['stock_levels', true, null],
      ],
    );
  });

  it('names the connector and its state: paused, stopped, missing, starting', () => {
    const reasons = (statusOf: ConnectorStatus | null): string[] => captureReadinessReasons(assessCapture(observations({ connect: { reachable: true, statuses: { 'erp-postgres': statusOf } } })));
    assert.deepEqual(reasons(status('PAUSED', 'PAUSED')), ['connector erp-postgres is PAUSED']);
    assert.deepEqual(reasons(status('STOPPED')), ['connector erp-postgres is STOPPED']);
    assert.deepEqual(reasons(null), ['connector erp-postgres is missing from Kafka Connect']);
    assert.deepEqual(reasons(status('RUNNING', 'UNASSIGNED')), ['connector erp-postgres is not running yet (connector RUNNING, task 0 UNASSIGNED)']);
  });

  it('names a failed task with the first line of its trace', () => {
    const trace =
      'io.debezium.DebeziumException: The connector is trying to read change stream starting at X, but this is no longer available on the server.\n\tat io.debezium.connector.common.BaseSourceTask.validateSchemaHistory(BaseSourceTask.java:164)';
    const health = assessCapture(observations({ connect: { reachable: true, statuses: { 'erp-postgres': status('RUNNING', ['FAILED', trace]) } } }));
    assert.deepEqual(captureReadinessReasons(health), [
      'connector erp-postgres is FAILED: task 0: io.debezium.DebeziumException: The connector is trying to read change stream starting at X, but this is no longer available on the server.',
    ]);
    assert.match(health.connectors[0]?.advice ?? '', /a capture reset/, 'a lost position is a capture reset, not a restart');
    assert.match(health.connectors[0]?.advice ?? '', /DELETE http:\/\/connect:8083\/connectors\/erp-postgres\/offsets/);
  });

  it('keeps the start and the end of a long first line of a trace', () => {
    const trace = `io.debezium.DebeziumException: The connector is trying to read change stream starting at PostgresOffsetContext [${'x'.repeat(600)}], but this is no longer available on the server. Reconfigure the connector to use a snapshot mode when needed.\n\tat io.debezium.Foo`;
    const [reason] = captureReadinessReasons(assessCapture(observations({ connect: { reachable: true, statuses: { 'erp-postgres': status('RUNNING', ['FAILED', trace]) } } })));
    assert.match(
      reason ?? '',
      /^connector erp-postgres is FAILED: task 0: io\.debezium\.DebeziumException: The connector is trying .* … .*but this is no longer available on the server\. Reconfigure the connector to use a snapshot mode when needed\.$/,
    );
    assert.ok((reason ?? '').length < 400);
  });

  it('advises a restart for a task that failed for another reason', () => {
    const health = assessCapture(observations({ connect: { reachable: true, statuses: { 'erp-postgres': status('RUNNING', ['FAILED', 'org.apache.kafka.connect.errors.ConnectException: boom']) } } }));
    assert.match(health.connectors[0]?.advice ?? '', /restart\?includeTasks=true&onlyFailed=true/);
  });

  it('says Connect is not reachable, once, instead of a reason per connector', () => {
    const health = assessCapture(observations({ connect: { reachable: false, error: 'fetch failed' } }));
    assert.equal(health.connectors[0]?.state, 'UNKNOWN');
    assert.deepEqual(captureReadinessReasons(health), ['Kafka Connect at http://connect:8083 is not reachable (fetch failed): the state of connector erp-postgres is unknown']);
    const refused = assessCapture(observations({ connect: { reachable: false, error: 'HTTP 401 to GET /connectors/erp-postgres/status: User cannot access the resource.' } }));
    assert.match(captureReadinessReasons(refused)[0] ?? '', /^Kafka Connect at http:\/\/connect:8083 refuses erp-delta's credentials \(HTTP 401 to GET/);
  });

  it('takes a connector Connect does not list right after Connect answers again as starting, not missing', () => {
    const down = assessCapture(observations({ connect: { reachable: false, error: 'fetch failed' } }));
    const back = assessCapture(observations({ nowMs: T0 + 70_000, previous: down, connect: { reachable: true, statuses: { 'erp-postgres': null } } }));
    assert.equal(back.connectors[0]?.state, 'STARTING');
    assert.deepEqual(captureReadinessReasons(back), ['connector erp-postgres is not running yet (Kafka Connect answers again and does not list it yet)']);
    const stillUnknown = assessCapture(observations({ nowMs: T0 + 70_000 + CONNECT_RESTART_GRACE_MS, previous: back, connect: { reachable: true, statuses: { 'erp-postgres': null } } }));
    assert.equal(stillUnknown.connectors[0]?.state, 'MISSING', 'a minute later it is missing');
    const atStart = assessCapture(observations({ connect: { reachable: true, statuses: { 'erp-postgres': null } } }));
    assert.equal(atStart.connectors[0]?.state, 'MISSING', "at the watch's start, no grace");
  });

  it('names a lost slot although Connect still says RUNNING (Debezium retries it for a long while)', () => {
    const health = assessCapture(observations({ database: { 'erp-postgres': { ...IN_ORDER, slot: { found: true, active: false, walStatus: 'lost', retainedBytes: null } } as DatabaseObservation } }));
    assert.deepEqual(captureReadinessReasons(health), ['replication slot erp_delta of connector erp-postgres is lost (invalidated by max_slot_wal_keep_size): a capture reset is needed']);
    assert.equal(health.connectors[0]?.slot?.status, 'lost');
  });

  it("names a table of the config that left its connector's publication, with the fix", () => {
    const health = assessCapture(
      observations({ database: { 'erp-postgres': { ...IN_ORDER, publication: { exists: true, allTables: false, tables: ['public.customers', 'public.stock_levels'] } } as DatabaseObservation } }),
    );
    assert.deepEqual(captureReadinessReasons(health), ['table public.products of entity products is not in publication erp_delta of connector erp-postgres: its changes are not captured']);
    assert.deepEqual(health.connectors[0]?.publication?.missingTables, ['public.products']);
    assert.match(health.connectors[0]?.advice ?? '', /Re-apply the connector with a restart \(`erp-delta connectors apply --restart`.* then run a full compare .*`erp-delta refresh --from-source`/);
  });

  it('takes a publication FOR ALL TABLES as listing every table, and a missing one as listing none', () => {
    const all = assessCapture(observations({ database: { 'erp-postgres': { ...IN_ORDER, publication: { exists: true, allTables: true, tables: [] } } as DatabaseObservation } }));
    assert.deepEqual(
      all.entities.map((entity) => entity.inPublication),
      [true, true, true],
    );
    const none = assessCapture(observations({ database: { 'erp-postgres': { ...IN_ORDER, publication: { exists: false } } as DatabaseObservation } }));
    assert.deepEqual(
      none.entities.map((entity) => entity.inPublication),
      [false, false, false],
    );
  });

  it('says a connector missing from Connect, not its tables, while its publication does not exist yet', () => {
    const missing = assessCapture(
      observations({
        connect: { reachable: true, statuses: { 'erp-postgres': null } },
        database: { 'erp-postgres': { ...IN_ORDER, publication: { exists: false } } as DatabaseObservation },
      }),
    );
    assert.deepEqual(
      missing.entities.map((entity) => entity.inPublication),
      [null, null, null],
    );
    assert.deepEqual(captureReadinessReasons(missing), ['connector erp-postgres is missing from Kafka Connect']);
  });

  it('leaves the slot and publication unknown when they could not be read, with why', () => {
    const health = assessCapture(observations({ database: { 'erp-postgres': { checked: false, why: "the connector's database.password is a Connect config provider reference" } } }));
    assert.deepEqual(captureReadinessReasons(health), []);
    assert.equal(health.connectors[0]?.slot?.status, 'unknown');
    assert.deepEqual(
      health.entities.map((entity) => entity.inPublication),
      [null, null, null],
    );
    assert.match(health.connectors[0]?.databaseNote ?? '', /config provider reference/);
  });

  it('goes into /readyz as the named check "capture", which a probe may leave out', () => {
    const base = { started: true, restoring: 0, tasks: 3, kafka: { reachable: true }, registry: { reachable: true } };
    const notReady = withCaptureReasons(readiness(base), ['connector erp-postgres is PAUSED']);
    assert.deepEqual(notReady, { ready: false, reasons: ['connector erp-postgres is PAUSED'], checks: { capture: ['connector erp-postgres is PAUSED'] } });
    assert.deepEqual(excludeChecks(notReady, ['capture']), { ready: true, reasons: [], checks: { capture: ['connector erp-postgres is PAUSED'] }, excluded: ['capture'] });
    assert.deepEqual(excludeChecks(notReady, ['nothing-of-that-name']), notReady, 'an unknown name leaves the check on');
    const both = withCaptureReasons(readiness({ ...base, restoring: 1 }), ['connector erp-postgres is PAUSED']);
    assert.deepEqual(excludeChecks(both, ['capture']).reasons, ['1 task(s) are restoring their state stores']);
    assert.deepEqual(readiness(base), { ready: true, reasons: [] }, 'no capture watch: no capture check');
  });
});

describe('capture health: freshness', () => {
  it('takes heartbeats as stale after three intervals without one while the connector runs', () => {
    const fresh = assessCapture(observations({ nowMs: T0 + 80_000, heartbeatSeenMs: { 'erp-postgres': T0 + 55_000 } }));
    assert.equal(fresh.connectors[0]?.heartbeat.stale, false);
    assert.equal(fresh.connectors[0]?.heartbeat.ageSeconds, 25);
    const stale = assessCapture(observations({ nowMs: T0 + 90_000, heartbeatSeenMs: { 'erp-postgres': T0 + 55_000 } }));
    assert.equal(stale.connectors[0]?.heartbeat.stale, true);
    assert.match(stale.connectors[0]?.advice ?? '', /No heartbeat on __debezium-heartbeat\.erp for 35 s/);
    assert.deepEqual(captureReadinessReasons(stale), [], 'a late heartbeat is for the metrics and the log, not readiness');
    const paused = assessCapture(
      observations({ nowMs: T0 + 90_000, heartbeatSeenMs: { 'erp-postgres': T0 + 55_000 }, connect: { reachable: true, statuses: { 'erp-postgres': status('PAUSED', 'PAUSED') } } }),
    );
    assert.equal(paused.connectors[0]?.heartbeat.stale, false, 'a paused connector sends none: its state says it');
  });

  it('does not call heartbeats stale before the connector has run three intervals', () => {
    const missing = assessCapture(observations({ nowMs: T0 + 100_000, heartbeatSeenMs: {}, connect: { reachable: true, statuses: { 'erp-postgres': null } } }));
    const started = assessCapture(observations({ nowMs: T0 + 105_000, heartbeatSeenMs: {}, previous: missing }));
    assert.deepEqual([started.connectors[0]?.state, started.connectors[0]?.runningSinceMs, started.connectors[0]?.heartbeat.stale], ['RUNNING', T0 + 105_000, false]);
    const later = assessCapture(observations({ nowMs: T0 + 140_000, heartbeatSeenMs: {}, previous: started }));
    assert.deepEqual([later.connectors[0]?.runningSinceMs, later.connectors[0]?.heartbeat.stale], [T0 + 105_000, true], 'running 35 s without one');
  });

  it("counts the age from the watch's start until the first heartbeat is seen, and never calls heartbeats off stale", () => {
    const none = assessCapture(observations({ nowMs: T0 + 20_000, heartbeatSeenMs: {} }));
    assert.deepEqual([none.connectors[0]?.heartbeat.ageSeconds, none.connectors[0]?.heartbeat.seen, none.connectors[0]?.heartbeat.stale], [20, false, false]);
    const off = assessCapture(observations({ nowMs: T0 + 3_600_000, connectors: [{ ...ERP, heartbeatIntervalMs: null }], heartbeatSeenMs: {} }));
    assert.equal(off.connectors[0]?.heartbeat.stale, false);
  });

  it('calls a table silent when it had no change for the window while another table of its connector did', () => {
    const window = 3_600_000;
    const nowMs = T0 + 2 * window;
    const silent = assessCapture(
      observations({
        nowMs,
        silentTableAfterMs: window,
        heartbeatSeenMs: { 'erp-postgres': nowMs - 1_000 },
        newestSourceChangeMs: new Map([
          ['customers', nowMs - 60_000],
          ['products', nowMs - window - 1],
        ]),
      }),
    );
    assert.deepEqual(
      silent.entities.map((entity) => [entity.entity, entity.silent]),
      [
        ['customers', false],
        ['products', true],
        ['stock_levels', true],
      ],
    );
    const allQuiet = assessCapture(
      observations({ nowMs, silentTableAfterMs: window, heartbeatSeenMs: { 'erp-postgres': nowMs - 1_000 }, newestSourceChangeMs: new Map([['customers', nowMs - window - 1]]) }),
    );
    assert.deepEqual(
      allQuiet.entities.map((entity) => entity.silent),
      [false, false, false],
      'a quiet ERP is not a lost table',
    );
    const early = assessCapture(observations({ nowMs: T0 + 60_000, silentTableAfterMs: window, newestSourceChangeMs: new Map([['customers', T0 + 50_000]]) }));
    assert.deepEqual(
      early.entities.map((entity) => entity.silent),
      [false, false, false],
      'not before the watch has run the window',
    );
  });
});

describe('capture health: the log', () => {
  it('says each change of state once, never once per poll', () => {
    const log = new CaptureStateLog();
    const poll = (statusOf: ConnectorStatus | null, nowMs = T0 + 60_000): ReturnType<CaptureStateLog['next']> =>
      log.next(assessCapture(observations({ nowMs, heartbeatSeenMs: { 'erp-postgres': nowMs - 1_000 }, connect: { reachable: true, statuses: { 'erp-postgres': statusOf } } })));
    const first = poll(status('RUNNING', 'RUNNING'));
    assert.deepEqual(
      first.map((event) => [event.level, event.msg, event.fields['state']]),
      [['info', 'capture: connector state changed', 'RUNNING']],
      'the first poll says where things stand',
    );
    assert.deepEqual(poll(status('RUNNING', 'RUNNING')), []);
    const paused = poll(status('PAUSED', 'PAUSED'));
    assert.deepEqual(
      paused.map((event) => [event.level, event.fields['state'], event.fields['previous']]),
      [['warn', 'PAUSED', 'RUNNING']],
    );
    assert.match(String(paused[0]?.fields['hint']), /PUT http:\/\/connect:8083\/connectors\/erp-postgres\/resume/);
    for (let index = 0; index < 5; index += 1) assert.deepEqual(poll(status('PAUSED', 'PAUSED')), []);
    assert.deepEqual(
      poll(status('RUNNING', 'RUNNING')).map((event) => [event.level, event.fields['state'], event.fields['previous']]),
      [['info', 'RUNNING', 'PAUSED']],
    );
    const failed = poll(status('RUNNING', ['FAILED', 'java.lang.IllegalStateException: boom\n\tat x']));
    assert.deepEqual(
      failed.map((event) => [event.level, event.fields['state']]),
      [['error', 'FAILED']],
    );
    assert.match(String(failed[0]?.fields['trace']), /IllegalStateException: boom/);
  });

  it("says Connect is gone once, keeps the connectors' last known state, and says only what differs when it is back", () => {
    const log = new CaptureStateLog();
    const poll = (connect: CaptureObservations['connect']): ReturnType<CaptureStateLog['next']> => log.next(assessCapture(observations({ connect })));
    poll({ reachable: true, statuses: { 'erp-postgres': status('RUNNING', 'RUNNING') } });
    const gone = poll({ reachable: false, error: 'connect ECONNREFUSED 127.0.0.1:8083' });
    assert.deepEqual(
      gone.map((event) => [event.level, event.msg]),
      [['error', "capture: Kafka Connect is not reachable, the connectors' state is unknown"]],
    );
    assert.deepEqual(poll({ reachable: false, error: 'The operation was aborted due to timeout' }), [], 'another error text is no new state');
    const back = poll({ reachable: true, statuses: { 'erp-postgres': status('RUNNING', 'RUNNING') } });
    assert.deepEqual(
      back.map((event) => event.msg),
      ['capture: Kafka Connect answers again'],
      'the connector is RUNNING as before: nothing about it',
    );
    poll({ reachable: false, error: 'x' });
    const changed = poll({ reachable: true, statuses: { 'erp-postgres': status('RUNNING', 'UNASSIGNED') } });
    assert.deepEqual(
      changed.map((event) => [event.msg, event.fields['state']]),
      [
        ['capture: Kafka Connect answers again', undefined],
        ['capture: connector state changed', 'STARTING'],
      ],
    );
  });

  it('says a problem of the slot, the heartbeats or a table when it starts and when it ends, and nothing while all is well', () => {
    const log = new CaptureStateLog();
    const lost = { ...IN_ORDER, slot: { found: true, active: false, walStatus: 'lost', retainedBytes: null } } as DatabaseObservation;
    const outOfPublication = { ...IN_ORDER, publication: { exists: true, allTables: false, tables: ['public.customers', 'public.stock_levels'] } } as DatabaseObservation;
    const messages = (overrides: Partial<CaptureObservations>): string[] => log.next(assessCapture(observations(overrides))).map((event) => event.msg);
    assert.deepEqual(messages({}), ['capture: connector state changed']);
    assert.deepEqual(messages({ database: { 'erp-postgres': lost } }), ['capture: replication slot lost']);
    assert.deepEqual(messages({ database: { 'erp-postgres': lost } }), []);
    assert.deepEqual(messages({}), ['capture: replication slot in order again']);
    assert.deepEqual(messages({ database: { 'erp-postgres': outOfPublication } }), ["capture: a table of the config is not in its connector's publication: its changes are not captured"]);
    assert.deepEqual(messages({}), ['capture: table back in the publication']);
    assert.deepEqual(messages({ nowMs: T0 + 200_000 }), ['capture: no heartbeat from a running connector']);
    assert.deepEqual(messages({ nowMs: T0 + 200_000, heartbeatSeenMs: { 'erp-postgres': T0 + 199_000 } }), ['capture: heartbeats again']);
    assert.deepEqual(messages({}), []);
  });
});
