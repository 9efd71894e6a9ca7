import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, it } from 'node:test';
import kafkajs, { type Consumer } from 'kafkajs';
import { runCli } from '../../support/cli.js';
import { erpDatabase, STACK_DIR_FLAG, testKafka, testStack } from '../../support/test-stack.js';

// kafkajs is CommonJS: its enums are reachable through the default export only.
const { ConfigResourceTypes } = kafkajs;

const CDC_TOPICS = ['erp.public.customers', 'erp.public.products', 'erp.public.stock_levels'];

interface CdcEvent {
  key: { code?: string };
  value: { op: string; before: Record<string, unknown> | null; after: Record<string, unknown> | null } | null;
  receivedAt: number;
}

/** Collects the CDC events of one customer code until `done` says so. */
async function collectCustomerEvents(consumer: Consumer, code: string, done: (events: CdcEvent[]) => boolean, timeoutMs: number): Promise<CdcEvent[]> {
  const events: CdcEvent[] = [];
  await consumer.subscribe({ topic: 'erp.public.customers', fromBeginning: true });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out; events for ${code} so far: ${JSON.stringify(events)}`)), timeoutMs);
    consumer.on(consumer.events.CRASH, ({ payload }) => reject(payload.error));
    consumer
      .run({
        eachMessage: async ({ message }) => {
          // Other tests put malformed records on this topic on purpose (the tracker's dead letters).
          const key = parseKey(message.key);
          if (key?.code !== code) return;
          events.push({ key, value: message.value ? (JSON.parse(message.value.toString()) as CdcEvent['value']) : null, receivedAt: Date.now() });
          if (done(events)) {
            clearTimeout(timer);
            resolve(events);
          }
        },
      })
      .catch(reject);
  });
}

function parseKey(bytes: Buffer | null): CdcEvent['key'] | undefined {
  try {
    return bytes ? (JSON.parse(bytes.toString()) as CdcEvent['key']) : undefined;
  } catch {
    return undefined;
  }
}

describe('capture: Debezium connector on the ERP database', () => {
  before(async () => {
    const applied = await runCli(['connectors', 'apply', ...STACK_DIR_FLAG]);
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stdout, /erp-postgres: (created|updated), RUNNING/);
  });

  it('applying the connectors twice leaves one connector, still running', async () => {
    const again = await runCli(['connectors', 'apply', ...STACK_DIR_FLAG]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /erp-postgres: updated, RUNNING/);
    const connectUrl = testStack().component('connect').endpoint();
    const connectors = await (await fetch(`${connectUrl}/connectors`)).json();
    assert.deepEqual(connectors, ['erp-postgres']);
  });

  it('creates the CDC topics compacted', async () => {
    const admin = testKafka().admin();
    await admin.connect();
    try {
      const described = await admin.describeConfigs({
        includeSynonyms: false,
        resources: CDC_TOPICS.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: ['cleanup.policy'] })),
      });
      for (const resource of described.resources) {
        assert.equal(resource.errorCode, 0, `${resource.resourceName}: ${resource.errorMessage}`);
        const policy = resource.configEntries.find((entry) => entry.configName === 'cleanup.policy');
        assert.equal(policy?.configValue, 'compact', `${resource.resourceName} must be compacted`);
      }
      assert.equal(described.resources.length, CDC_TOPICS.length);
    } finally {
      await admin.disconnect();
    }
  });

  it('turns an insert, an update and a delete into c, u, d and a tombstone', async () => {
    const code = `T-${randomUUID().slice(0, 8)}`;
    const consumer = testKafka().consumer({ groupId: `cdc-test-${code}`, maxWaitTimeInMs: 100 });
    await consumer.connect();
    const db = await erpDatabase();
    try {
      const collecting = collectCustomerEvents(consumer, code, (events) => events.length >= 4, 60_000);
      const insertedAt = Date.now();
      await db.query(`INSERT INTO customers (code, name, address, city, sales_rep_code, credit_limit) VALUES ($1, 'Test Hardware', '3 Main Road', 'Cape Town', 'SAL001', 1500.5)`, [code]);
      await db.query(`UPDATE customers SET sales_rep_code = 'SAL002' WHERE code = $1`, [code]);
      await db.query(`DELETE FROM customers WHERE code = $1`, [code]);
      const events = await collecting;

      assert.deepEqual(
        events.map((event) => event.value?.op ?? 'tombstone'),
        ['c', 'u', 'd', 'tombstone'],
      );
      const [created, updated, deleted] = events;
      assert.equal(created?.value?.after?.['sales_rep_code'], 'SAL001');
      assert.equal(created?.value?.after?.['credit_limit'], '1500.50', 'decimals arrive as strings');
      assert.equal(updated?.value?.after?.['sales_rep_code'], 'SAL002');
      assert.equal(deleted?.value?.after, null);
      assert.equal((deleted?.value?.before as { code?: string } | null)?.code, code);
      process.stderr.write(`# insert to CDC event: ${(created?.receivedAt ?? 0) - insertedAt} ms\n`);
    } finally {
      await consumer.disconnect();
      await db.end();
    }
  });
});
