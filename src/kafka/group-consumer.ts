import type { Consumer } from 'kafkajs';
import type { GroupConsumer, GroupSubscription, TopicPartitionOffset } from './kafka-port.js';

/** The pause before a consumer that kafkajs left stopped runs again, doubled at each crash in a row up to the most. */
const FIRST_RESTART_DELAY_MS = 1_000;
const MAX_RESTART_DELAY_MS = 30_000;

/** How a group consumer runs, beside what its kafkajs consumer was made with. */
export interface GroupConsumerRun {
  /** Partitions whose batches are handled side by side. */
  partitionsConsumedConcurrently: number;
}

/**
 * A kafkajs consumer as a GroupConsumer. Its fetched batches go to the subscription as kafkajs
 * hands them over (its payload satisfies FetchedBatch): nothing is copied per batch or record.
 * Offsets move only when the caller says: a batch's records are resolved by its handler, and
 * committed by the tracker's transaction or the loader's commitOffsets.
 */
export class KafkajsGroupConsumer implements GroupConsumer {
  private disconnected = false;
  private restartDelayMs = FIRST_RESTART_DELAY_MS;
  private restartTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly consumer: Consumer,
    private readonly runOptions: GroupConsumerRun,
  ) {}

  async run(subscription: GroupSubscription): Promise<void> {
    const { consumer } = this;
    const { onAssignment, onMarkersOnly } = subscription;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.restartDelayMs = FIRST_RESTART_DELAY_MS;
      onAssignment?.(payload.memberAssignment, { memberId: payload.memberId });
    });
    // kafkajs hands a fetch that holds only transaction markers to no eachBatch; this event still tells it.
    if (onMarkersOnly) {
      consumer.on(consumer.events.START_BATCH_PROCESS, ({ payload }) => {
        if (payload.batchSize === 0) onMarkersOnly({ topic: payload.topic, partition: payload.partition, offset: String(BigInt(payload.lastOffset) + 1n) });
      });
    }
    // kafkajs restarts its consumer after a retriable error only. After any other (a join that a
    // broker just restarted answers with UNKNOWN_MEMBER_ID, say) it stops for good, and the
    // process would go on with nobody reading: so it runs again here, after a pause.
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart) this.runAgainLater(subscription, payload.error);
    });
    await consumer.connect();
    await consumer.subscribe({ topics: subscription.topics, fromBeginning: true });
    await this.start(subscription);
  }

  private async start(subscription: GroupSubscription): Promise<void> {
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.runOptions.partitionsConsumedConcurrently,
      eachBatch: (payload) => subscription.eachBatch(payload),
    });
  }

  /** After the pause due, the crashed consumer stopped (so that kafkajs lets it run again) and run again. */
  private runAgainLater(subscription: GroupSubscription, error: Error): void {
    if (this.disconnected) return;
    const inMs = this.restartDelayMs;
    this.restartDelayMs = Math.min(this.restartDelayMs * 2, MAX_RESTART_DELAY_MS);
    subscription.onRestart?.(error, inMs);
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      if (this.disconnected) return;
      // A run that crashes again comes back through the CRASH event; one that throws, here.
      this.consumer
        .stop()
        .then(() => (this.disconnected ? undefined : this.start(subscription)))
        .catch((failure: unknown) => this.runAgainLater(subscription, failure instanceof Error ? failure : new Error(String(failure))));
    }, inMs);
  }

  seek(position: TopicPartitionOffset): void {
    this.consumer.seek(position);
  }

  async commitOffsets(offsets: TopicPartitionOffset[]): Promise<void> {
    await this.consumer.commitOffsets(offsets);
  }

  async disconnect(): Promise<void> {
    this.disconnected = true;
    clearTimeout(this.restartTimer);
    await this.consumer.disconnect();
  }
}
