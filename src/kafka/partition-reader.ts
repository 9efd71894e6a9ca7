import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Consumer } from 'kafkajs';
import type { KafkaAdmin, PartitionReader, PartitionReaderOptions } from './kafka-port.js';

/** How long stop() waits for the consumer to leave its group. */
const STOP_WAIT_MS = 3_000;

/** What a reader is made of: a consumer of its own group that is assigned exactly `wanted`, and admins. */
export interface PartitionReaderClients {
  readerConsumer(groupId: string, wanted: Readonly<Record<string, number[]>>): Consumer;
  admin(): KafkaAdmin;
}

/**
 * Reads chosen partitions from chosen offsets, read committed, and knows how far it has read
 * each one: what restoring a changelog partition, keeping a global table and listing a compacted
 * topic all need. Its consumer group is its own (kafkajs has no manual assignment; see
 * exact-assigner.ts) and is deleted on stop; no offset is ever committed to it, the caller keeps
 * its own positions.
 */
export class KafkajsPartitionReader implements PartitionReader {
  private readonly positions = new Map<string, bigint>();
  private readonly progress = new Set<() => void>();
  private failure: Error | undefined;

  private constructor(
    private readonly clients: PartitionReaderClients,
    private readonly groupId: string,
    private readonly consumer: Consumer,
  ) {}

  static async start(clients: PartitionReaderClients, options: PartitionReaderOptions): Promise<KafkajsPartitionReader> {
    const wanted: Record<string, number[]> = {};
    for (const { topic, partition } of options.partitions) (wanted[topic] ??= []).push(partition);
    const from = new Map(options.partitions.map((start) => [id(start.topic, start.partition), BigInt(start.from ?? '0')]));
    const groupId = `${options.groupPrefix}-${randomUUID()}`;
    const consumer = clients.readerConsumer(groupId, wanted);
    const reader = new KafkajsPartitionReader(clients, groupId, consumer);
    for (const [partitionId, offset] of from) reader.positions.set(partitionId, offset);

    // Batches holding only transaction markers never reach eachBatch; this event still reports them.
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => reader.advance(id(payload.topic, payload.partition), BigInt(payload.lastOffset) + 1n));
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      reader.failure = payload.error;
      reader.notify();
    });
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: Object.keys(wanted), fromBeginning: true });
      await consumer.run({
        eachBatchAutoResolve: true,
        partitionsConsumedConcurrently: options.partitionsInParallel ? Math.max(1, options.partitions.length) : 1,
        eachBatch: async ({ batch, heartbeat }) => {
          const start = from.get(id(batch.topic, batch.partition)) ?? 0n;
          if (BigInt(batch.lastOffset()) < start) return;
          // Until the seek below lands, the consumer may read from the partition's start: records
          // before `from` were already seen by the caller and would set its state back. Only a
          // batch that begins before it is filtered (a restore reads millions of records).
          const messages = BigInt(batch.firstOffset() ?? '0') >= start ? batch.messages : batch.messages.filter((message) => BigInt(message.offset) >= start);
          await options.onBatch({ topic: batch.topic, partition: batch.partition, messages, nextOffset: String(BigInt(batch.lastOffset()) + 1n), heartbeat });
        },
      });
      for (const start of options.partitions) {
        if (start.from !== undefined) consumer.seek({ topic: start.topic, partition: start.partition, offset: start.from });
      }
    } catch (error) {
      await reader.stop();
      throw error;
    }
    return reader;
  }

  private advance(partitionId: string, next: bigint): void {
    if (next > (this.positions.get(partitionId) ?? 0n)) this.positions.set(partitionId, next);
    this.notify();
  }

  private notify(): void {
    for (const listener of this.progress) listener();
  }

  /** The offset after the last record (or marker) read from a partition, or where reading starts. */
  position(topic: string, partition: number): bigint {
    return this.positions.get(id(topic, partition)) ?? 0n;
  }

  /**
   * Resolves once every partition has been read up to its end as of this call (on a
   * transactional topic: its last stable offset). A partition whose records before `from` were
   * all deleted counts from its low watermark.
   */
  async caughtUp(onPartition?: (topic: string, partition: number) => void): Promise<void> {
    const admin = this.clients.admin();
    await admin.connect();
    const ends = new Map<string, bigint>();
    const named = new Map<string, { topic: string; partition: number }>();
    try {
      for (const topic of new Set([...this.positions.keys()].map((partitionId) => partitionId.slice(0, partitionId.lastIndexOf('-'))))) {
        for (const { partition, high, low } of await admin.fetchTopicOffsets(topic)) {
          const partitionId = id(topic, partition);
          if (!this.positions.has(partitionId)) continue;
          ends.set(partitionId, BigInt(high));
          named.set(partitionId, { topic, partition });
          if (BigInt(low) > this.position(topic, partition) && BigInt(low) === BigInt(high)) this.advance(partitionId, BigInt(low));
        }
      }
    } finally {
      await admin.disconnect();
    }
    const told = new Set<string>();
    const done = (): boolean => {
      let all = true;
      for (const [partitionId, end] of ends) {
        if ((this.positions.get(partitionId) ?? 0n) < end) {
          all = false;
          continue;
        }
        const name = named.get(partitionId);
        if (onPartition === undefined || name === undefined || told.has(partitionId)) continue;
        told.add(partitionId);
        // Called from the batch's end (END_BATCH_PROCESS), before the next batch is handed over;
        // what it throws fails caughtUp, not kafkajs's event.
        try {
          onPartition(name.topic, name.partition);
        } catch (error) {
          this.failure ??= error instanceof Error ? error : new Error(String(error));
        }
      }
      return all;
    };
    await new Promise<void>((resolve, reject) => {
      const check = (): void => {
        const finished = this.failure === undefined && done();
        if (this.failure) {
          this.progress.delete(check);
          reject(this.failure);
        } else if (finished) {
          this.progress.delete(check);
          resolve();
        }
      };
      this.progress.add(check);
      check();
    });
  }

  async stop(): Promise<void> {
    // After an outage kafkajs may be restarting this consumer, and its disconnect then waits for
    // a request to time out (30 s). The group is this reader's own and never committed anything,
    // so there is nothing to wait for beyond a few seconds.
    await Promise.race([this.consumer.disconnect(), sleep(STOP_WAIT_MS, undefined, { ref: false })]);
    const admin = this.clients.admin();
    try {
      await admin.connect();
      await admin.deleteGroups([this.groupId]);
    } catch {
      // A group with no committed offsets is removed by the broker once it is empty anyway.
    } finally {
      await admin.disconnect();
    }
  }
}

function id(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}
