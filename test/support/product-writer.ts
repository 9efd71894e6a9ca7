/**
 * A stream of real changes to products rows of the ERP database, recording every state each row
 * went through, in commit order: the desired records the tracker must emit, each exactly once.
 */
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { erpDatabase } from './test-stack.js';
import { CdcRecorder, keyCode, TrackerTest, type Deltas } from './tracker-harness.js';

/** A products row as the tracker's desired record writes it (config/erp-delta.yaml). */
export interface ProductRecord {
  code: string;
  description: string | null;
  unitPrice: string | null;
  active: boolean | null;
}

/** A decimal with 2 fraction digits, distinct for every n: n = 12345 gives "123.45". */
function price(n: number): string {
  return `${Math.floor(n / 100)}.${String(n % 100).padStart(2, '0')}`;
}

export class ProductWriter {
  /** Per code: every state the row was committed with, the insert first. */
  readonly states = new Map<string, ProductRecord[]>();
  private counter = 1_000;
  private running: Promise<void> | undefined;
  private stopping = false;
  updates = 0;

  private constructor(
    private readonly db: pg.Client,
    readonly codes: readonly string[],
  ) {}

  /** Inserts `count` products with codes `<prefix>-<n>`, in one statement. */
  static async insert(db: pg.Client, prefix: string, count: number): Promise<ProductWriter> {
    const codes = Array.from({ length: count }, (_, index) => `${prefix}-${String(index).padStart(4, '0')}`);
    await db.query(
      `INSERT INTO products (code, description, unit_price, active)
       SELECT code, 'Product ' || code, 1.00, true FROM unnest($1::text[]) AS code`,
      [codes],
    );
    const writer = new ProductWriter(db, codes);
    for (const code of codes) writer.states.set(code, [{ code, description: `Product ${code}`, unitPrice: '1.00', active: true }]);
    return writer;
  }

  /**
   * Starts updating random rows with real changes (a new unit price each time, and now and then
   * a new description or the other `active`), `burst` autocommitted UPDATEs then a short pause.
   */
  start(burst = 3, pauseMs = 15): void {
    if (this.running !== undefined) throw new Error('the writer already runs');
    this.stopping = false;
    this.running = (async () => {
      while (!this.stopping) {
        for (let index = 0; index < burst; index += 1) await this.updateRandomRow();
        await sleep(pauseMs);
      }
    })();
  }

  private async updateRandomRow(): Promise<void> {
    const code = this.codes[Math.floor(Math.random() * this.codes.length)] as string;
    const history = this.states.get(code) as ProductRecord[];
    const current = history.at(-1) as ProductRecord;
    this.counter += 1;
    const next: ProductRecord = { ...current, unitPrice: price(this.counter) };
    if (this.counter % 7 === 0) next.description = `Product ${code} v${this.counter}`;
    if (this.counter % 11 === 0) next.active = !current.active;
    const result = await this.db.query('UPDATE products SET unit_price = $2, description = $3, active = $4 WHERE code = $1', [code, next.unitPrice, next.description, next.active]);
    if (result.rowCount !== 1) throw new Error(`product ${code} is gone`);
    history.push(next);
    this.updates += 1;
  }

  /** Stops after the UPDATE in flight; rethrows what failed. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
    this.running = undefined;
  }

  /** Every CDC record the rows produced so far: inserts and updates (one each). */
  get changes(): number {
    let total = 0;
    for (const history of this.states.values()) total += history.length;
    return total;
  }

  async deleteRows(): Promise<void> {
    await this.db.query('DELETE FROM products WHERE code = ANY($1::text[])', [this.codes]);
  }
}

export interface ExactlyOnceReport {
  /** Deltas of the writer's rows. */
  deltas: number;
  /** States no delta carries. */
  missing: number;
  /** Deltas that repeat the delta before them for the key. */
  duplicates: number;
  /** Deltas that are not UPSERTs with reason CHANGE. */
  unexpected: string[];
  /** Keys whose deltas are not exactly the row's states in order, the first one explained. */
  wrongKeys: string[];
  firstWrong: string;
}

/** Compares, per key, the data of the committed deltas with the states the writer committed. */
export function checkExactlyOnce(writer: ProductWriter, deltas: Deltas): ExactlyOnceReport {
  const report: ExactlyOnceReport = { deltas: 0, missing: 0, duplicates: 0, unexpected: [], wrongKeys: [], firstWrong: '' };
  for (const [code, states] of writer.states) {
    const records = deltas.of('products', code);
    report.deltas += records.length;
    for (const record of records) {
      if (record.delta?.op !== 'UPSERT' || record.delta.reason !== 'CHANGE') report.unexpected.push(`${code}@${record.offset}: ${JSON.stringify(record.delta)}`);
    }
    const emitted = records.map((record) => JSON.stringify(record.delta?.data));
    for (let index = 1; index < emitted.length; index += 1) {
      if (emitted[index] === emitted[index - 1]) report.duplicates += 1;
    }
    const emittedSet = new Set(emitted);
    report.missing += states.filter((state) => !emittedSet.has(JSON.stringify(state))).length;
    if (JSON.stringify(emitted) !== JSON.stringify(states.map((state) => JSON.stringify(state)))) {
      if (report.wrongKeys.length === 0) {
        report.firstWrong = `${code}:\nexpected ${JSON.stringify(states)}\nemitted  ${JSON.stringify(records.map((record) => record.delta?.data))}`;
      }
      report.wrongKeys.push(code);
    }
  }
  return report;
}

/** The fixture of the tests that stream product changes: their topics, the ERP database, its CDC events. */
export interface ProductStream {
  test: TrackerTest;
  cdc: CdcRecorder;
  db: pg.Client;
  /** Set by the test once it has inserted its rows; stopped and its rows deleted afterwards. */
  writer?: ProductWriter;
}

/** Registers the suite's before/after hooks for that fixture; its fields are set once `before` ran. */
export function useProductStream(name: string): ProductStream {
  const fixture = {} as ProductStream;
  before(async () => {
    fixture.test = new TrackerTest(name);
    fixture.db = await erpDatabase();
    fixture.cdc = await CdcRecorder.start(['products']);
  });
  after(async () => {
    await fixture.writer?.stop().catch(() => undefined);
    await fixture.writer?.deleteRows();
    await fixture.cdc?.stop();
    await fixture.db?.end();
    await fixture.test?.cleanup();
  });
  return fixture;
}

/** Waits until the CDC topic holds every change the writer made to its rows; returns how many. */
export async function waitForWriterChanges(cdc: CdcRecorder, writer: ProductWriter): Promise<number> {
  const codes = new Set(writer.codes);
  const changes = writer.changes;
  await cdc.waitFor(
    `${changes} CDC records of the test's products`,
    (records) => records.filter((record) => record.topic === 'erp.public.products' && record.value !== null && codes.has(keyCode(record.key) ?? '')).length >= changes,
    120_000,
  );
  return changes;
}

/** Each of the writer's `changes` emitted exactly once: none missing, none twice, per key in order, each an UPSERT of reason CHANGE. */
export function assertExactlyOnce(report: ExactlyOnceReport, changes: number): void {
  assert.equal(report.missing, 0, 'no change is missing');
  assert.equal(report.duplicates, 0, 'no change is emitted twice');
  assert.deepEqual(report.unexpected, [], 'every delta is an UPSERT of reason CHANGE');
  assert.deepEqual(report.wrongKeys, [], `per key, the deltas are the row's states in order; ${report.firstWrong}`);
  assert.equal(report.deltas, changes);
}
