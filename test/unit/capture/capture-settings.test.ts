import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { captureSettings, watchedConnector } from '../../../src/capture/capture-monitor.js';
import { loadConnectorFiles } from '../../../src/capture/connector-file.js';
import { parseConfig, type CaptureConfig } from '../../../src/config/tracker-config.js';
import { isErpDeltaError } from '../../../src/errors/erp-delta-error.js';
import { projectFiles } from '../../../src/project-files.js';

function withCapture(capture: unknown): unknown {
  return {
    kafka: { brokers: ['localhost:9092'] },
    registry: { url: 'http://localhost:8081' },
    capture,
    entities: { products: { topic: 'erp.public.products', keyFields: ['code'], fields: { code: { column: 'code', normalizer: 'text' } } } },
  };
}

function captureOf(capture: unknown): CaptureConfig {
  const parsed = parseConfig(withCapture(capture), 'c.yaml').capture;
  assert.ok(parsed);
  return parsed;
}

describe('capture section of the config', () => {
  it("needs only Connect's URL; the rest has defaults", () => {
    assert.deepEqual(captureOf({ connect: { url: 'http://connect:8083' } }), {
      connect: { url: 'http://connect:8083', requestTimeoutMs: 5_000 },
      pollIntervalMs: 5_000,
      silentTableAfterMs: 21_600_000,
      database: { check: true, checkIntervalMs: 30_000 },
    });
    assert.equal(parseConfig(withCapture(undefined), 'c.yaml').capture, undefined, 'absent: no watch');
  });

  it('names the bad key: user without password, a poll too fast, a URL that is not http', () => {
    const rejects = (capture: unknown, key: RegExp): void => {
      assert.throws(
        () => parseConfig(withCapture(capture), 'c.yaml'),
        (error) => isErpDeltaError(error, 'INVALID_CONFIG') && key.test(error.message),
      );
    };
    rejects({ connect: { url: 'http://c:8083', user: 'u' } }, /"capture\.connect" needs user and password together/);
    rejects({ connect: { url: 'http://c:8083' }, pollIntervalMs: 10 }, /"capture\.pollIntervalMs"/);
    rejects({ connect: { url: 'ftp://c' } }, /"capture\.connect\.url"/);
    rejects({ connect: { url: 'http://c:8083' }, database: { chek: true } }, /"capture\.database\.chek" is not a known key/);
  });

  it('reads the secrets and the connector files at start-up, naming what is missing', () => {
    process.env['ERP_DELTA_UNIT_CONNECT_PASSWORD'] = 's3cret';
    const settings = captureSettings(captureOf({ connect: { url: 'http://connect:8083/', user: 'erp-delta', password: '${env:ERP_DELTA_UNIT_CONNECT_PASSWORD}' } }));
    assert.deepEqual(settings.auth, { user: 'erp-delta', password: 's3cret' });
    assert.equal(settings.connectUrl, 'http://connect:8083');
    assert.deepEqual(
      settings.connectors.map(({ name }) => name),
      ['erp-postgres'],
      'connectors/ of the package by default',
    );

    delete process.env['ERP_DELTA_UNIT_CONNECT_MISSING'];
    assert.throws(
      () => captureSettings(captureOf({ connect: { url: 'http://c:8083', user: 'u', password: '${env:ERP_DELTA_UNIT_CONNECT_MISSING}' } })),
      (error) => isErpDeltaError(error, 'INVALID_CONFIG') && /capture\.connect\.password names the environment variable ERP_DELTA_UNIT_CONNECT_MISSING/.test(error.message),
    );
    const empty = mkdtempSync(join(tmpdir(), 'erp-delta-connectors-'));
    assert.throws(
      () => captureSettings(captureOf({ connect: { url: 'http://c:8083' }, connectorsDir: empty })),
      (error) => isErpDeltaError(error, 'INVALID_CONFIG') && /capture\.connectorsDir: No connector files/.test(error.message),
    );
    writeFileSync(join(empty, 'x.json'), '{"name":"x"}');
    assert.throws(
      () => captureSettings(captureOf({ connect: { url: 'http://c:8083' }, connectorsDir: empty })),
      (error) => isErpDeltaError(error, 'INVALID_CONFIG') && /x\.json: "config"/.test(error.message),
    );
  });

  it("reads what the watch needs from a connector's config, with Debezium's defaults", () => {
    const [shipped] = loadConnectorFiles(projectFiles.connectorsDir);
    assert.ok(shipped);
    // Bounded WAL (docs/capture-health.md): each heartbeat writes a captured table, whose change
    // events the Filter transform drops; the driver's keepalive flush stays off (it broke restarts).
    assert.match(shipped.config['heartbeat.action.query'] ?? '', /^INSERT INTO public\.debezium_heartbeat /);
    assert.ok(new RegExp(`^${shipped.config['predicates.isSignalTable.pattern'] ?? ''}$`).test('erp.public.debezium_heartbeat'));
    assert.equal(shipped.config['lsn.flush.mode'], undefined);
    assert.deepEqual(watchedConnector(shipped.name, shipped.config), {
      name: 'erp-postgres',
      topicPrefix: 'erp',
      heartbeatIntervalMs: 10_000,
      heartbeatTopic: '__debezium-heartbeat.erp',
      slotName: 'erp_delta',
      publicationName: 'erp_delta',
    });
    assert.deepEqual(watchedConnector('bare', { 'connector.class': 'io.debezium.connector.postgresql.PostgresConnector', 'topic.prefix': 'x', 'topic.heartbeat.prefix': 'hb' }), {
      name: 'bare',
      topicPrefix: 'x',
      heartbeatIntervalMs: null,
      heartbeatTopic: 'hb.x',
      slotName: 'debezium',
      publicationName: null,
    });
    assert.equal(watchedConnector('mysql', { 'connector.class': 'io.debezium.connector.mysql.MySqlConnector', 'topic.prefix': 'm' }).slotName, null);
  });
});
