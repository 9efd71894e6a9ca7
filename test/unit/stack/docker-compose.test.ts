import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { fillPlaceholders, loadConnectorFiles } from '../../../src/capture/connector-file.js';
import { projectFiles } from '../../../src/project-files.js';
import { CONNECT_WORKER_TOPICS } from '../../../src/stack/components/connect.js';
import { STACK_DEFAULTS } from '../../../src/stack/stack-options.js';

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
  it('has the same four components', () => {
    assert.deepEqual(Object.keys(compose.services).sort(), ['connect', 'kafka', 'postgres', 'registry']);
  });

  it('publishes the local stack\'s default ports on the loopback address', () => {
    assert.equal(publishedPort('kafka', STACK_DEFAULTS.ports.kafka), STACK_DEFAULTS.ports.kafka);
    assert.equal(publishedPort('connect', 8083), STACK_DEFAULTS.ports.connect);
    assert.equal(publishedPort('registry', 8080), STACK_DEFAULTS.ports.registry);
    assert.equal(publishedPort('postgres', 5432), STACK_DEFAULTS.ports.postgres);
    for (const service of Object.values(compose.services)) {
      for (const mapping of service.ports ?? []) assert.match(mapping, /^127\.0\.0\.1:/, 'listen on localhost only');
    }
  });

  it('runs Debezium\'s Connect with the worker topics of the local stack', () => {
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
    assert.equal(postgres?.environment?.['POSTGRES_DB'], STACK_DEFAULTS.postgres.database);
    assert.equal(postgres?.environment?.['POSTGRES_USER'], STACK_DEFAULTS.postgres.user);
    const volumes = (postgres as { volumes?: string[] }).volumes ?? [];
    assert.ok(volumes.some((volume) => volume.startsWith('./stack/erp/schema.sql:')));
    assert.ok(volumes.some((volume) => volume.startsWith('./stack/erp/seed.sql:')));
  });

  it('serves the connector file with the compose network\'s endpoints, as its header says', () => {
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
