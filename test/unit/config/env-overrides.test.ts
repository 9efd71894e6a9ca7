import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { applyEnvOverrides } from '../../../src/config/env-overrides.js';
import { readConfig } from '../../../src/config/load-config.js';
import { configSchema } from '../../../src/config/tracker-config.js';
import { isErpDeltaError } from '../../../src/errors/erp-delta-error.js';

const dir = mkdtempSync(join(tmpdir(), 'erp-delta-env-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const CONFIG = `
kafka:
  brokers: [localhost:9092]
registry:
  url: http://localhost:8081
refresh:
  schedule: null
delivery:
  headers: { Authorization: literal }
entities:
  products:
    topic: erp.public.products
    keyFields: [code]
    fields:
      code: { column: code, normalizer: text }
      unitPrice: { column: unit_price, normalizer: decimal, scale: 2 }
  stock_levels:
    topic: erp.public.stock_levels
    keyFields: [productCode]
    fields:
      productCode: { column: product_code, normalizer: text }
`;
const path = join(dir, 'erp-delta.yaml');
writeFileSync(path, CONFIG);

function load(env: NodeJS.ProcessEnv) {
  return readConfig(path, { env });
}

/** Refused with a message matching `expected`, which holds none of the `hidden` texts. */
function refused(env: NodeJS.ProcessEnv, expected: RegExp, hidden: readonly string[] = []): void {
  assert.throws(
    () => load(env),
    (error: unknown) => {
      assert.ok(isErpDeltaError(error, 'INVALID_CONFIG'), String(error));
      assert.match(error.message, expected);
      for (const value of hidden) assert.ok(!error.message.includes(value), `"${value}" is not in "${error.message}"`);
      return true;
    },
  );
}

describe('environment overrides: ERP_DELTA__ then the key path, levels separated by __', () => {
  it('sets a key at any depth, matching keys without regard to case', () => {
    const { config, overrides } = load({
      ERP_DELTA__KAFKA__CLIENTID: 'from-env',
      ERP_DELTA__kafka__groupId: 'group-from-env',
      ERP_DELTA__ENTITIES__PRODUCTS__TOPIC: 'erp.other.products',
      ERP_DELTA__ENTITIES__STOCK_LEVELS__DELTATOPIC: 'erp-delta.stock',
      ERP_DELTA__ENTITIES__PRODUCTS__FIELDS__UNITPRICE__SCALE: '3',
      ERP_DELTA__DATADIR: '/var/lib/erp-delta',
    });
    assert.equal(config.kafka.clientId, 'from-env');
    assert.equal(config.kafka.groupId, 'group-from-env');
    assert.equal(config.entities['products']?.topic, 'erp.other.products');
    assert.equal(config.entities['stock_levels']?.deltaTopic, 'erp-delta.stock');
    assert.deepEqual(config.entities['products']?.fields['unitPrice'], { column: 'unit_price', normalizer: 'decimal', scale: 3 });
    assert.equal(config.dataDir, '/var/lib/erp-delta');
    assert.deepEqual(
      overrides.map((override) => override.path.join('.')),
      ['dataDir', 'kafka.clientId', 'kafka.groupId', 'entities.products.topic', 'entities.stock_levels.deltaTopic', 'entities.products.fields.unitPrice.scale'],
    );
  });

  it('reads a value as YAML where the key takes no text: lists, numbers, null, true and false', () => {
    const { config } = load({
      ERP_DELTA__KAFKA__BROKERS: '["kafka-1:9092","kafka-2:9092"]',
      ERP_DELTA__ADMIN__PORT: '9465',
      ERP_DELTA__CAPTURE__SILENTTABLEAFTERMS: 'null',
      ERP_DELTA__CAPTURE__CONNECT__URL: 'http://connect:8083',
      ERP_DELTA__CAPTURE__DATABASE__CHECK: 'false',
      ERP_DELTA__ASSIGNMENT: '{ entity: products, repField: code }',
    });
    assert.deepEqual(config.kafka.brokers, ['kafka-1:9092', 'kafka-2:9092']);
    assert.equal(config.admin.port, 9465);
    assert.equal(config.capture?.silentTableAfterMs, null);
    assert.equal(config.capture?.database.check, false);
    assert.equal(config.assignment?.repField, 'code');
    assert.equal(load({ ERP_DELTA__ADMIN__PORT: 'null' }).config.admin.port, null);
  });

  it('takes text exactly as it is where the key takes text: no YAML rule changes a password or a name', () => {
    const { config } = load({
      ERP_DELTA__KAFKA__CLIENTID: '0123',
      ERP_DELTA__DELIVERY__HEADERS__AUTHORIZATION: 'Bearer a # b "c"',
      ERP_DELTA__DELIVERY__HEADERS__X_TENANT: 'true',
    });
    assert.equal(config.kafka.clientId, '0123');
    assert.deepEqual(
      config.delivery.headers,
      { Authorization: 'Bearer a # b "c"', x_tenant: 'true' },
      "a name of your own matches the file's in any case; a new one in capitals is taken in lower case",
    );
  });

  it('turns on a section the file has as null, and applies a map set whole before the keys inside it', () => {
    const { config } = load({
      ERP_DELTA__REFRESH__SCHEDULE__CRON: '0 3 * * *',
      ERP_DELTA__DELIVERY__HEADERS: '{ X-Api-Key: k }',
      ERP_DELTA__DELIVERY__HEADERS__X_API_KEY: 'not-the-same-key',
      ERP_DELTA__DELIVERY__HEADERS__x_Tenant: 'acme',
    });
    assert.equal(config.refresh.schedule?.cron, '0 3 * * *');
    assert.deepEqual(config.delivery.headers, { 'X-Api-Key': 'k', x_api_key: 'not-the-same-key', x_Tenant: 'acme' });
  });

  it("leaves erp-delta's other variables alone: only ERP_DELTA__ (two underscores) sets keys", () => {
    const { config, overrides } = load({ ERP_DELTA_STACK_DIR: '/tmp/x', ERP_DELTA_KAFKA_PASSWORD: 'x', ERP_DELTA_TEST_TARGET_AUTHORIZATION: 'y' });
    assert.deepEqual(overrides, []);
    assert.deepEqual(config.kafka.brokers, ['localhost:9092']);
  });

  it('refuses a variable that names no key, naming the variable and the keys there are, never its value', () => {
    refused({ ERP_DELTA__KAFKA__SASL_PASSWORD: 'hunter2-secret' }, /^ERP_DELTA__KAFKA__SASL_PASSWORD names kafka\.sasl_password, which is not a config key/, ['hunter2-secret']);
    refused({ ERP_DELTA__KAFKA__BROKER: 'kafka:9092' }, /^ERP_DELTA__KAFKA__BROKER names kafka\.broker, which is not a config key: kafka holds brokers, clientId, groupId/);
    refused({ ERP_DELTA__KAKFA__BROKERS: 'kafka:9092' }, /^ERP_DELTA__KAKFA__BROKERS names kakfa, which is not a config key: the config holds kafka, registry, /);
    refused({ ERP_DELTA__ENTITIES__PRODUCTS__TOPICS: 'erp.x' }, /ERP_DELTA__ENTITIES__PRODUCTS__TOPICS names entities\.products\.topics, which is not a config key/);
    refused(
      { ERP_DELTA__KAFKA__BROKERS__0: 'kafka:9092' },
      /ERP_DELTA__KAFKA__BROKERS__0 names kafka\.brokers\.0, but kafka\.brokers is a list: set it whole, as in ERP_DELTA__KAFKA__BROKERS='\["a","b"\]'/,
    );
    refused({ ERP_DELTA__ADMIN__PORT__NUMBER: '1' }, /ERP_DELTA__ADMIN__PORT__NUMBER names admin\.port\.number, but admin\.port takes a value, not keys/);
    refused({ ERP_DELTA__KAFKA___BROKERS: 'kafka:9092' }, /ERP_DELTA__KAFKA___BROKERS/);
    refused({ ERP_DELTA__KAFKA____BROKERS: 'kafka:9092' }, /ERP_DELTA__KAFKA____BROKERS has an empty level/);
    refused({ ERP_DELTA__: 'x' }, /ERP_DELTA__ has an empty level|ERP_DELTA__ names no key/);
    refused({ ERP_DELTA__KAFKA__CLIENTID: 'a', ERP_DELTA__KAFKA__clientid: 'b' }, /ERP_DELTA__KAFKA__CLIENTID and ERP_DELTA__KAFKA__clientid both set kafka\.clientId/);
  });

  it("applies before validation, so that a bad value is reported under its key and its variable; a secret's value is left out", () => {
    refused({ ERP_DELTA__ADMIN__PORT: 'not-a-port' }, /"admin\.port" \(from ERP_DELTA__ADMIN__PORT\) must be a number/);
    refused({ ERP_DELTA__KAFKA__BROKERS: '["no-port"]' }, /"kafka\.brokers\.0" \(from ERP_DELTA__KAFKA__BROKERS\) must be host:port/);
    refused({ ERP_DELTA__DELIVERY__HEADERS: '{ Authorization: [secret-in-a-list] }' }, /"delivery\.headers\.Authorization" \(from ERP_DELTA__DELIVERY__HEADERS\) must be a string, not an array/, [
      'secret-in-a-list',
    ]);
    refused({ ERP_DELTA__DELIVERY__HEADERS: '{ Authorization: 123456789 }' }, /"delivery\.headers\.Authorization" \(from ERP_DELTA__DELIVERY__HEADERS\) must be a string, not number \*\*\*/, [
      '123456789',
    ]);
  });

  it('is a pure function of the config, the variables and the schema', () => {
    const input = { kafka: { brokers: ['a:9092'] } };
    const { config } = applyEnvOverrides(input, { ERP_DELTA__KAFKA__CLIENTID: 'x' }, configSchema);
    assert.deepEqual(config, { kafka: { brokers: ['a:9092'], clientId: 'x' } });
    assert.deepEqual(input, { kafka: { brokers: ['a:9092'] } }, 'the input is not changed');
    assert.deepEqual(applyEnvOverrides(null, { ERP_DELTA__DATADIR: 'd' }, configSchema).config, { dataDir: 'd' }, 'an empty file is a map');
  });
});
