/**
 * Issue 18, part 4: `erp-delta entities init` drafts an entity config from a table's real
 * columns, read from the test stack's ERP database (through the shipped connector file, or
 * --database-url) or from the schema part of a CDC record; what it prints is a config the
 * validator accepts.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import kafkajs from 'kafkajs';
import type pg from 'pg';
import { parse as parseYaml } from 'yaml';
import { parseConfig, type EntityConfig } from '../../../src/config/tracker-config.js';
import { runCli, type CliResult } from '../../support/cli.js';
import { erpDatabase, STACK_DIR_FLAG, testKafka, testStack } from '../../support/test-stack.js';

const suffix = randomUUID().slice(0, 8);
const ORDER_LINES = `entities_init_lines_${suffix}`;
const NO_KEY = `entities_init_nokey_${suffix}`;
const STATUS_TYPE = `entities_init_status_${suffix}`;
const SCHEMA_TOPIC = `entities-init-${suffix}`;

function entitiesInit(args: readonly string[]): Promise<CliResult> {
  return runCli(['entities', 'init', ...STACK_DIR_FLAG, ...args], { timeoutMs: 120_000 });
}

/** What init printed, pasted under `entities:` of a minimal config and validated as erp-delta validates a config file. */
function pastedEntity(result: CliResult, name: string): EntityConfig {
  assert.equal(result.code, 0, result.stderr);
  const text = `kafka: { brokers: ["127.0.0.1:9092"] }\nregistry: { url: "http://127.0.0.1:8081" }\nentities:\n${result.stdout}`;
  const entity = parseConfig(parseYaml(text, { uniqueKeys: true }), 'entities-init output').entities[name];
  assert.ok(entity, `entity ${name} in:\n${result.stdout}`);
  return entity;
}

function normalizers(entity: EntityConfig): Record<string, unknown> {
  return Object.fromEntries(Object.entries(entity.fields).map(([field, { column: _column, ...spec }]) => [field, spec]));
}

describe('erp-delta entities init', () => {
  let db: pg.Client;

  before(async () => {
    db = await erpDatabase();
    await db.query(`CREATE TYPE ${STATUS_TYPE} AS ENUM ('open', 'shipped')`);
    // The key columns are declared in the other order than the columns: keyFields follow the key.
    await db.query(`CREATE TABLE ${ORDER_LINES} (
      line_no       integer,
      order_no      varchar(20),
      item_code     text NOT NULL,
      quantity      numeric(12,3),
      unit_price    money,
      discount      numeric,
      status        ${STATUS_TYPE},
      delivered_on  date,
      promised_at   timestamp(3),
      booked_at     timestamptz,
      cut_off       time,
      gift          boolean,
      attributes    jsonb,
      tags          text[],
      trace_id      uuid,
      signature     bytea,
      updated_at    timestamptz DEFAULT now(),
      PRIMARY KEY (order_no, line_no)
    )`);
    await db.query(`CREATE TABLE ${NO_KEY} (code text, note text)`);
  });

  after(async () => {
    await db.query(`DROP TABLE IF EXISTS ${ORDER_LINES}, ${NO_KEY}`);
    await db.query(`DROP TYPE IF EXISTS ${STATUS_TYPE}`);
    await db.end();
    const admin = testKafka().admin();
    await admin.connect();
    try {
      if ((await admin.listTopics()).includes(SCHEMA_TOPIC)) await admin.deleteTopics({ topics: [SCHEMA_TOPIC] });
    } finally {
      await admin.disconnect();
    }
  });

  it('drafts the sample tables with their keys, normalizers and CDC topics', async () => {
    const customers = pastedEntity(await entitiesInit(['--table', 'public.customers']), 'customers');
    assert.equal(customers.topic, 'erp.public.customers');
    assert.deepEqual(customers.keyFields, ['code']);
    assert.deepEqual(Object.keys(customers.fields), ['code', 'name', 'address', 'city', 'salesRepCode', 'creditLimit']);
    assert.deepEqual(customers.fields['creditLimit'], { column: 'credit_limit', normalizer: 'decimal', scale: 2 });

    const products = pastedEntity(await entitiesInit(['--table', 'public.products']), 'products');
    assert.deepEqual(normalizers(products), {
      code: { normalizer: 'text', emptyIsNull: true },
      description: { normalizer: 'text', emptyIsNull: true },
      unitPrice: { normalizer: 'decimal', scale: 2 },
      active: { normalizer: 'boolean' },
    });

    const stockResult = await entitiesInit(['--table', 'public.stock_levels']);
    const stock = pastedEntity(stockResult, 'stock_levels');
    assert.equal(stock.topic, 'erp.public.stock_levels');
    assert.equal(stock.deltaTopic, 'erp-delta.stock_levels');
    assert.deepEqual(stock.keyFields, ['productCode', 'warehouseCode']);
    assert.deepEqual(stock.fields['quantity'], { column: 'quantity', normalizer: 'decimal', scale: 3 });
    assert.match(stockResult.stdout, /^ {6}# updatedAt: +\{ column: updated_at, normalizer: timestamp \}/m, 'updated_at drafted commented out');
    assert.match(stockResult.stdout, /# updatedAt is not tracked: an audit column touched by every UPDATE/);
    assert.match(stockResult.stdout, /Columns: from PostgreSQL 127\.0\.0\.1:15433\/erp \(the connection of connectors\/erp-postgres\.json\)/);
  });

  it('drafts a table with a composite key and many types, saying what to check', async () => {
    const result = await entitiesInit(['--table', `public.${ORDER_LINES}`, '--name', 'order_lines']);
    const entity = pastedEntity(result, 'order_lines');
    assert.equal(entity.topic, `erp.public.${ORDER_LINES}`);
    assert.equal(entity.deltaTopic, 'erp-delta.order_lines');
    assert.deepEqual(entity.keyFields, ['orderNo', 'lineNo']);
    // The shipped connector: decimals as text (no encoding), temporal values as ISO text (no units).
    assert.deepEqual(normalizers(entity), {
      lineNo: { normalizer: 'integer' },
      orderNo: { normalizer: 'text', emptyIsNull: true },
      itemCode: { normalizer: 'text', emptyIsNull: true },
      quantity: { normalizer: 'decimal', scale: 3 },
      unitPrice: { normalizer: 'decimal', scale: 2 },
      discount: { normalizer: 'decimal', scale: 6 },
      status: { normalizer: 'text', emptyIsNull: true },
      deliveredOn: { normalizer: 'date' },
      promisedAt: { normalizer: 'timestamp', epochUnit: 'auto', zone: 'UTC' },
      bookedAt: { normalizer: 'timestamp', epochUnit: 'auto' },
      cutOff: { normalizer: 'time' },
      gift: { normalizer: 'boolean' },
      attributes: { normalizer: 'json' },
      tags: { normalizer: 'json' },
      traceId: { normalizer: 'uuid' },
      signature: { normalizer: 'bytes', encoding: 'base64' },
    });
    assert.match(result.stdout, /# promisedAt: a timestamp without time zone: [\s\S]*UTC is a placeholder/);
    assert.match(result.stdout, /# discount: numeric without a scale [\s\S]*placeholder/);
    assert.match(result.stdout, new RegExp(`# status: enum ${STATUS_TYPE} \\(open, shipped\\)`));
    assert.match(result.stdout, /# updatedAt: +\{ column: updated_at/);
    assert.match(result.stdout, new RegExp(`does not capture public\\.${ORDER_LINES}`), 'the connector file does not capture the new table');
  });

  it('reads the columns through --database-url too', async () => {
    const url = testStack().component('postgres').endpoint();
    const entity = pastedEntity(await entitiesInit(['--table', 'public.stock_levels', '--database-url', url]), 'stock_levels');
    assert.deepEqual(entity.keyFields, ['productCode', 'warehouseCode']);
  });

  it('names a bad --table, a missing table, a table without a primary key and an unreachable database', async () => {
    const badForm = await entitiesInit(['--table', 'customers']);
    assert.equal(badForm.code, 2);
    assert.match(badForm.stderr, /--table "customers" is not of the form schema\.table/);

    const missing = await entitiesInit(['--table', 'public.Customers']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /Table public\.Customers does not exist in the ERP database 127\.0\.0\.1:15433\/erp/);
    assert.match(missing.stderr, /Did you mean --table public\.customers\?/);

    const noKey = await entitiesInit(['--table', `public.${NO_KEY}`]);
    assert.equal(noKey.code, 1);
    assert.match(noKey.stderr, new RegExp(`Table public\\.${NO_KEY} has no primary key`));
    assert.match(noKey.stderr, /message\.key\.columns/);

    const unreachable = await entitiesInit(['--table', 'public.customers', '--database-url', 'postgres://postgres@127.0.0.1:1/erp']);
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.stderr, /The ERP database 127\.0\.0\.1:1\/erp cannot be read: .*ECONNREFUSED/);
    for (const result of [badForm, missing, noKey, unreachable]) {
      assert.equal(result.stdout, '');
      assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
    }
  });

  it('refuses --from-topic on CDC topics whose records have no schema part, pointing at the database', async () => {
    const result = await entitiesInit(['--table', 'public.customers', '--from-topic', '--brokers', testStack().component('kafka').endpoint()]);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /The records of CDC topic erp\.public\.customers have no schema part/);
    assert.match(result.stderr, /leave out --from-topic/);
  });

  it("reads the columns from a CDC record's schema part (JsonConverter with schemas.enable=true)", async () => {
    const admin = testKafka().admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic: SCHEMA_TOPIC, numPartitions: 2 }], waitForLeaders: true });
    } finally {
      await admin.disconnect();
    }
    const producer = testKafka().producer({ createPartitioner: kafkajs.Partitioners.DefaultPartitioner });
    await producer.connect();
    try {
      await producer.send({
        topic: SCHEMA_TOPIC,
        messages: [
          { key: JSON.stringify(schemaRecord.key), value: JSON.stringify(schemaRecord.value) },
          { key: JSON.stringify(schemaRecord.key), value: null },
        ],
      });
    } finally {
      await producer.disconnect();
    }

    const result = await entitiesInit(['--topic', SCHEMA_TOPIC, '--from-topic', '--brokers', testStack().component('kafka').endpoint()]);
    const entity = pastedEntity(result, 'invoice_lines');
    assert.equal(entity.topic, SCHEMA_TOPIC);
    assert.deepEqual(entity.keyFields, ['invoiceNo', 'lineNo']);
    assert.deepEqual(normalizers(entity), {
      invoiceNo: { normalizer: 'text', emptyIsNull: true },
      lineNo: { normalizer: 'integer' },
      amount: { normalizer: 'decimal', scale: 2, encoding: 'base64' },
      dueOn: { normalizer: 'date' },
      printedAt: { normalizer: 'timestamp', epochUnit: 'micros', zone: 'UTC' },
      paid: { normalizer: 'boolean' },
      extra: { normalizer: 'json' },
    });
    assert.match(result.stdout, new RegExp(`Columns: from the schema of a record on CDC topic ${SCHEMA_TOPIC}`));
    assert.match(result.stdout, /# updatedAt: +\{ column: updated_at, normalizer: timestamp \}/);
  });
});

/** A change record of billing.invoice_lines as Connect's JsonConverter writes it with schemas (decimal.handling.mode=precise, adaptive times). */
const rowFields = [
  { type: 'string', optional: false, field: 'invoice_no' },
  { type: 'int32', optional: false, field: 'line_no' },
  { type: 'bytes', optional: true, name: 'org.apache.kafka.connect.data.Decimal', version: 1, parameters: { scale: '2', 'connect.decimal.precision': '12' }, field: 'amount' },
  { type: 'int32', optional: true, name: 'io.debezium.time.Date', version: 1, field: 'due_on' },
  { type: 'int64', optional: true, name: 'io.debezium.time.MicroTimestamp', version: 1, field: 'printed_at' },
  { type: 'boolean', optional: true, field: 'paid' },
  { type: 'string', optional: true, name: 'io.debezium.data.Json', version: 1, field: 'extra' },
  { type: 'string', optional: true, name: 'io.debezium.time.ZonedTimestamp', version: 1, field: 'updated_at' },
];
const row = { invoice_no: 'I1', line_no: 1, amount: 'BNI=', due_on: 20_000, printed_at: 1_728_000_000_000_000, paid: true, extra: '{}', updated_at: '2026-01-01T00:00:00Z' };
const schemaRecord = {
  key: {
    schema: { type: 'struct', optional: false, name: 'erp.billing.invoice_lines.Key', fields: rowFields.slice(0, 2) },
    payload: { invoice_no: 'I1', line_no: 1 },
  },
  value: {
    schema: {
      type: 'struct',
      optional: false,
      name: 'erp.billing.invoice_lines.Envelope',
      fields: [
        { type: 'struct', optional: true, name: 'erp.billing.invoice_lines.Value', field: 'before', fields: rowFields },
        { type: 'struct', optional: true, name: 'erp.billing.invoice_lines.Value', field: 'after', fields: rowFields },
        {
          type: 'struct',
          optional: false,
          name: 'io.debezium.connector.postgresql.Source',
          field: 'source',
          fields: [
            { type: 'string', optional: false, field: 'schema' },
            { type: 'string', optional: false, field: 'table' },
          ],
        },
        { type: 'string', optional: false, field: 'op' },
      ],
    },
    payload: { before: null, after: row, source: { schema: 'billing', table: 'invoice_lines' }, op: 'c' },
  },
};
