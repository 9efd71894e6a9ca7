/**
 * Issue 18 parts 1 and 2, DESIGN guarantee 8, on the real stack: what the config tracks reaches
 * the target, and a column an older CDC record lacks is unknown at that version, not bad input.
 *
 * Through the ERP database and Debezium: a column is added to the sample customers table (a name
 * of this run's own, dropped again at the end), so the CDC topic holds rows written before the
 * column existed and rows written after.
 * - A field added to the shipped customers entity registers a new, compatible version of the
 *   delta schema, and the field reaches the target with the record's next change.
 * - A restore (data dir deleted) re-sends nothing.
 * - A fresh tracker reading the whole history dead-letters nothing for the rows written before
 *   the column: the field is null for them, and not counted as a change.
 * - A field removed is no longer sent or compared, and its removal re-sends nothing.
 * - An incompatible change (a field's normalizer of another Avro type) stops start-up, naming
 *   the field and quoting the registry's answer.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Type } from 'avsc';
import type pg from 'pg';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { erpDatabase, testStack } from '../../support/test-stack.js';
import { CdcRecorder, TrackerTest, uniqueCode, type TrackerProcess } from '../../support/tracker-harness.js';

interface EntityYaml {
  fields: Record<string, Record<string, unknown>>;
}

/** Edits the customers entity of a test's config file, as a user edits theirs. */
function editCustomers(test: TrackerTest, edit: (customers: EntityYaml) => void): void {
  const config = parseYaml(readFileSync(test.configPath, 'utf8')) as { entities: Record<string, EntityYaml> };
  const customers = config.entities['customers'];
  assert.ok(customers);
  edit(customers);
  writeFileSync(test.configPath, stringifyYaml(config));
}

/** The versions the registry holds of a subject, through its Confluent-compatible API. */
async function subjectVersions(subject: string): Promise<number[]> {
  const response = await fetch(`${testStack().component('registry').endpoint()}/subjects/${encodeURIComponent(subject)}/versions`);
  assert.equal(response.status, 200, await response.clone().text());
  return (await response.json()) as number[];
}

/** The data record's field names of the latest registered version of a subject. */
async function latestDataFields(registry: SchemaRegistry, subject: string): Promise<Array<{ name: string; type: unknown }>> {
  const schema = ((await registry.getSchema(await registry.getLatestSchemaId(subject))) as unknown as Type).schema({ exportAttrs: true }) as { fields: Array<{ name: string; type: unknown }> };
  const data = schema.fields.find((field) => field.name === 'data')?.type as [string, { fields: Array<{ name: string; type: unknown }> }];
  return data[1].fields;
}

describe('tracker: delta schemas follow the config, and columns added to the ERP', () => {
  const suffix = randomUUID().slice(0, 6);
  const column = `phone_${suffix}`;
  const field = `phone${suffix.replace(/^./, (first) => first.toUpperCase())}`;
  const [older, newer] = [uniqueCode('SE'), uniqueCode('SE')];
  let db: pg.Client;
  let cdc: CdcRecorder;
  let test: TrackerTest;
  let fresh: TrackerTest | undefined;
  let tracker: TrackerProcess | undefined;
  let registry: SchemaRegistry;

  before(async () => {
    db = await erpDatabase();
    cdc = await CdcRecorder.start(['customers']);
    test = new TrackerTest('schema');
    registry = new SchemaRegistry({ host: testStack().component('registry').endpoint() });
  });

  after(async () => {
    if (tracker?.running) await tracker.stop();
    await cdc?.stop();
    await db?.query(`ALTER TABLE customers DROP COLUMN IF EXISTS ${column}`).catch(() => undefined);
    await db?.end();
    await test?.cleanup();
    await fresh?.cleanup();
  });

  it('adds a field compatibly: it reaches the target with the next change, and a restore re-sends nothing', async () => {
    const subject = `${test.deltaTopics.customers}-value`;
    await db.query(`INSERT INTO customers (code, name, city, sales_rep_code, credit_limit) VALUES ($1, 'Evolving Hardware', 'Cape Town', 'SAL001', 10)`, [older]);
    tracker = test.start();
    await tracker.waitForLog('tasks ready');
    await cdc.waitForEvents('customers', older, 1);
    await test.waitCaughtUp();
    assert.equal((await subjectVersions(subject)).length, 1);
    await tracker.stop();

    // The ERP gains a column; the row written before it has none in the CDC topic.
    await db.query(`ALTER TABLE customers ADD COLUMN ${column} text`);
    await db.query(`UPDATE customers SET ${column} = '+27 21 555 0100' WHERE code = $1`, [older]);
    await db.query(`INSERT INTO customers (code, name, city, sales_rep_code, credit_limit, ${column}) VALUES ($1, 'New Hardware', 'Durban', 'SAL002', 20, '+27 31 555 0199')`, [newer]);
    await cdc.waitForEvents('customers', older, 2);
    await cdc.waitForEvents('customers', newer, 1);

    editCustomers(test, (customers) => {
      customers.fields[field] = { column, normalizer: 'text' };
    });
    tracker = test.start();
    await tracker.waitForLog('tasks ready');
    await test.waitCaughtUp();
    const versions = await subjectVersions(subject);
    assert.equal(versions.length, 2, 'the added field registered a second version of the subject');
    assert.deepEqual((await latestDataFields(registry, subject)).find((candidate) => candidate.name === field)?.type, ['null', 'string'], 'an optional field');

    const deltas = await test.readDeltas(['customers']);
    const ofOlder = deltas.of('customers', older).map((record) => record.delta);
    assert.equal(ofOlder.length, 2, `the insert, then the change of the new column: ${JSON.stringify(ofOlder)}`);
    assert.equal(ofOlder[0]?.data?.[field], undefined, 'the first delta was written before the field existed');
    assert.deepEqual(ofOlder[1]?.changedFields, [field]);
    assert.equal(ofOlder[1]?.data?.[field], '+27 21 555 0100');
    assert.equal(deltas.of('customers', newer)[0]?.delta?.data?.[field], '+27 31 555 0199');
    await tracker.stop();

    rmSync(test.dataDir(), { recursive: true, force: true });
    tracker = test.start();
    await tracker.waitForLog('state stores restored');
    await tracker.waitForLog('tasks ready');
    await test.waitCaughtUp();
    assert.deepEqual((await test.readDeltas(['customers'])).since(deltas).all, [], 'nothing re-sent after the restore');
    await tracker.stop();
  });

  it('a fresh tracker reads the history: rows written before the column are unknown at their version, not dead letters', async () => {
    fresh = new TrackerTest('schema-fresh');
    editCustomers(fresh, (customers) => {
      customers.fields[field] = { column, normalizer: 'text' };
    });
    const reader = await fresh.startCaughtUp();
    const deltas = await fresh.readDeltas(['customers']);
    const ofOlder = deltas.of('customers', older).map((record) => record.delta);
    assert.equal(ofOlder.length, 2, JSON.stringify(ofOlder));
    assert.equal(ofOlder[0]?.data?.[field], null, 'not known at the version written before the column');
    assert.ok(!ofOlder[0]?.changedFields.includes(field), 'an unknown field is not a change');
    assert.deepEqual(ofOlder[1]?.changedFields, [field]);
    const deadLetters = (await fresh.readDeadLetters(5_000)).filter((letter) => letter.key?.toString().includes(older));
    assert.deepEqual(deadLetters, [], 'no row of the history was dead-lettered for lacking the column');
    const warning = await reader.waitForLog((line) => typeof line.msg === 'string' && line.msg.startsWith("CDC records without a tracked field's column") && line['field'] === field);
    assert.equal(warning['column'], column);
    await reader.stop();
  });

  it('removes a field compatibly and re-sends nothing for it', async () => {
    const before = await test.readDeltas(['customers']);
    editCustomers(test, (customers) => {
      delete customers.fields['city'];
    });
    tracker = test.start();
    await tracker.waitForLog('tasks ready');
    await test.waitCaughtUp();
    assert.ok(!(await latestDataFields(registry, `${test.deltaTopics.customers}-value`)).some((candidate) => candidate.name === 'city'));

    await db.query(`UPDATE customers SET city = 'Port Elizabeth' WHERE code = $1`, [older]);
    await db.query(`UPDATE customers SET name = 'Evolved Hardware' WHERE code = $1`, [newer]);
    await cdc.waitForEvents('customers', newer, 2);
    await test.waitCaughtUp();
    const since = (await test.readDeltas(['customers'])).since(before).all;
    assert.deepEqual(
      since.map((record) => [record.key, record.delta?.changedFields]),
      [[newer, ['name']]],
      'only the real change of a tracked field',
    );
    assert.equal(since[0]?.delta?.data?.['city'], undefined, 'the removed field is no longer sent');
    await tracker.stop();
  });

  it('refuses an incompatible change at start-up, naming the field and quoting the registry', async () => {
    editCustomers(test, (customers) => {
      customers.fields['name'] = { column: 'name', normalizer: 'integer' };
    });
    tracker = test.start();
    const exit = await tracker.exited;
    assert.notEqual(exit.code, 0, tracker.tail());
    assert.match(
      tracker.stderr,
      /The registry refused the delta schema of entity "customers".*: field "name" was \["null","string"\] and would be \["null","long"\]\. The registry said: .*[Ii]ncompatible/,
    );
    assert.equal((await subjectVersions(`${test.deltaTopics.customers}-value`)).length, 3, 'nothing registered for the refused change');
  });
});
