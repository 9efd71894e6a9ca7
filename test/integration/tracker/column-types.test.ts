/**
 * Issue 18, part 6 on the real stack: a table with a column of every type an ERP uses, changed
 * through PostgreSQL and captured by Debezium, reaches the target in one canonical form per value.
 *
 * Two connectors of the test's own capture the same table: one in the shipped connector's modes
 * (connectors/erp-postgres.json: isostring times, string decimals, bytea as bytes, i.e. base64),
 * one in adaptive_time_microseconds, precise decimals and hex bytea. Each feeds an entity of its
 * own whose fields use the normalizer options for its modes, so every option reads what Debezium
 * really sends, and both entities must give the target the same values. The expected values are
 * written out by hand below, as the target would check them.
 *
 * Debezium 3.6 (observed): a bit(n > 1) column is io.debezium.data.Bits, base64 whatever
 * binary.handling.mode says (it is not a binary column); an unchanged TOASTed bytea is the
 * placeholder's bytes in base64 in bytes mode but the placeholder text itself in hex mode; a
 * numeric NaN or Infinity is null in precise mode.
 *
 * The test owns its table, enum type, connectors (slots, publications, topic prefixes) and CDC
 * topics, and removes all of them at the end.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type pg from 'pg';
import { ConnectRestClient } from '../../../src/capture/connect-rest.js';
import { DEAD_LETTER_HEADERS } from '../../../src/dead-letters/dead-letter.js';
import { waitConnectorRunning } from '../../support/capture-watch.js';
import { copyOfShippedConnector, removeTestCapture } from '../../support/connector-copy.js';
import { erpDatabase, testKafka, testStack } from '../../support/test-stack.js';
import { keyCode, TopicRecorder, TrackerTest, waitUntil, type DeltaRecord, type EntityConfig, type RawRecord, type TrackerProcess } from '../../support/tracker-harness.js';

const id = `c${Date.now().toString(36)}`;
const table = `column_types_${id}`;
const statusType = `order_status_${id}`;

/** One connector of the test and the entity that reads its CDC topic. */
interface Capture {
  entity: string;
  connector: string;
  prefix: string;
  slot: string;
  topic: string;
  /** Connector settings over the shipped ones. */
  modes: Record<string, string>;
}

function capture(entity: string, suffix: string, modes: Record<string, string>): Capture {
  const prefix = `erpcoltypes${id}${suffix}`;
  return { entity, connector: `erp-column-types-${id}-${suffix}`, prefix, slot: `erp_delta_${id}_${suffix}`, topic: `${prefix}.public.${table}`, modes };
}

const SHIPPED = capture('column_types', 's', {});
const PRECISE = capture('column_types_precise', 'p', {
  'time.precision.mode': 'adaptive_time_microseconds',
  'decimal.handling.mode': 'precise',
  'binary.handling.mode': 'hex',
});
const CAPTURES = [SHIPPED, PRECISE] as const;

type Fields = EntityConfig['fields'];

/** The tracked fields for the shipped modes: canonical name <- column, normalizer. */
const SHIPPED_FIELDS: Fields = {
  code: { column: 'code', normalizer: 'text' },
  label: { column: 'label', normalizer: 'text' },
  dueDate: { column: 'due_date', normalizer: 'date' },
  pickupTime: { column: 'pickup_time', normalizer: 'time' },
  cutoffTime: { column: 'cutoff_tz', normalizer: 'time' },
  // The ERP writes local time in Berlin into a column without a zone.
  postedAt: { column: 'posted_at', normalizer: 'timestamp', zone: 'Europe/Berlin' },
  confirmedAt: { column: 'confirmed_at', normalizer: 'timestamp' },
  quantity: { column: 'quantity', normalizer: 'decimal', scale: 3 },
  rate: { column: 'rate', normalizer: 'decimal', scale: 10 },
  price: { column: 'price', normalizer: 'decimal', scale: 2 },
  active: { column: 'active', normalizer: 'boolean' },
  blocked: { column: 'blocked', normalizer: 'boolean' },
  weekdayMask: { column: 'weekday_mask', normalizer: 'bytes' },
  priority: { column: 'priority', normalizer: 'integer' },
  stockUnits: { column: 'stock_units', normalizer: 'integer' },
  ledgerId: { column: 'ledger_id', normalizer: 'integer' },
  externalId: { column: 'external_id', normalizer: 'uuid' },
  attributes: { column: 'attributes', normalizer: 'json' },
  settings: { column: 'settings', normalizer: 'json' },
  tags: { column: 'tags', normalizer: 'json' },
  binNumbers: { column: 'bin_numbers', normalizer: 'json' },
  status: { column: 'status', normalizer: 'text' },
  checksum: { column: 'checksum', normalizer: 'bytes' },
  notes: { column: 'notes', normalizer: 'text' },
  attachment: { column: 'attachment', normalizer: 'bytes' },
  audit: { column: 'audit', normalizer: 'json' },
  readings: { column: 'readings', normalizer: 'json' },
};

/** The same fields, with the options adaptive_time_microseconds, precise and hex need. */
const PRECISE_FIELDS: Fields = {
  ...SHIPPED_FIELDS,
  pickupTime: { column: 'pickup_time', normalizer: 'time', unit: 'micros' },
  postedAt: { column: 'posted_at', normalizer: 'timestamp', zone: 'Europe/Berlin', epochUnit: 'micros' },
  quantity: { column: 'quantity', normalizer: 'decimal', scale: 3, encoding: 'base64' },
  // A numeric without scale is the {scale, value} struct, read as such whatever the encoding.
  rate: { column: 'rate', normalizer: 'decimal', scale: 10 },
  price: { column: 'price', normalizer: 'decimal', scale: 2, encoding: 'base64' },
  // io.debezium.data.Bits is no binary column: binary.handling.mode=hex leaves it base64.
  weekdayMask: { column: 'weekday_mask', normalizer: 'bytes', encoding: 'base64' },
  checksum: { column: 'checksum', normalizer: 'bytes', encoding: 'hex' },
  attachment: { column: 'attachment', normalizer: 'bytes', encoding: 'hex' },
};

const FIELD_NAMES = Object.keys(SHIPPED_FIELDS);

const PLACEHOLDER = '__debezium_unavailable_value';

type Row = Record<string, string | number | boolean | null>;

/** Large, incompressible values: PostgreSQL stores them out of line (TOAST). */
function longText(): string {
  return randomBytes(6_000).toString('base64');
}
function longBytes(): Buffer {
  return randomBytes(6_000);
}
/** A jsonb object whose keys all have one length: jsonb then keeps them sorted, and so does the canonical form. */
function longDocument(): { text: string; canonical: string } {
  const keys = Array.from({ length: 300 }, () => randomBytes(16).toString('hex')).sort();
  const members = keys.map((key) => `"${key}":${randomInt(1_000_000_000)}`);
  return { text: `{${members.join(', ')}}`, canonical: `{${members.join(',')}}` };
}
function longIntegers(): number[] {
  return Array.from({ length: 3_000 }, () => randomInt(-1_000_000_000, 1_000_000_000));
}

function connectorConfig(target: Capture): Record<string, string> {
  return copyOfShippedConnector({ prefix: target.prefix, slot: target.slot, postgres: new URL(testStack().component('postgres').endpoint()), tables: [`public.${table}`], overrides: target.modes });
}

async function waitForTopics(topics: readonly string[]): Promise<void> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    await waitUntil(
      `${topics.join(', ')} to hold the snapshot`,
      async () => {
        const existing = await admin.listTopics();
        if (!topics.every((topic) => existing.includes(topic))) return false;
        for (const topic of topics) {
          const offsets = await admin.fetchTopicOffsets(topic).catch(() => []);
          if (offsets.reduce((sum, { high }) => sum + Number(high), 0) === 0) return false;
        }
        return true;
      },
      120_000,
    );
  } finally {
    await admin.disconnect();
  }
}

interface CdcValue {
  op: string;
  after: Record<string, unknown> | null;
  /** The value as Debezium wrote it: integers beyond 2^53 with all their digits. */
  text: string;
}

function header(record: RawRecord, name: string): string | undefined {
  return record.headers[name]?.toString();
}

function upserts(records: readonly DeltaRecord[]): Array<{ changedFields: string[]; data: Row }> {
  return records.filter((record) => record.delta?.op === 'UPSERT').map((record) => ({ changedFields: record.delta?.changedFields ?? [], data: (record.delta?.data ?? {}) as Row }));
}

describe('tracker: a column of every type, changed through the ERP database', () => {
  const connect = new ConnectRestClient(testStack().component('connect').endpoint());
  let db: pg.Client;
  let test: TrackerTest;
  let tracker: TrackerProcess | undefined;
  let cdc: TopicRecorder | undefined;
  const created: Capture[] = [];

  /** The CDC records of one row on one capture's topic, in order; null value: a tombstone. */
  function cdcEvents(target: Capture, code: string): Array<CdcValue | null> {
    return (cdc?.records ?? [])
      .filter((record) => record.topic === target.topic && keyCode(record.key) === code)
      .sort((a, b) => a.offset - b.offset)
      .map((record) => {
        if (record.value === null) return null;
        const text = record.value.toString('utf8');
        const value = JSON.parse(text) as { op: string; after: Record<string, unknown> | null };
        return { op: value.op, after: value.after, text };
      });
  }

  /** Runs `write`, waits until every capture's topic has `added` more records of the row, then until the tracker has read them. */
  async function captured(code: string, added: number, write: () => Promise<unknown>): Promise<void> {
    const counts = CAPTURES.map((target) => cdcEvents(target, code).length);
    await write();
    for (const [index, target] of CAPTURES.entries()) {
      const count = (counts[index] ?? 0) + added;
      await waitUntil(`${count} CDC records of ${code} on ${target.topic}`, () => cdcEvents(target, code).length >= count, 60_000);
    }
    await test.waitCaughtUp(60_000);
  }

  async function deltasOf(code: string): Promise<Record<string, DeltaRecord[]>> {
    const deltas = await test.readEntityDeltas(CAPTURES.map(({ entity }) => entity));
    return Object.fromEntries(CAPTURES.map(({ entity }) => [entity, deltas.of(entity, code)]));
  }

  /** Dead letters of this test's entities (the sample entities also read shared topics, which other tests write bad records to). */
  async function deadLetters(): Promise<RawRecord[]> {
    const entities: readonly string[] = CAPTURES.map(({ entity }) => entity);
    return (await test.readDeadLetters()).filter((record) => entities.includes(header(record, DEAD_LETTER_HEADERS.entity) ?? ''));
  }

  // What the target holds for row A, kept up to date as the test changes the row.
  const notes = longText();
  const attachment = longBytes();
  const audit = longDocument();
  const readings = longIntegers();
  const rowA: Row = {
    code: 'A',
    label: 'Widget',
    dueDate: '2026-07-15',
    pickupTime: '13:45:30.123',
    cutoffTime: '11:45:30.250',
    postedAt: '2026-07-15T12:30:00.123Z',
    confirmedAt: '2026-07-15T12:30:00.500Z',
    quantity: '-12345.678',
    rate: '-123456789012345678901234.5678901235',
    price: '-1234.56',
    active: true,
    blocked: true,
    weekdayMask: '010b',
    priority: -32768,
    stockUnits: -2147483648,
    ledgerId: '9007199254740993',
    externalId: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
    attributes: '{"a":[1,2],"b":1,"name":"Müller","price":1.5}',
    settings: '{"a":[1,2],"b":1,"name":"Müller","price":1.5}',
    tags: '["x","y z",null]',
    binNumbers: '[1,-2,3]',
    status: 'open',
    checksum: '00ff10',
    notes,
    attachment: attachment.toString('hex'),
    audit: audit.canonical,
    readings: JSON.stringify(readings),
  };

  before(async () => {
    db = await erpDatabase();
    await db.query(`CREATE TYPE ${statusType} AS ENUM ('open', 'shipped', 'cancelled')`);
    await db.query(`CREATE TABLE ${table} (
      code text PRIMARY KEY, label text, due_date date, pickup_time time, cutoff_tz timetz, posted_at timestamp, confirmed_at timestamptz,
      quantity numeric(12,3), rate numeric, price money, active boolean, blocked bit(1), weekday_mask bit(12),
      priority smallint, stock_units integer, ledger_id bigint, external_id uuid, attributes json, settings jsonb,
      tags text[], bin_numbers int[], status ${statusType}, checksum bytea,
      notes text, attachment bytea, audit jsonb, readings int[], updated_at timestamptz DEFAULT now())`);
    // A row of NULLs, so that each connector's snapshot creates its CDC topic before the tracker subscribes.
    await db.query(`INSERT INTO ${table} (code) VALUES ('B')`);

    const shipped = connectorConfig(SHIPPED);
    assert.equal(shipped['time.precision.mode'], 'isostring', 'the shipped connector sends times as ISO text');
    assert.equal(shipped['decimal.handling.mode'], 'string', 'the shipped connector sends decimals as text');
    assert.equal(shipped['binary.handling.mode'], undefined, 'the shipped connector sends bytea as bytes (base64 through JsonConverter)');
    for (const target of CAPTURES) {
      created.push(target);
      await connect.putConfig(target.connector, connectorConfig(target));
    }
    for (const target of CAPTURES) await waitConnectorRunning(connect, target.connector);
    await waitForTopics(CAPTURES.map(({ topic }) => topic));
    cdc = await TopicRecorder.start(CAPTURES.map(({ topic }) => topic));

    test = new TrackerTest('column-types');
    test.addEntity(SHIPPED.entity, { topic: SHIPPED.topic, keyFields: ['code'], fields: SHIPPED_FIELDS });
    test.addEntity(PRECISE.entity, { topic: PRECISE.topic, keyFields: ['code'], fields: PRECISE_FIELDS });
    tracker = await test.startCaughtUp();
  });

  after(async () => {
    // Every step is tried, so that a failed one leaves no slot pinning WAL behind; the first failure is reported.
    const failures: unknown[] = [];
    const attempt = async (step: () => Promise<unknown> | undefined): Promise<void> => {
      try {
        await step();
      } catch (error) {
        failures.push(error);
      }
    };
    await attempt(() => tracker?.stop());
    await attempt(() => cdc?.stop());
    for (const target of created) await attempt(() => removeTestCapture(connect, db, { connector: target.connector, slot: target.slot }));
    await attempt(() => test?.cleanup());
    await attempt(() => db?.query(`DROP TABLE IF EXISTS ${table}`));
    await attempt(() => db?.query(`DROP TYPE IF EXISTS ${statusType}`));
    await attempt(() => db?.end());
    if (failures.length > 0) throw failures[0];
  });

  it("an INSERT reaches the target in canonical form, in either connector's modes", async () => {
    await captured('A', 1, () =>
      db.query(
        `INSERT INTO ${table} VALUES ('A', 'Widget', '2026-07-15', '13:45:30.123456', '13:45:30.25+02:00',
      '2026-07-15 14:30:00.123456', '2026-07-15 14:30:00.5+02:00',
      -12345.678, -123456789012345678901234.56789012345678, -1234.56, true, B'1', B'101100000001',
      -32768, -2147483648, 9007199254740993, 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11',
      '{"b": 1, "a": [1, 2], "price": 1.50, "name": "Müller"}', '{"b": 1, "a": [1, 2], "price": 1.50, "name": "Müller"}',
      ARRAY['x', 'y z', NULL], ARRAY[1, -2, 3], 'open', '\\x00ff10', $1, $2, $3, $4)`,
        [notes, attachment, audit.text, readings],
      ),
    );
    const stored = await db.query<{ external: boolean }>(
      `SELECT pg_column_size(notes) > 2000 AND pg_column_size(attachment) > 2000 AND pg_column_size(audit) > 2000 AND pg_column_size(readings) > 2000 AS external FROM ${table} WHERE code = 'A'`,
    );
    assert.equal(stored.rows[0]?.external, true, 'the long values stay over the TOAST threshold');

    // Debezium sends the bigint with all its digits; the tracker must keep them.
    for (const target of CAPTURES) assert.match(cdcEvents(target, 'A')[0]?.text ?? '', /"ledger_id":9007199254740993[,}]/);
    const nullRow: Row = Object.fromEntries(FIELD_NAMES.map((name) => [name, null]));
    for (const [entity, records] of Object.entries(await deltasOf('A'))) {
      assert.deepEqual(upserts(records), [{ changedFields: FIELD_NAMES, data: rowA }], entity);
      assert.equal(records[0]?.delta?.reason, 'CHANGE');
    }
    for (const [entity, records] of Object.entries(await deltasOf('B'))) {
      assert.deepEqual(upserts(records), [{ changedFields: FIELD_NAMES, data: { ...nullRow, code: 'B' } }], `${entity}: a row of NULLs, from the snapshot`);
    }
    assert.deepEqual(await deadLetters(), []);
  });

  it('an UPDATE of one column emits one delta naming exactly that field', async () => {
    const notes2 = longText();
    const attachment2 = longBytes();
    // Each column of each kind to another value, one transaction each, with what the target then holds.
    const changes: Array<[field: string, sql: string, canonical: string | number | boolean]> = [
      ['label', `label = 'Gadget'`, 'Gadget'],
      ['dueDate', `due_date = '2027-01-31'`, '2027-01-31'],
      ['pickupTime', `pickup_time = '23:59:59.999999'`, '23:59:59.999'],
      ['cutoffTime', `cutoff_tz = '00:30:00+02:00'`, '22:30:00.000'],
      // Winter in Berlin: UTC+1.
      ['postedAt', `posted_at = '2026-12-24 18:00:00'`, '2026-12-24T17:00:00.000Z'],
      ['confirmedAt', `confirmed_at = '2026-12-24 18:00:00-05:00'`, '2026-12-24T23:00:00.000Z'],
      ['quantity', `quantity = 0.5`, '0.500'],
      // Rounded half up at the field's scale.
      ['rate', `rate = 0.00000000005`, '0.0000000001'],
      ['price', `price = 0.01`, '0.01'],
      ['active', `active = false`, false],
      ['blocked', `blocked = B'0'`, false],
      // Bits 111111110000 are 0x0ff0; Debezium sends them little-endian.
      ['weekdayMask', `weekday_mask = B'111111110000'`, 'f00f'],
      ['priority', `priority = 32767`, 32767],
      ['stockUnits', `stock_units = 2147483647`, 2147483647],
      ['ledgerId', `ledger_id = -9223372036854775808`, '-9223372036854775808'],
      ['externalId', `external_id = 'F47AC10B-58CC-4372-A567-0E02B2C3D479'`, 'f47ac10b-58cc-4372-a567-0e02b2c3d479'],
      ['attributes', `attributes = '{"z": {"y": true, "x": null}, "a": "ü"}'`, '{"a":"ü","z":{"x":null,"y":true}}'],
      ['settings', `settings = '{"z": {"y": true, "x": null}, "a": "ü"}'`, '{"a":"ü","z":{"x":null,"y":true}}'],
      ['tags', `tags = ARRAY['only']`, '["only"]'],
      ['binNumbers', `bin_numbers = '{}'`, '[]'],
      ['status', `status = 'shipped'`, 'shipped'],
      // An empty bytea is a value, not NULL.
      ['checksum', `checksum = '\\x'`, ''],
      ['notes', `notes = $1`, notes2],
      ['attachment', `attachment = $1`, attachment2.toString('hex')],
    ];
    const expected: Array<{ changedFields: string[]; data: Row }> = [{ changedFields: FIELD_NAMES, data: { ...rowA } }];
    await captured('A', changes.length, async () => {
      for (const [field, sql, canonical] of changes) {
        const parameters: unknown[] = field === 'notes' ? [notes2] : field === 'attachment' ? [attachment2] : [];
        await db.query(`UPDATE ${table} SET ${sql} WHERE code = 'A'`, parameters);
        rowA[field] = canonical;
        expected.push({ changedFields: [field], data: { ...rowA } });
      }
    });

    for (const [entity, records] of Object.entries(await deltasOf('A'))) assert.deepEqual(upserts(records), expected, entity);
    assert.deepEqual(await deadLetters(), []);
  });

  it('values written again in another form emit nothing', async () => {
    const earlier = await deltasOf('A');
    // Each the same value to the target: padding, digits below the millisecond, another offset
    // of the same instant, more decimal digits, a lowercase UUID, other key order and spacing; and
    // an untracked column.
    await captured('A', 1, () =>
      db.query(`UPDATE ${table} SET label = '  Gadget  ', pickup_time = '23:59:59.9995', posted_at = '2026-12-24 18:00:00.0004',
      confirmed_at = '2026-12-25 00:00:00+01:00', quantity = '0.50', rate = '0.000000000050', price = '0.010',
      external_id = 'f47ac10b-58cc-4372-a567-0e02b2c3d479', attributes = '{ "a" : "ü", "z" : { "x" : null, "y" : true } }',
      settings = '{"a":"ü","z":{"x":null,"y":true}}', tags = '{"only"}', updated_at = now() + interval '1 day' WHERE code = 'A'`),
    );

    for (const target of CAPTURES) {
      const event = cdcEvents(target, 'A').at(-1);
      assert.equal(event?.op, 'u', `${target.entity}: the UPDATE was captured`);
      assert.equal(event?.after?.['attributes'], '{ "a" : "ü", "z" : { "x" : null, "y" : true } }', 'json keeps the text as written');
    }
    const later = await deltasOf('A');
    for (const { entity } of CAPTURES) {
      assert.equal(later[entity]?.length, earlier[entity]?.length, `${entity} emitted ${JSON.stringify(upserts(later[entity] ?? []).slice(-1))}`);
    }
  });

  it('an UPDATE that leaves the TOASTed columns unchanged keeps their loaded values', async () => {
    const earlier = await deltasOf('A');
    await captured('A', 1, () => db.query(`UPDATE ${table} SET priority = 1 WHERE code = 'A'`));

    // What Debezium sends for each unchanged TOASTed column, per connector.
    const unavailableBytes = [...Buffer.from(PLACEHOLDER)];
    const placeholders: Record<string, Record<string, unknown>> = {
      [SHIPPED.entity]: { notes: PLACEHOLDER, attachment: Buffer.from(PLACEHOLDER).toString('base64'), audit: PLACEHOLDER, readings: unavailableBytes },
      [PRECISE.entity]: { notes: PLACEHOLDER, attachment: PLACEHOLDER, audit: PLACEHOLDER, readings: unavailableBytes },
    };
    for (const target of CAPTURES) {
      const after = cdcEvents(target, 'A').at(-1)?.after ?? {};
      assert.deepEqual({ notes: after['notes'], attachment: after['attachment'], audit: after['audit'], readings: after['readings'] }, placeholders[target.entity]);
    }
    rowA['priority'] = 1;
    for (const [entity, records] of Object.entries(await deltasOf('A'))) {
      assert.equal(records.length, (earlier[entity]?.length ?? 0) + 1, entity);
      assert.deepEqual(upserts(records).at(-1), { changedFields: ['priority'], data: rowA }, `${entity}: the loaded long values stay`);
    }
    assert.deepEqual(await deadLetters(), []);
  });

  it('a DELETE emits a DELETE delta and a tombstone', async () => {
    const earlier = await deltasOf('A');
    // The delete and its tombstone.
    await captured('A', 2, () => db.query(`DELETE FROM ${table} WHERE code = 'A'`));

    for (const [entity, records] of Object.entries(await deltasOf('A'))) {
      const fresh = records.slice(earlier[entity]?.length ?? 0);
      assert.deepEqual(
        fresh.map((record) => (record.tombstone ? 'tombstone' : `${record.delta?.op} ${record.delta?.reason} ${JSON.stringify(record.delta?.changedFields)} ${JSON.stringify(record.delta?.data)}`)),
        ['DELETE CHANGE [] null', 'tombstone'],
        entity,
      );
    }
    assert.deepEqual(await deadLetters(), []);
  });

  it('infinity and NaN go to the dead-letter topic with a reason naming the field', async () => {
    const rows: Array<[code: string, column: string, value: string]> = [
      ['I1', 'posted_at', 'infinity'],
      ['I2', 'due_date', '-infinity'],
      ['I3', 'confirmed_at', 'infinity'],
      ['N1', 'rate', 'NaN'],
      ['N2', 'quantity', 'NaN'],
      ['N3', 'rate', '-Infinity'],
    ];
    for (const [code, column, value] of rows) await captured(code, 1, () => db.query(`INSERT INTO ${table} (code, ${column}) VALUES ($1, $2)`, [code, value]));

    const letters = await deadLetters();
    const reasons = (entity: string): Record<string, string[]> =>
      Object.fromEntries(
        rows.map(([code]) => [
          code,
          letters
            .filter((record) => header(record, DEAD_LETTER_HEADERS.entity) === entity && keyCode(record.key) === code)
            .map((record) => `${header(record, DEAD_LETTER_HEADERS.errorCode)} ${header(record, DEAD_LETTER_HEADERS.reason)}`),
        ]),
      );
    const timestampInfinity = (field: string, raw: string, infinity: string): string =>
      `NORMALIZE_FAILED Cannot normalize field "${field}": ${raw} is PostgreSQL's timestamp '${infinity}' as Debezium sends it: not a timestamp the target can hold.`;
    const dateInfinity = (field: string, raw: string, infinity: string): string =>
      `NORMALIZE_FAILED Cannot normalize field "${field}": ${raw} is PostgreSQL's date '${infinity}' as Debezium sends it: not a date the target can hold.`;
    const notDecimal = (field: string, raw: string): string => `NORMALIZE_FAILED Cannot normalize field "${field}": ${raw} is not a decimal number.`;
    assert.deepEqual(reasons(SHIPPED.entity), {
      I1: [timestampInfinity('postedAt', '"+294247-01-10T04:00:25.2Z"', 'infinity')],
      I2: [dateInfinity('dueDate', '"-5877611-06-22Z"', '-infinity')],
      I3: [timestampInfinity('confirmedAt', '"infinity"', 'infinity')],
      N1: [notDecimal('rate', '"NAN"')],
      N2: [notDecimal('quantity', '"NAN"')],
      N3: [notDecimal('rate', '"NEGATIVE_INFINITY"')],
    });
    // Precise mode cannot carry NaN or Infinity (Debezium's "Decimal types": only string and
    // double modes can): Debezium sends null, which no normalizer can tell from NULL.
    assert.deepEqual(reasons(PRECISE.entity), {
      I1: [timestampInfinity('postedAt', '9223372036825200000', 'infinity')],
      I2: [dateInfinity('dueDate', '-2147472691', '-infinity')],
      I3: [timestampInfinity('confirmedAt', '"infinity"', 'infinity')],
      N1: [],
      N2: [],
      N3: [],
    });
    for (const [code, column] of rows.filter(([code]) => code.startsWith('N'))) {
      assert.equal(cdcEvents(PRECISE, code)[0]?.after?.[column], null, `${code}: precise mode sends null`);
    }

    const deltas = await test.readEntityDeltas(CAPTURES.map(({ entity }) => entity));
    const nullRow: Row = Object.fromEntries(FIELD_NAMES.map((name) => [name, null]));
    const emitted = (entity: string): Record<string, unknown> => Object.fromEntries(rows.map(([code]) => [code, upserts(deltas.of(entity, code))]));
    assert.deepEqual(emitted(SHIPPED.entity), { I1: [], I2: [], I3: [], N1: [], N2: [], N3: [] }, 'a dead-lettered row emits nothing');
    assert.deepEqual(emitted(PRECISE.entity), {
      I1: [],
      I2: [],
      I3: [],
      N1: [{ changedFields: FIELD_NAMES, data: { ...nullRow, code: 'N1' } }],
      N2: [{ changedFields: FIELD_NAMES, data: { ...nullRow, code: 'N2' } }],
      N3: [{ changedFields: FIELD_NAMES, data: { ...nullRow, code: 'N3' } }],
    });
    assert.ok(tracker?.running, 'the tracker goes on');
  });
});
