/**
 * Products as Debezium records on a CDC topic of one test's own, for the refresh tests: the test
 * knows exactly which rows are live, and other tests' rows never count.
 */
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import { changeKey, changeValue } from './debezium-json.js';
import { testKafka } from './test-stack.js';
import { uniqueCode, type DeltaRecord, type TrackerProcess, type TrackerTest } from './tracker-harness.js';

// kafkajs is CommonJS: its partitioners are reachable through the default export only.
const { Partitioners } = kafkajs;

/** Partitions of the CDC topic, as Debezium's topics of the local stack have. */
export const PARTITIONS = 3;

interface Product {
  code: string;
  description: string;
  unit_price: string;
  active: boolean;
}

/** A CDC topic of products of one test, and what its rows are now. */
export class ProductTopic {
  readonly topic = `erp-delta-test.${uniqueCode('cdc')}.products`;
  readonly rows = new Map<string, Product>();
  private version = 0;

  async create(): Promise<void> {
    const admin = testKafka().admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: this.topic, numPartitions: PARTITIONS, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }], waitForLeaders: true });
    await admin.disconnect();
  }

  /** Writes a new version of each row (snapshot `r` for a new one, `u` otherwise). */
  async upsert(codes: readonly string[]): Promise<void> {
    this.version += 1;
    const messages = codes.map((code) => {
      const row: Product = { code, description: `Product ${code} v${this.version}`, unit_price: `${this.version}.00`, active: true };
      const op = this.rows.has(code) ? 'u' : 'r';
      this.rows.set(code, row);
      return { key: changeKey('products', { ...row }, false), value: changeValue({ table: 'products', op, after: { ...row, updated_at: '2026-11-25T10:00:00Z' }, withSchema: false }) };
    });
    await this.send(messages);
  }

  /** Deletes rows as Debezium does: a delete event, then a tombstone. */
  async delete(codes: readonly string[]): Promise<void> {
    const messages = codes.flatMap((code) => {
      this.rows.delete(code);
      const key = changeKey('products', { code }, false);
      return [
        { key, value: changeValue({ table: 'products', op: 'd', before: { code }, after: null, withSchema: false }) },
        { key, value: null },
      ];
    });
    await this.send(messages);
  }

  private async send(messages: Array<{ key: Buffer; value: Buffer | null }>): Promise<void> {
    const producer = testKafka().producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    for (let index = 0; index < messages.length; index += 1_000) await producer.send({ topic: this.topic, acks: -1, messages: messages.slice(index, index + 1_000) });
    await producer.disconnect();
  }
}

export function codes(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, index) => `${prefix}-${String(index).padStart(4, '0')}`);
}

/** Each key's deltas of one reason. */
export function byKey(records: readonly DeltaRecord[], reason: string): Map<string, DeltaRecord[]> {
  const result = new Map<string, DeltaRecord[]>();
  for (const record of records) {
    if (record.delta?.reason !== reason) continue;
    const list = result.get(record.key) ?? [];
    list.push(record);
    result.set(record.key, list);
  }
  return result;
}

/** Requests a refresh of products with the CLI and waits until the tracker has completed it. */
export async function refreshAndWait(test: TrackerTest, tracker: TrackerProcess, args: readonly string[] = []): Promise<void> {
  const from = tracker.lines.length;
  const result = await test.cli(['refresh', '--entity', 'products', '--wait', ...args]);
  assert.equal(result.code, 0, `${result.stderr}\n${tracker.tail()}`);
  assert.match(result.stdout, /refresh .* completed/);
  await tracker.waitForLog('refresh completed', 30_000, from);
}
