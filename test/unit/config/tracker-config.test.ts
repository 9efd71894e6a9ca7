import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isErpDeltaError } from '../../../src/errors/erp-delta-error.js';
import { parseConfig } from '../../../src/config/tracker-config.js';
import { NORMALIZER_NAMES } from '../../../src/normalize/normalizer.js';

const ORIGIN = 'my-config.yaml';

/** A small valid config; each test breaks one thing in a copy. */
function validConfig(): Record<string, any> { // any: tests reach into it to break keys
  return {
    kafka: { brokers: ['localhost:9092'] },
    registry: { url: 'http://localhost:8081' },
    assignment: { entity: 'customers', repField: 'salesRepCode' },
    entities: {
      customers: {
        topic: 'erp.public.customers',
        keyFields: ['code'],
        fields: {
          code: { column: 'code', normalizer: 'text' },
          salesRepCode: { column: 'sales_rep_code', normalizer: 'text', case: 'upper' },
          creditLimit: { column: 'credit_limit', normalizer: 'decimal', scale: 2 },
        },
      },
      stock_levels: {
        topic: 'erp.public.stock_levels',
        keyFields: ['productCode', 'warehouseCode'],
        fields: {
          productCode: { column: 'product_code', normalizer: 'text' },
          warehouseCode: { column: 'warehouse_code', normalizer: 'text' },
          quantity: { column: 'quantity', normalizer: 'decimal', scale: 3 },
        },
      },
    },
  };
}

/** Asserts that parsing fails with INVALID_CONFIG naming the file and exactly this key path. */
function assertRejects(config: unknown, path: string, detail?: RegExp): void {
  assert.throws(() => parseConfig(config, ORIGIN), (error) => {
    assert.ok(isErpDeltaError(error, 'INVALID_CONFIG'), `expected INVALID_CONFIG, got ${String(error)}`);
    assert.ok(error.message.includes(ORIGIN), `message names the file: ${error.message}`);
    assert.ok(error.message.includes(`"${path}"`), `message names "${path}": ${error.message}`);
    if (detail) assert.match(error.message, detail);
    return true;
  });
}

describe('tracker config', () => {
  it('fills the documented defaults', () => {
    const config = parseConfig(validConfig(), ORIGIN);
    assert.equal(config.kafka.groupId, 'erp-delta');
    assert.equal(config.kafka.clientId, 'erp-delta');
    assert.equal(config.dlqTopic, 'erp-delta.dlq');
    assert.equal(config.dataDir, '.erp-delta/data');
    assert.equal(config.entities['customers']?.deltaTopic, 'erp-delta.customers');
    assert.equal(config.entities['stock_levels']?.deltaTopic, 'erp-delta.stock_levels');
    assert.deepEqual(config.assignment, {
      topic: 'erp-delta.user-assignments',
      manualTopic: 'erp-delta.manual-assignments',
      entity: 'customers',
      repField: 'salesRepCode',
      respectManual: false,
    });
    assert.deepEqual(config.entities['customers']?.fields['code'], { column: 'code', normalizer: 'text', emptyIsNull: true });
  });

  it('keeps the fields in file order', () => {
    const config = parseConfig(validConfig(), ORIGIN);
    assert.deepEqual(Object.keys(config.entities['customers']?.fields ?? {}), ['code', 'salesRepCode', 'creditLimit']);
  });

  it('keeps an explicit delta topic', () => {
    const input = validConfig();
    input['entities'].customers.deltaTopic = 'crm.customers';
    assert.equal(parseConfig(input, ORIGIN).entities['customers']?.deltaTopic, 'crm.customers');
  });

  it('accepts every normalizer as a field\'s normalizer', () => {
    for (const name of NORMALIZER_NAMES) {
      const input = validConfig();
      input['entities'].customers.fields.extra = { column: 'extra', normalizer: name, ...(name === 'decimal' ? { scale: 0 } : {}) };
      assert.equal(parseConfig(input, ORIGIN).entities['customers']?.fields['extra']?.normalizer, name);
    }
  });

  it('refuses an unknown key, at any depth', () => {
    const top = validConfig();
    top['dataDirectory'] = 'x';
    assertRejects(top, 'dataDirectory', /not a known key/);
    const deep = validConfig();
    deep['entities'].customers.fields.code.colunm = 'code';
    assertRejects(deep, 'entities.customers.fields.code.colunm');
  });

  it('refuses a parameter of another normalizer', () => {
    const input = validConfig();
    input['entities'].customers.fields.code.scale = 2;
    assertRejects(input, 'entities.customers.fields.code.scale');
  });

  it('refuses an unknown normalizer, naming the known ones', () => {
    const input = validConfig();
    input['entities'].customers.fields.creditLimit = { column: 'credit_limit', normalizer: 'money' };
    assertRejects(input, 'entities.customers.fields.creditLimit.normalizer', /"money" is unknown; known: text, decimal, integer, boolean, date, timestamp/);
  });

  it('refuses a field without normalizer or column', () => {
    const noNormalizer = validConfig();
    noNormalizer['entities'].customers.fields.creditLimit = { column: 'credit_limit' };
    assertRejects(noNormalizer, 'entities.customers.fields.creditLimit.normalizer', /is required/);
    const noColumn = validConfig();
    delete noColumn['entities'].customers.fields.creditLimit.column;
    assertRejects(noColumn, 'entities.customers.fields.creditLimit.column', /is required/);
  });

  it('refuses a decimal without its scale', () => {
    const input = validConfig();
    delete input['entities'].customers.fields.creditLimit.scale;
    assertRejects(input, 'entities.customers.fields.creditLimit.scale', /is required/);
  });

  it('refuses a bad type, saying what it got', () => {
    const input = validConfig();
    input['entities'].customers.fields.creditLimit.scale = '2';
    assertRejects(input, 'entities.customers.fields.creditLimit.scale', /must be a number, not string "2"/);
  });

  it('refuses a missing key field list and an empty one', () => {
    const missing = validConfig();
    delete missing['entities'].customers.keyFields;
    assertRejects(missing, 'entities.customers.keyFields', /is required/);
    const empty = validConfig();
    empty['entities'].customers.keyFields = [];
    assertRejects(empty, 'entities.customers.keyFields');
  });

  it('refuses a key field that is not among the entity\'s fields', () => {
    const input = validConfig();
    input['entities'].stock_levels.keyFields = ['productCode', 'warehouse'];
    assertRejects(input, 'entities.stock_levels.keyFields.1', /"warehouse" is not among the entity's fields \(productCode, warehouseCode, quantity\)/);
  });

  it('refuses a key field listed twice', () => {
    const input = validConfig();
    input['entities'].stock_levels.keyFields = ['productCode', 'productCode'];
    assertRejects(input, 'entities.stock_levels.keyFields.1', /listed twice/);
  });

  it('refuses two entities on one CDC topic', () => {
    const input = validConfig();
    input['entities'].stock_levels.topic = 'erp.public.customers';
    assertRejects(input, 'entities.stock_levels.topic', /already used by "entities.customers.topic"/);
  });

  it('refuses a delta topic that is another entity\'s or the DLQ', () => {
    const shared = validConfig();
    shared['entities'].stock_levels.deltaTopic = 'erp-delta.customers';
    assertRejects(shared, 'entities.stock_levels.deltaTopic', /already used by "entities.customers.deltaTopic"/);
    const dlq = validConfig();
    dlq['dlqTopic'] = 'erp-delta.customers';
    assertRejects(dlq, 'dlqTopic');
  });

  it('refuses field and entity names that cannot be Avro names or topic parts', () => {
    const field = validConfig();
    field['entities'].customers.fields['credit-limit'] = { column: 'credit_limit', normalizer: 'text' };
    assertRejects(field, 'entities.customers.fields.credit-limit', /camelCase/);
    const entity = validConfig();
    entity['entities']['Stock Levels'] = entity['entities'].stock_levels;
    delete entity['entities'].stock_levels;
    assertRejects(entity, 'entities.Stock Levels');
  });

  it('refuses a config without entities', () => {
    const input = validConfig();
    input['entities'] = {};
    assertRejects(input, 'entities', /no entity/);
  });

  it('checks the kafka and registry endpoints', () => {
    const brokers = validConfig();
    brokers['kafka'].brokers = ['localhost'];
    assertRejects(brokers, 'kafka.brokers.0', /host:port/);
    const registry = validConfig();
    registry['registry'].url = 'localhost:8081';
    assertRejects(registry, 'registry.url');
    const missing = validConfig();
    delete missing['kafka'];
    assertRejects(missing, 'kafka', /is required/);
  });

  it('checks that the assignment refers to an entity and its rep field', () => {
    const entity = validConfig();
    entity['assignment'].entity = 'clients';
    assertRejects(entity, 'assignment.entity', /"clients" is not an entity/);
    const repField = validConfig();
    repField['assignment'].repField = 'repCode';
    assertRejects(repField, 'assignment.repField', /"repCode" is not a field of entity "customers"/);
    const own = validConfig();
    own['entities'].customers.fields.assignedUserId = { column: 'user_id', normalizer: 'text' };
    assertRejects(own, 'entities.customers.fields.assignedUserId', /assignment join/);
  });

  it('lets the assignment be left out', () => {
    const input = validConfig();
    delete input['assignment'];
    assert.equal(parseConfig(input, ORIGIN).assignment, undefined);
  });

  it('reports every problem at once, one per line', () => {
    const input = validConfig();
    input['dataDirectory'] = 'x';
    input['entities'].customers.fields.creditLimit.normalizer = 'money';
    assert.throws(() => parseConfig(input, ORIGIN), (error) => isErpDeltaError(error, 'INVALID_CONFIG')
      && /\(2 problems\)/.test(error.message)
      && error.message.includes('\n  "dataDirectory" is not a known key')
      && error.message.includes('\n  "entities.customers.fields.creditLimit.normalizer" "money" is unknown'));
  });

  it('names the root when the file is not a mapping', () => {
    assertRejects(['a list'], '(root)', /must be an object, not an array/);
    assertRejects(null, '(root)');
  });

  it('fills the refresh defaults: Sunday 22:00 UTC, paced, loader-aware', () => {
    assert.deepEqual(parseConfig(validConfig(), ORIGIN).refresh, {
      topic: 'erp-delta.refreshes',
      schedule: { cron: '0 22 * * 0', timeZone: 'UTC' },
      maxRecordsPerSecond: 5_000,
      maxLoaderLag: 50_000,
      loaderGroupId: 'erp-delta-loader',
    });
    const manual = validConfig();
    manual['refresh'] = { schedule: null };
    assert.equal(parseConfig(manual, ORIGIN).refresh.schedule, null, 'null: only on request');
  });

  it('refuses a cron expression or a time zone it cannot read, and a rate of 0', () => {
    const badCron = validConfig();
    badCron['refresh'] = { schedule: { cron: 'every sunday' } };
    assertRejects(badCron, 'refresh.schedule.cron', /is not a cron expression/);
    const badZone = validConfig();
    badZone['refresh'] = { schedule: { cron: '0 22 * * 0', timeZone: 'Mars/Olympus' } };
    assertRejects(badZone, 'refresh.schedule.timeZone', /IANA time zone/);
    const zero = validConfig();
    zero['refresh'] = { maxRecordsPerSecond: 0 };
    assertRejects(zero, 'refresh.maxRecordsPerSecond');
  });
});
