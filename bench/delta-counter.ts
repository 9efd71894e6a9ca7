import { Partitioners, type Admin, type Consumer, type Kafka, type Producer } from 'kafkajs';

/**
 * Counts the records of some topics as a read_committed consumer sees them: what a delta consumer
 * (the loader) would get. Records of aborted transactions and transaction markers are not counted,
 * so a duplicate or a missing delta shows in the count. `onRecord` sees each record's topic and key
 * with the time its fetch was handed over (all of one batch share it).
 */
export class CommittedCounter {
  private readonly counts = new Map<string, number>();
  private consumer: Consumer | undefined;
  /** When a count last changed (Date.now()). */
  lastChangeAtMs = Date.now();
  onRecord: ((topic: string, key: string, arrivedAtMs: number) => void) | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly groupId: string,
    private readonly topics: readonly string[],
  ) {
    for (const topic of topics) this.counts.set(topic, 0);
  }

  count(topic: string): number {
    return this.counts.get(topic) ?? 0;
  }

  /** Resolves once the consumer has joined its group and fetches. */
  async start(): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: this.groupId,
      readUncommitted: false,
      maxWaitTimeInMs: 50,
      allowAutoTopicCreation: false,
    });
    this.consumer = consumer;
    const joined = new Promise<void>((resolve) => {
      const remove = consumer.on(consumer.events.GROUP_JOIN, () => {
        remove();
        resolve();
      });
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [...this.topics], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const arrivedAtMs = Date.now();
        if (batch.messages.length === 0) return;
        this.counts.set(batch.topic, (this.counts.get(batch.topic) ?? 0) + batch.messages.length);
        this.lastChangeAtMs = arrivedAtMs;
        const onRecord = this.onRecord;
        if (onRecord) for (const message of batch.messages) onRecord(batch.topic, message.key?.toString('utf8') ?? '', arrivedAtMs);
      },
    });
    await joined;
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}

/** The clients of a bench run: an admin, a producer of the CDC events, and a committed counter of some topics. */
export async function openBenchClients(
  kafka: Kafka,
  runId: string,
  countedTopics: readonly string[],
): Promise<{ admin: Admin; producer: Producer; counter: CommittedCounter; close(): Promise<void> }> {
  const admin = kafka.admin();
  await admin.connect();
  const producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const counter = new CommittedCounter(kafka, `erp-delta-bench-counter-${runId}`, countedTopics);
  return {
    admin,
    producer,
    counter,
    close: async () => {
      await counter.stop().catch(() => undefined);
      await producer.disconnect().catch(() => undefined);
      await admin.disconnect().catch(() => undefined);
    },
  };
}
