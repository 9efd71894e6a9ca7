import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { fillPlaceholders, loadConnectorFiles } from '../../../src/capture/connector-file.js';
import { projectFiles } from '../../../src/project-files.js';
import { CONNECT_WORKER_TOPICS } from '../../../src/stack/components/connect.js';
import { MAX_SLOT_WAL_KEEP_SIZE } from '../../../src/stack/components/postgres.js';
import { STACK_DEFAULTS } from '../../../src/stack/stack-options.js';
import { readConfig } from '../../../src/config/load-config.js';
import { assignments, dockerfileInstructions } from '../../support/dockerfile.js';

interface ComposeService {
  image: string;
  ports?: string[];
  command?: string[];
  environment?: Record<string, string | number>;
}

const compose = parse(readFileSync(projectFiles.dockerCompose, 'utf8')) as { services: Record<string, ComposeService> };

/** The host port a service publishes for a given container port ("127.0.0.1:HOST:CONTAINER"). */
function publishedPort(service: string, containerPort: number): number | undefined {
  for (const mapping of compose.services[service]?.ports ?? []) {
    const parts = mapping.split(':');
    if (Number(parts.at(-1)) === containerPort) return Number(parts.at(-2));
  }
  return undefined;
}

describe('docker-compose.yml matches the local stack', () => {
  it('has the same four components, and erp-delta beside them', () => {
    assert.deepEqual(Object.keys(compose.services).sort(), ['connect', 'erp-delta', 'kafka', 'postgres', 'registry']);
  });

  it("publishes the local stack's default ports on the loopback address", () => {
    assert.equal(publishedPort('kafka', STACK_DEFAULTS.ports.kafka), STACK_DEFAULTS.ports.kafka);
    assert.equal(publishedPort('connect', 8083), STACK_DEFAULTS.ports.connect);
    assert.equal(publishedPort('registry', 8080), STACK_DEFAULTS.ports.registry);
    assert.equal(publishedPort('postgres', 5432), STACK_DEFAULTS.ports.postgres);
    for (const service of Object.values(compose.services)) {
      for (const mapping of service.ports ?? []) assert.match(mapping, /^127\.0\.0\.1:/, 'listen on localhost only');
    }
  });

  it("runs Debezium's Connect with the worker topics of the local stack", () => {
    const connect = compose.services['connect'];
    assert.match(connect?.image ?? '', /debezium\/connect/);
    assert.equal(connect?.environment?.['GROUP_ID'], CONNECT_WORKER_TOPICS.groupId);
    assert.equal(connect?.environment?.['CONFIG_STORAGE_TOPIC'], CONNECT_WORKER_TOPICS.configs);
    assert.equal(connect?.environment?.['OFFSET_STORAGE_TOPIC'], CONNECT_WORKER_TOPICS.offsets);
    assert.equal(connect?.environment?.['STATUS_STORAGE_TOPIC'], CONNECT_WORKER_TOPICS.status);
  });

  it('gives PostgreSQL logical decoding, the erp database and the sample schema', () => {
    const postgres = compose.services['postgres'];
    assert.ok(postgres?.command?.includes('wal_level=logical'));
    assert.ok(postgres?.command?.includes(`max_slot_wal_keep_size=${MAX_SLOT_WAL_KEEP_SIZE}`), 'the same cap on what a slot keeps');
    assert.equal(postgres?.environment?.['POSTGRES_DB'], STACK_DEFAULTS.postgres.database);
    assert.equal(postgres?.environment?.['POSTGRES_USER'], STACK_DEFAULTS.postgres.user);
    const volumes = (postgres as { volumes?: string[] }).volumes ?? [];
    assert.ok(volumes.some((volume) => volume.startsWith('./stack/erp/schema.sql:')));
    assert.ok(volumes.some((volume) => volume.startsWith('./stack/erp/seed.sql:')));
  });

  it("serves the connector file with the compose network's endpoints, as its header says", () => {
    const header = readFileSync(projectFiles.dockerCompose, 'utf8');
    const sets = Object.fromEntries([...header.matchAll(/--set ([\w.]+)=(\S+)/g)].map((match) => [match[1], match[2]]));
    const values = { 'postgres.user': 'postgres', 'postgres.database': 'erp', 'postgres.password': '', ...sets } as Record<string, string>;
    for (const connector of loadConnectorFiles(projectFiles.connectorsDir)) {
      const filled = fillPlaceholders(connector, values);
      assert.equal(filled.config['database.hostname'], 'postgres');
      assert.equal(filled.config['topic.prefix'], 'erp');
    }
  });
});

describe('docker-compose.yml runs erp-delta beside the stack', () => {
  const service = compose.services['erp-delta'] as (ComposeService & { build?: string; volumes?: string[]; depends_on?: Record<string, unknown> }) | undefined;
  const image = dockerfileInstructions();
  const lastStage = Math.max(...image.map(({ stage }) => stage));
  const imageEnv = Object.assign({}, ...image.filter(({ keyword, stage }) => keyword === 'ENV' && stage === lastStage).map(({ args }) => assignments(args))) as Record<string, string>;
  /** The config the service runs with: the package's, with the image's and the service's ERP_DELTA__ variables. */
  const config = () => readConfig(projectFiles.defaultConfig, { env: { ...imageEnv, ...(service?.environment as Record<string, string>) } }).config;

  it('builds the image of the Dockerfile and runs the tracker', () => {
    assert.equal(service?.build, '.');
    assert.deepEqual(service?.command, ['run']);
  });

  it('reaches Kafka, the registry and Connect by service name, at their ports inside the compose network', () => {
    const { kafka, registry, capture } = config();
    const internal = String(compose.services['kafka']?.environment?.['KAFKA_ADVERTISED_LISTENERS'] ?? '')
      .split(',')
      .find((listener) => listener.startsWith('INTERNAL://'));
    assert.deepEqual(kafka.brokers, [internal?.slice('INTERNAL://'.length)]);
    const defaults = readConfig(projectFiles.defaultConfig, { env: {} }).config;
    const url = new URL(registry.url);
    assert.equal(url.host, 'registry:8080', 'Apicurio listens on 8080 in its container');
    assert.equal(url.pathname, new URL(defaults.registry.url).pathname, "the same Confluent-compatible API as the local stack's");
    assert.equal(capture?.connect.url, 'http://connect:8083');
    for (const name of ['kafka', 'registry', 'connect']) assert.ok(service?.depends_on?.[name], `starts after ${name}`);
  });

  it('publishes the admin port of the config on the loopback address, where the image checks /healthz', () => {
    const { admin } = config();
    assert.equal(publishedPort('erp-delta', admin.port ?? -1), admin.port);
    const check = image.find(({ keyword, stage }) => keyword === 'HEALTHCHECK' && stage === lastStage)?.args ?? '';
    assert.match(check, new RegExp(`http://127\\.0\\.0\\.1:${admin.port}/healthz`));
  });

  it("keeps the state stores, the config's dataDir, in a named volume", () => {
    const volume = (service?.volumes ?? []).map((mapping) => mapping.split(':')).find(([, target]) => target === config().dataDir);
    assert.ok(volume, `a volume at ${config().dataDir}`);
    assert.ok(Object.keys((compose as { volumes?: Record<string, unknown> }).volumes ?? {}).includes(volume[0] ?? ''), 'a named volume, kept across restarts');
  });
});
