import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isErpDeltaError } from '../../../src/errors/erp-delta-error.js';
import { parseConfig } from '../../../src/config/tracker-config.js';
import { NORMALIZER_NAMES } from '../../../src/normalize/normalizer.js';

const ORIGIN = 'my-config.yaml';

/** A small valid config; each test breaks one thing in a copy. */
// biome-ignore lint/suspicious/noExplicitAny: tests reach into it to break keys
function validConfig(): Record<string, any> {
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
  assert.throws(
    () => parseConfig(config, ORIGIN),
    (error) => {
      assert.ok(isErpDeltaError(error, 'INVALID_CONFIG'), `expected INVALID_CONFIG, got ${String(error)}`);
      assert.ok(error.message.includes(ORIGIN), `message names the file: ${error.message}`);
      assert.ok(error.message.includes(`"${path}"`), `message names "${path}": ${error.message}`);
      if (detail) assert.match(error.message, detail);
      return true;
    },
  );
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

  it("accepts every normalizer as a field's normalizer", () => {
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

  it("refuses a key field that is not among the entity's fields", () => {
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

  it("refuses a delta topic that is another entity's or the DLQ", () => {
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

  it("takes the consumer groups' session timeout, 30 s by default, whole milliseconds from 1 s to 30 min", () => {
    assert.equal(parseConfig(validConfig(), ORIGIN).kafka.sessionTimeoutMs, 30_000);
    const short = validConfig();
    short['kafka'].sessionTimeoutMs = 6_000;
    assert.equal(parseConfig(short, ORIGIN).kafka.sessionTimeoutMs, 6_000);
    for (const bad of [999, 1_800_001, 6_000.5, '6000']) {
      const config = validConfig();
      config['kafka'].sessionTimeoutMs = bad;
      assertRejects(config, 'kafka.sessionTimeoutMs');
    }
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
    assert.throws(
      () => parseConfig(input, ORIGIN),
      (error) =>
        isErpDeltaError(error, 'INVALID_CONFIG')
        && /\(2 problems\)/.test(error.message)
        && error.message.includes('\n  "dataDirectory" is not a known key')
        && error.message.includes('\n  "entities.customers.fields.creditLimit.normalizer" "money" is unknown'),
    );
  });

  it('names the root when the file is not a mapping', () => {
    assertRejects(['a list'], '(root)', /must be an object, not an array/);
    assertRejects(null, '(root)');
  });

  it('fills the refresh defaults: Sunday 22:00 UTC, paced, loader-aware', () => {
    assert.deepEqual(parseConfig(validConfig(), ORIGIN).refresh, {
      topic: 'erp-delta.refreshes',
      schedule: { cron: '0 22 * * 0', timeZone: 'UTC', kinds: ['replay'], entities: {} },
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

  it("fills the state stores' LevelDB defaults: what the stores used before the options were configurable", () => {
    const MiB = 1024 * 1024;
    assert.deepEqual(parseConfig(validConfig(), ORIGIN).stateStore, {
      cacheBytes: 2 * MiB,
      maxOpenFiles: 1_000,
      blockBytes: 4_096,
      writeBufferBytes: 8 * MiB,
      writeBufferBudgetBytes: 24 * MiB,
    });
    const chosen = validConfig();
    chosen['stateStore'] = { cacheBytes: 0, maxOpenFiles: 200, writeBufferBudgetBytes: 64 * MiB };
    assert.deepEqual(parseConfig(chosen, ORIGIN).stateStore, { cacheBytes: 0, maxOpenFiles: 200, blockBytes: 4_096, writeBufferBytes: 8 * MiB, writeBufferBudgetBytes: 64 * MiB });
  });

  it('refuses a LevelDB option outside what LevelDB takes, rather than have LevelDB clip it silently', () => {
    const cases: Array<[string, number]> = [
      ['maxOpenFiles', 10],
      ['maxOpenFiles', 50_001],
      ['blockBytes', 512],
      ['writeBufferBytes', 1_024],
      ['writeBufferBytes', 2 * 1024 ** 3],
      ['cacheBytes', -1],
      ['cacheBytes', 2 ** 32],
      ['writeBufferBudgetBytes', 0],
      ['cacheBytes', 1.5],
    ];
    for (const [key, value] of cases) {
      const config = validConfig();
      config['stateStore'] = { [key]: value };
      assertRejects(config, `stateStore.${key}`);
    }
    const unknown = validConfig();
    unknown['stateStore'] = { cacheSize: 1 };
    assertRejects(unknown, 'stateStore.cacheSize', /is not a known key/);
  });
});

describe('tracker config: row filters', () => {
  /** The valid config with a filter on customers, whose fields are code (text), salesRepCode (text, upper) and creditLimit (decimal 2). */
  // biome-ignore lint/suspicious/noExplicitAny: as validConfig
  function withFilter(filter: unknown): Record<string, any> {
    const input = validConfig();
    input['entities'].customers.filter = filter;
    return input;
  }

  it('keeps no filter when none is given: every row', () => {
    assert.equal(parseConfig(validConfig(), ORIGIN).entities['customers']?.filter, undefined);
    assert.ok(!('filter' in (parseConfig(validConfig(), ORIGIN).entities['customers'] ?? {})));
  });

  it("normalizes each value with the field's own normalizer", () => {
    const config = parseConfig(
      withFilter([
        { field: 'creditLimit', equals: 1.5 },
        { field: 'creditLimit', notIn: ['0', ' 0001.005 '] },
        { field: 'salesRepCode', in: [' sal001', 'SAL002'] },
        { field: 'code', present: true },
      ]),
      ORIGIN,
    );
    assert.deepEqual(config.entities['customers']?.filter, [
      { field: 'creditLimit', equals: '1.50' },
      { field: 'creditLimit', notIn: ['0.00', '1.01'] },
      { field: 'salesRepCode', in: ['SAL001', 'SAL002'] },
      { field: 'code', present: true },
    ]);
  });

  it("takes booleans, integers, dates and timestamps in their canonical form, a timestamp in the field's zone", () => {
    const input = validConfig();
    input['entities'].products = {
      topic: 'erp.public.products',
      keyFields: ['code'],
      fields: {
        code: { column: 'code', normalizer: 'text' },
        active: { column: 'active', normalizer: 'boolean' },
        stock: { column: 'stock', normalizer: 'integer' },
        launched: { column: 'launched', normalizer: 'date' },
        changedAt: { column: 'changed_at', normalizer: 'timestamp', zone: 'Africa/Johannesburg' },
      },
      filter: [
        { field: 'active', equals: true },
        { field: 'stock', notEquals: 0 },
        { field: 'launched', notEquals: '2026-12-01' },
        { field: 'changedAt', notEquals: '2026-12-01 10:00:00' },
      ],
    };
    assert.deepEqual(parseConfig(input, ORIGIN).entities['products']?.filter, [
      { field: 'active', equals: true },
      { field: 'stock', notEquals: 0 },
      { field: 'launched', notEquals: '2026-12-01' },
      { field: 'changedAt', notEquals: '2026-12-01T08:00:00.000Z' },
    ]);
  });

  it("refuses a field the entity does not track, and the assignment join's assignedUserId", () => {
    assertRejects(
      withFilter([
        { field: 'code', present: true },
        { field: 'city', equals: 'Durban' },
      ]),
      'entities.customers.filter.1.field',
      /"city" is not a tracked field of the entity \(code, salesRepCode, creditLimit\)/,
    );
    assertRejects(withFilter([{ field: 'assignedUserId', present: true }]), 'entities.customers.filter.0.field', /set by the assignment join/);
  });

  it('refuses a condition without a test, or with two', () => {
    assertRejects(withFilter([{ field: 'code' }]), 'entities.customers.filter.0', /needs one test: equals, notEquals, in, notIn, present/);
    assertRejects(withFilter([{ field: 'code', present: true, equals: 'A' }]), 'entities.customers.filter.0', /has 2 tests \(equals, present\)/);
    assertRejects(withFilter([{ field: 'code', matches: 'A*' }]), 'entities.customers.filter.0.matches', /is not a known key/);
  });

  it('refuses an empty filter, an empty list of values and a filter that is not a list', () => {
    assertRejects(withFilter([]), 'entities.customers.filter', /at least one condition/);
    assertRejects(withFilter([{ field: 'code', in: [] }]), 'entities.customers.filter.0.in', /at least one value/);
    assertRejects(withFilter({ field: 'code', present: true }), 'entities.customers.filter', /must be an array/);
    assertRejects(withFilter([{ field: 'code', present: 'yes' }]), 'entities.customers.filter.0.present', /must be a boolean/);
  });

  it("refuses a value not of the field's type, naming the value's own key", () => {
    const input = validConfig();
    input['entities'].products = {
      topic: 'erp.public.products',
      keyFields: ['code'],
      fields: {
        code: { column: 'code', normalizer: 'text' },
        active: { column: 'active', normalizer: 'boolean' },
        stock: { column: 'stock', normalizer: 'integer' },
      },
      filter: [{ field: 'active', equals: 'yes' }],
    };
    assertRejects(input, 'entities.products.filter.0.equals', /must be true or false, as field "active" \(boolean\) holds, not string "yes"/);
    input['entities'].products.filter = [{ field: 'stock', equals: '5' }];
    assertRejects(input, 'entities.products.filter.0.equals', /must be an integer/);
    // YAML reads `in: [001]` as the number 1: refused rather than compared with the text "1".
    input['entities'].products.filter = [{ field: 'code', in: ['A', 1] }];
    assertRejects(input, 'entities.products.filter.0.in.1', /must be text \(quote digits: "001"\).*not number 1/);
  });

  it("refuses a value the field's normalizer cannot read, or one that normalizes to no value", () => {
    assertRejects(withFilter([{ field: 'creditLimit', equals: 'lots' }]), 'entities.customers.filter.0.equals', /"lots" is not a decimal number \(field "creditLimit", decimal\)/);
    assertRejects(withFilter([{ field: 'creditLimit', notIn: ['1', 'NaN'] }]), 'entities.customers.filter.0.notIn.1', /is not a decimal number/);
    assertRejects(withFilter([{ field: 'code', equals: '   ' }]), 'entities.customers.filter.0.equals', /is no value for field "code".*present: false/);
    assertRejects(withFilter([{ field: 'code', equals: null }]), 'entities.customers.filter.0.equals', /is null: test for a missing value with `present: false`/);
  });

  it("reports the filter's problems with the others, at once", () => {
    const input = withFilter([
      { field: 'nope', equals: 1 },
      { field: 'creditLimit', in: ['x', 'y'] },
    ]);
    input['entities'].customers.keyFields = ['missing'];
    assert.throws(
      () => parseConfig(input, ORIGIN),
      (error) => {
        assert.ok(isErpDeltaError(error, 'INVALID_CONFIG'));
        assert.match(error.message, /\(4 problems\)/);
        for (const path of ['entities.customers.keyFields.0', 'entities.customers.filter.0.field', 'entities.customers.filter.1.in.0', 'entities.customers.filter.1.in.1']) {
          assert.ok(error.message.includes(`"${path}"`), `${path} in ${error.message}`);
        }
        return true;
      },
    );
  });
});
