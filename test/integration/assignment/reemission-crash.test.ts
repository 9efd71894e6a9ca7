/**
 * Issue 4, "crash-safety by convergence", on the real stack: a rep with many customers is
 * re-assigned and the tracker is killed (-9) in the middle of the re-emission; restarted, it
 * finishes. Then again, and the last restart even loses its data directory. In the end every
 * customer has exactly one ASSIGNMENT delta: nothing missing, nothing twice.
 *
 * The customers are Debezium records written to a CDC topic of the test's own (20,000 rows under
 * one rep would otherwise stay in the shared ERP database for every later test).
 */
import assert from 'node:assert/strict';
import { describe, it, after } from 'node:test';
import kafkajs from 'kafkajs';
import { changeKey, changeValue } from '../../support/debezium-json.js';
import { testKafka } from '../../support/test-stack.js';
import { TopicRecorder, TrackerTest, uniqueCode, waitUntil, type TrackerProcess } from '../../support/tracker-harness.js';

// kafkajs is CommonJS: its partitioners are reachable through the default export only.
const { Partitioners } = kafkajs;

const CUSTOMERS = 20_000;
const PARTITIONS = 3;

describe('assignment: kill -9 in the middle of a large re-emission', () => {
  const cdcTopic = `erp-delta-test.${uniqueCode('cdc')}.customers`;
  const test = new TrackerTest('reemission-crash', { cdcTopics: { customers: cdcTopic } });
  const rep = uniqueCode('RBIG');
  const codes = Array.from({ length: CUSTOMERS }, (_, index) => `BIG-${String(index).padStart(5, '0')}`);
  after(() => test.cleanup());

  async function writeCustomers(): Promise<void> {
    const admin = testKafka().admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: cdcTopic, numPartitions: PARTITIONS, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }], waitForLeaders: true });
    await admin.disconnect();
    const producer = testKafka().producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    for (let start = 0; start < codes.length; start += 2_000) {
      const messages = codes.slice(start, start + 2_000).map((code) => {
        const row = { code, name: `Customer ${code}`, address: '9 Dock Road', city: 'Cape Town', sales_rep_code: rep, credit_limit: '50.00', updated_at: '2026-11-25T10:00:00Z' };
        return { key: changeKey('customers', row, false), value: changeValue({ table: 'customers', op: 'r', after: row, withSchema: false }) };
      });
      await producer.send({ topic: cdcTopic, acks: -1, messages });
    }
    await producer.disconnect();
  }

  /** Kills the tracker as soon as a committed ASSIGNMENT delta shows up; returns how many had. */
  async function killAtFirstAssignment(tracker: TrackerProcess, recorder: TopicRecorder, seenBefore: number): Promise<number> {
    await recorder.waitFor('an ASSIGNMENT delta', () => assignmentCount(recorder) > seenBefore, 120_000);
    await tracker.kill();
    return assignmentCount(recorder);
  }

  function assignmentCount(recorder: TopicRecorder): number {
    // The delta's reason is in its Avro body; an ASSIGNMENT delta of this test is the second
    // record of its key (the first load comes first), so counting per key is enough here.
    const perKey = new Map<string, number>();
    for (const record of recorder.records) {
      const key = record.key?.toString() ?? '';
      perKey.set(key, (perKey.get(key) ?? 0) + 1);
    }
    return [...perKey.values()].filter((count) => count >= 2).length;
  }

  it('every customer ends with exactly one ASSIGNMENT delta with the new user', async (t) => {
    await writeCustomers();
    let tracker = await test.startCaughtUp();
    const recorder = await TopicRecorder.start([test.deltaTopics.customers]);
    try {
      await recorder.waitFor('the first loads', (records) => records.length >= CUSTOMERS, 120_000);

      const assigned = await test.cli(['assign', rep, 'user-big']);
      assert.equal(assigned.code, 0, assigned.stderr);
      const atFirstKill = await killAtFirstAssignment(tracker, recorder, 0);
      assert.ok(atFirstKill < CUSTOMERS, `the first kill landed in the middle of the re-emission (${atFirstKill} of ${CUSTOMERS} done)`);

      await test.evictGroupMembers();
      tracker = test.start();
      const atSecondKill = await killAtFirstAssignment(tracker, recorder, atFirstKill);
      t.diagnostic(`killed after ${atFirstKill} and after ${atSecondKill} of ${CUSTOMERS} ASSIGNMENT deltas`);

      // The last restart has lost its data directory: it restores from the changelog first.
      await test.evictGroupMembers();
      tracker = test.start('a', test.dataDir('fresh'));
      await tracker.waitForLog('tasks ready', 120_000);
      await waitUntil(
        "every task's re-check after restore",
        () => tracker.logs('assignments re-checked after restore').length >= PARTITIONS,
        120_000,
        () => tracker.tail(),
      );
      await recorder.readToEnd();
      await tracker.stop();

      const deltas = await test.readDeltas(['customers']);
      const wrong: string[] = [];
      for (const code of codes) {
        const reasons = deltas.of('customers', code).map((record) => `${record.delta?.reason}:${String(record.delta?.data?.['assignedUserId'])}`);
        if (reasons.join(',') !== 'CHANGE:null,ASSIGNMENT:user-big') wrong.push(`${code}: ${reasons.join(',')}`);
      }
      assert.deepEqual(wrong.slice(0, 10), [], `${wrong.length} customers without exactly one ASSIGNMENT delta (kills after ${atFirstKill} and ${atSecondKill})`);
      assert.equal(deltas.count('customers'), 2 * CUSTOMERS);
    } finally {
      await recorder.stop();
    }
  });
});
