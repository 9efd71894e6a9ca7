/**
 * Issue 22: the group consumer of the Kafka port over a kafkajs consumer. Batches reach the
 * subscription as kafkajs hands them over (no copy on the tracker's hot path), offsets move only
 * when the caller says, the kafkajs events erp-delta needs become the subscription's calls, and a
 * consumer kafkajs stopped for good runs again.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Consumer, ConsumerRunConfig, EachBatchPayload } from 'kafkajs';
import { KafkajsGroupConsumer } from '../../../src/kafka/group-consumer.js';
import type { FetchedBatch, TopicPartitionOffset } from '../../../src/kafka/kafka-port.js';

const EVENTS = { GROUP_JOIN: 'consumer.group_join', START_BATCH_PROCESS: 'consumer.start_batch_process', CRASH: 'consumer.crash' } as const;

/** What the port asks of a kafkajs consumer, recorded. */
class FakeConsumer {
  readonly events = EVENTS;
  readonly listeners = new Map<string, (event: { payload: unknown }) => void>();
  readonly calls: string[] = [];
  subscribed: { topics: string[]; fromBeginning: boolean } | undefined;
  ran: ConsumerRunConfig | undefined;

  on(event: string, listener: (event: { payload: unknown }) => void): void {
    this.listeners.set(event, listener);
  }

  emit(event: string, payload: unknown): void {
    this.listeners.get(event)?.({ payload });
  }

  async connect(): Promise<void> {
    this.calls.push('connect');
  }

  async subscribe(subscription: { topics: string[]; fromBeginning: boolean }): Promise<void> {
    this.calls.push('subscribe');
    this.subscribed = subscription;
  }

  async run(config: ConsumerRunConfig): Promise<void> {
    this.calls.push('run');
    this.ran = config;
  }

  async stop(): Promise<void> {
    this.calls.push('stop');
  }

  async disconnect(): Promise<void> {
    this.calls.push('disconnect');
  }
}

function groupConsumer(): { fake: FakeConsumer; consumer: KafkajsGroupConsumer } {
  const fake = new FakeConsumer();
  return { fake, consumer: new KafkajsGroupConsumer(fake as unknown as Consumer, { partitionsConsumedConcurrently: 3 }) };
}

describe('KafkajsGroupConsumer', () => {
  it('connects, subscribes from the beginning and runs without committing or resolving on its own', async () => {
    const { fake, consumer } = groupConsumer();
    await consumer.run({ topics: ['erp.public.customers'], eachBatch: async () => undefined });
    assert.deepEqual(fake.calls, ['connect', 'subscribe', 'run']);
    assert.deepEqual(fake.subscribed, { topics: ['erp.public.customers'], fromBeginning: true });
    assert.equal(fake.ran?.autoCommit, false);
    assert.equal(fake.ran?.eachBatchAutoResolve, false);
    assert.equal(fake.ran?.partitionsConsumedConcurrently, 3);
  });

  it('hands each batch over as kafkajs gave it: the same payload and the same record objects', async () => {
    const { fake, consumer } = groupConsumer();
    const seen: FetchedBatch[] = [];
    await consumer.run({
      topics: ['t'],
      eachBatch: async (fetched) => {
        seen.push(fetched);
      },
    });
    const message = { key: Buffer.from('k'), value: Buffer.from('v'), timestamp: '1', attributes: 0, offset: '7', headers: {} };
    const payload = { batch: { topic: 't', partition: 0, highWatermark: '8', messages: [message], firstOffset: () => '7', lastOffset: () => '7' } } as unknown as EachBatchPayload;
    await fake.ran?.eachBatch?.(payload);
    assert.equal(seen[0], payload);
    assert.equal(seen[0]?.batch.messages[0], message);
  });

  it('tells the assignment of each rebalance, with the member id', async () => {
    const { fake, consumer } = groupConsumer();
    const assignments: Array<[Readonly<Record<string, number[]>>, { memberId: string }]> = [];
    await consumer.run({ topics: ['t'], eachBatch: async () => undefined, onAssignment: (assignment, member) => assignments.push([assignment, member]) });
    fake.emit(EVENTS.GROUP_JOIN, { memberAssignment: { t: [0, 2] }, memberId: 'erp-delta-1a2b' });
    assert.deepEqual(assignments, [[{ t: [0, 2] }, { memberId: 'erp-delta-1a2b' }]]);
  });

  it('tells a fetch of transaction markers only, with the offset after its last marker, and no other fetch', async () => {
    const { fake, consumer } = groupConsumer();
    const positions: TopicPartitionOffset[] = [];
    await consumer.run({ topics: ['t'], eachBatch: async () => undefined, onMarkersOnly: (position) => positions.push(position) });
    fake.emit(EVENTS.START_BATCH_PROCESS, { topic: 't', partition: 1, batchSize: 0, lastOffset: '9007199254740993' });
    fake.emit(EVENTS.START_BATCH_PROCESS, { topic: 't', partition: 1, batchSize: 5, lastOffset: '20' });
    assert.deepEqual(positions, [{ topic: 't', partition: 1, offset: '9007199254740994' }]);
  });

  it('listens to the group joins and crashes it needs itself, and to batch starts only when asked', async () => {
    const { fake, consumer } = groupConsumer();
    await consumer.run({ topics: ['t'], eachBatch: async () => undefined });
    assert.deepEqual([...fake.listeners.keys()].sort(), [EVENTS.CRASH, EVENTS.GROUP_JOIN]);
  });

  it('runs again after a crash kafkajs does not restart from: 1 s later, doubling while it keeps crashing, back to 1 s once it joined', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const { fake, consumer } = groupConsumer();
    const restarts: number[] = [];
    await consumer.run({ topics: ['t'], eachBatch: async () => undefined, onRestart: (_error, inMs) => restarts.push(inMs) });
    const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

    fake.emit(EVENTS.CRASH, { error: new Error('retriable'), restart: true });
    assert.deepEqual(restarts, [], 'kafkajs restarts it itself');
    fake.emit(EVENTS.CRASH, { error: new Error('UNKNOWN_MEMBER_ID'), restart: false });
    assert.deepEqual(restarts, [1_000]);
    t.mock.timers.tick(999);
    await settle();
    assert.deepEqual(fake.calls, ['connect', 'subscribe', 'run']);
    t.mock.timers.tick(1);
    await settle();
    assert.deepEqual(fake.calls, ['connect', 'subscribe', 'run', 'stop', 'run'], 'stopped, so that kafkajs lets it run again');

    fake.emit(EVENTS.CRASH, { error: new Error('again'), restart: false });
    assert.deepEqual(restarts, [1_000, 2_000]);
    fake.emit(EVENTS.GROUP_JOIN, { memberAssignment: {}, memberId: 'm' });
    fake.emit(EVENTS.CRASH, { error: new Error('after a join'), restart: false });
    assert.deepEqual(restarts, [1_000, 2_000, 1_000]);
  });

  it('does not run again once disconnected', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const { fake, consumer } = groupConsumer();
    const restarts: number[] = [];
    await consumer.run({ topics: ['t'], eachBatch: async () => undefined, onRestart: (_error, inMs) => restarts.push(inMs) });
    fake.emit(EVENTS.CRASH, { error: new Error('crash'), restart: false });
    await consumer.disconnect();
    t.mock.timers.tick(60_000);
    await new Promise((resolve) => setImmediate(resolve));
    fake.emit(EVENTS.CRASH, { error: new Error('while leaving'), restart: false });
    assert.deepEqual(restarts, [1_000]);
    assert.deepEqual(fake.calls, ['connect', 'subscribe', 'run', 'disconnect']);
  });
});
