import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { stringify as stringifyYaml } from 'yaml';
import { readTextAs, resolveReferences } from '../../../src/config/config-references.js';
import { kindsAt } from '../../../src/config/config-shape.js';
import { readConfig } from '../../../src/config/load-config.js';
import { configSchema } from '../../../src/config/tracker-config.js';
import { isErpDeltaError } from '../../../src/errors/erp-delta-error.js';

const dir = mkdtempSync(join(tmpdir(), 'erp-delta-references-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const base = {
  kafka: { brokers: ['localhost:9092'] },
  registry: { url: 'http://localhost:8081' },
  entities: { products: { topic: 'erp.public.products', keyFields: ['code'], fields: { code: { column: 'code', normalizer: 'text' } } } },
};

// biome-ignore lint/suspicious/noExplicitAny: the tests reach into the config
function configFile(name: string, change: (config: Record<string, any>) => void): string {
  // biome-ignore lint/suspicious/noExplicitAny: as above
  const config = structuredClone(base) as Record<string, any>;
  change(config);
  return file(name, stringifyYaml(config));
}

describe('${env:NAME} and ${file:PATH} in any config value', () => {
  it('resolves a reference at any key and depth, lists included, once, when the config is loaded', () => {
    const token = file('token', 'tok-from-a-file\n');
    const path = configFile('any-key.yaml', (config) => {
      config['kafka'] = { brokers: ['${env:BROKER_1}', 'kafka-2:9092'], clientId: '${file:' + join(dir, 'client-id') + '}' };
      config['registry'] = { url: '${env:REGISTRY_URL}' };
      config['delivery'] = { headers: { Authorization: `\${file:${token}}` } };
      config['entities']['products']['topic'] = '${env:PRODUCTS_TOPIC}';
    });
    file('client-id', 'erp-delta-prod\n\n');
    const env = { BROKER_1: 'kafka-1:9093', REGISTRY_URL: 'https://registry.example:8081', PRODUCTS_TOPIC: 'erp.prod.products' };
    const { config, references } = readConfig(path, { env });
    assert.deepEqual(config.kafka.brokers, ['kafka-1:9093', 'kafka-2:9092']);
    assert.equal(config.kafka.clientId, 'erp-delta-prod\n', 'one trailing newline trimmed, the rest as it is');
    assert.equal(config.registry.url, 'https://registry.example:8081');
    assert.equal(config.delivery.headers['Authorization'], 'tok-from-a-file');
    assert.equal(config.entities['products']?.topic, 'erp.prod.products');
    assert.deepEqual(Object.fromEntries(references), {
      'kafka.brokers.0': '${env:BROKER_1}',
      'kafka.clientId': `\${file:${join(dir, 'client-id')}}`,
      'registry.url': '${env:REGISTRY_URL}',
      'delivery.headers.Authorization': `\${file:${token}}`,
      'entities.products.topic': '${env:PRODUCTS_TOPIC}',
    });
  });

  it('reads a number, true or false, or null where the key takes one, and keeps text where it takes text', () => {
    const path = configFile('typed.yaml', (config) => {
      config['admin'] = { port: '${env:PORT}' };
      config['delivery'] = { batchSize: '${env:BATCH}', maxRequestsPerSecond: '${env:RATE}', headers: { 'X-Code': '${env:CODE}' } };
      config['refresh'] = { schedule: '${env:SCHEDULE}' };
      config['capture'] = { connect: { url: 'http://c:8083', user: 'u', password: '${env:CONNECT_PASSWORD}' }, database: { check: '${env:CHECK}' } };
    });
    const { config } = readConfig(path, { env: { PORT: '9465', BATCH: '250', RATE: '0.5', CODE: '0123', SCHEDULE: 'null', CONNECT_PASSWORD: 'true', CHECK: 'false' } });
    assert.equal(config.admin.port, 9465);
    assert.equal(config.delivery.batchSize, 250);
    assert.equal(config.delivery.maxRequestsPerSecond, 0.5);
    assert.equal(config.delivery.headers['X-Code'], '0123');
    assert.equal(config.refresh.schedule, null);
    assert.equal(config.capture?.connect.password, 'true');
    assert.equal(config.capture?.database.check, false);
  });

  it('reads text as the key needs it, from what the schema says the key takes', () => {
    assert.deepEqual([...kindsAt(configSchema, ['admin', 'port'])].sort(), ['null', 'number']);
    assert.deepEqual([...kindsAt(configSchema, ['kafka', 'brokers'])], ['list']);
    assert.deepEqual([...kindsAt(configSchema, ['kafka', 'brokers', 0])], ['text']);
    assert.deepEqual([...kindsAt(configSchema, ['entities', 'x', 'fields', 'y', 'scale'])], ['number']);
    assert.deepEqual([...kindsAt(configSchema, ['kafka', 'nope'])], []);
    assert.equal(readTextAs(new Set(['number']), '0x1F'), 31);
    assert.equal(readTextAs(new Set(['number', 'null']), '~'), null);
    assert.deepEqual(readTextAs(new Set(['list']), '[a:9092, "b:9092"]'), ['a:9092', 'b:9092']);
    assert.equal(readTextAs(new Set(['list']), '[unclosed'), '[unclosed', 'not YAML: text, which validation refuses under its key');
    assert.equal(readTextAs(new Set(['text']), ' yes # no '), ' yes # no ');
    assert.equal(readTextAs(new Set(), '1'), '1', 'an unknown key: the text, and validation refuses the key');
  });

  it('names the key and the variable when a variable is not set, in one line', () => {
    assert.throws(
      () => resolveReferences({ kafka: { sasl: { password: '${env:ERP_DELTA_UNIT_UNSET}' } } }, configSchema, { env: {} }),
      (error: unknown) =>
        isErpDeltaError(error, 'INVALID_CONFIG') && error.message === 'kafka.sasl.password names the environment variable ERP_DELTA_UNIT_UNSET, which is not set.' && error.hint === undefined,
    );
  });

  it('reports every reference that cannot be read at once, each with its key', () => {
    const input = { registry: { url: '${env:A_URL}' }, delivery: { headers: { Authorization: '${file:/nonexistent/erp-delta/token}' } }, kafka: { brokers: ['${env:B}'] } };
    assert.throws(
      () => resolveReferences(input, configSchema, { env: {} }),
      (error: unknown) =>
        isErpDeltaError(error, 'INVALID_CONFIG')
        && error.message
          === [
            '3 config values cannot be read:',
            '  registry.url names the environment variable A_URL, which is not set.',
            '  delivery.headers.Authorization names the file /nonexistent/erp-delta/token, which cannot be read: ENOENT.',
            '  kafka.brokers.0 names the environment variable B, which is not set.',
          ].join('\n'),
    );
  });

  it('can leave what it cannot read as written, for config print', () => {
    const input = { delivery: { headers: { Authorization: '${env:UNSET}', 'X-Tenant': '${env:TENANT}' } } };
    const { config, references, unresolved } = resolveReferences(input, configSchema, { env: { TENANT: 'acme' }, keepUnresolved: true });
    assert.deepEqual(config, { delivery: { headers: { Authorization: '${env:UNSET}', 'X-Tenant': 'acme' } } });
    assert.deepEqual([...references.keys()], ['delivery.headers.Authorization', 'delivery.headers.X-Tenant']);
    assert.deepEqual(unresolved, ['delivery.headers.Authorization names the environment variable UNSET, which is not set.']);
  });

  it('takes a reference only as the whole value, and does not look into what a reference names', () => {
    const input = { a: 'Bearer ${env:T}', b: '${env:T}', c: '${env:}', d: '${vault:x}' };
    const { config } = resolveReferences(input, configSchema, { env: { T: '${env:U}' } });
    assert.deepEqual(config, { a: 'Bearer ${env:T}', b: '${env:U}', c: '${env:}', d: '${vault:x}' });
  });

  it('resolves a reference an environment override holds', () => {
    const path = configFile('override.yaml', () => undefined);
    const { config, references } = readConfig(path, { env: { ERP_DELTA__DELIVERY__HEADERS__AUTHORIZATION: '${env:TOKEN}', TOKEN: 'Bearer t' } });
    assert.equal(config.delivery.headers['authorization'], 'Bearer t');
    assert.equal(references.get('delivery.headers.authorization'), '${env:TOKEN}');
  });

  it('never puts a value read from a reference in a validation message: it names the key and the reference', () => {
    const path = configFile('bad-typed.yaml', (config) => {
      config['admin'] = { port: '${env:PORT}' };
      config['registry'] = { url: '${env:REGISTRY_URL}' };
    });
    assert.throws(
      () => readConfig(path, { env: { PORT: 'hunter2-secret', REGISTRY_URL: 'not a url: hunter3-secret' } }),
      (error: unknown) => {
        assert.ok(isErpDeltaError(error, 'INVALID_CONFIG'));
        assert.match(error.message, /"admin\.port" \(from \$\{env:PORT\}\) must be a number/);
        assert.match(error.message, /"registry\.url" \(from \$\{env:REGISTRY_URL\}\)/);
        assert.ok(!error.message.includes('hunter2') && !error.message.includes('hunter3'), error.message);
        return true;
      },
    );
  });

  it('never puts a secret written in the file in a message either', () => {
    const path = configFile('bad-secret.yaml', (config) => {
      config['delivery'] = { headers: { Authorization: 987654321 } };
      config['capture'] = { connect: { url: 'http://c:8083', user: 'u', password: 123456789 } };
    });
    assert.throws(
      () => readConfig(path, { env: {} }),
      (error: unknown) =>
        isErpDeltaError(error, 'INVALID_CONFIG')
        && /"delivery\.headers\.Authorization" must be a string, not number \*\*\*/.test(error.message)
        && /"capture\.connect\.password" must be a string, not number \*\*\*/.test(error.message)
        && !error.message.includes('987654321')
        && !error.message.includes('123456789'),
    );
    const broken = file('broken-secret.yaml', 'kafka:\n  brokers: [a:9092\n  password: hunter4-secret\n');
    assert.throws(
      () => readConfig(broken, { env: {} }),
      (error: unknown) => isErpDeltaError(error, 'INVALID_CONFIG') && /line \d+/.test(error.message) && !error.message.includes('hunter4'),
      'a YAML error says where, without quoting the file',
    );
  });
});
