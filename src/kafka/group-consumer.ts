import type { Consumer } from 'kafkajs';
import type { GroupConsumer, GroupSubscription, TopicPartitionOffset } from './kafka-port.js';

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
  constructor(
    private readonly consumer: Consumer,
    private readonly runOptions: GroupConsumerRun,
  ) {}

  async run(subscription: GroupSubscription): Promise<void> {
    const { consumer } = this;
    const { onAssignment, onMarkersOnly } = subscription;
    if (onAssignment) consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => onAssignment(payload.memberAssignment, { memberId: payload.memberId }));
    // kafkajs hands a fetch that holds only transaction markers to no eachBatch; this event still tells it.
    if (onMarkersOnly) {
      consumer.on(consumer.events.START_BATCH_PROCESS, ({ payload }) => {
        if (payload.batchSize === 0) onMarkersOnly({ topic: payload.topic, partition: payload.partition, offset: String(BigInt(payload.lastOffset) + 1n) });
      });
    }
    await consumer.connect();
    await consumer.subscribe({ topics: subscription.topics, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.runOptions.partitionsConsumedConcurrently,
      eachBatch: (payload) => subscription.eachBatch(payload),
    });
  }

  seek(position: TopicPartitionOffset): void {
    this.consumer.seek(position);
  }

  async commitOffsets(offsets: TopicPartitionOffset[]): Promise<void> {
    await this.consumer.commitOffsets(offsets);
  }

  async disconnect(): Promise<void> {
    await this.consumer.disconnect();
  }
}
