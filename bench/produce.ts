import type { Message, Producer } from 'kafkajs';
import type { BenchEvent } from './generator.js';

/**
 * A record batch must stay under the broker's message.max.bytes (1 MiB by default), and kafkajs
 * writes one record batch per partition per request, so a send carries at most this many bytes of
 * keys and values per partition.
 */
const MAX_BATCH_BYTES = 900 * 1024;
const MAX_BATCH_MESSAGES = 500;

export interface ProduceResult {
  events: number;
  bytes: number;
  ms: number;
}

/**
 * Produces the events as fast as the broker takes them: big batches, acks=-1, one send in flight
 * per partition (so several in all) while the next batches are generated. One send per partition
 * at a time keeps per-key order even if kafkajs retries a send, which several sends of one
 * partition in flight would not: the emitted count the bench expects depends on that order.
 */
export async function produceBulk(
  producer: Producer,
  topic: string,
  partitions: number,
  partitionOf: (key: string) => number,
  events: Iterable<BenchEvent>,
  progress: (sent: number, elapsedMs: number) => void,
): Promise<ProduceResult> {
  const started = performance.now();
  const inFlight: Array<Promise<unknown>> = Array.from({ length: partitions }, () => Promise.resolve());
  const batches: Message[][] = Array.from({ length: partitions }, () => []);
  const batchBytes: number[] = new Array<number>(partitions).fill(0);
  let failure: unknown;
  let acked = 0;
  let count = 0;
  let bytes = 0;
  let lastProgress = started;

  const flush = async (partition: number): Promise<void> => {
    const messages = batches[partition] ?? [];
    if (messages.length === 0) return;
    batches[partition] = [];
    batchBytes[partition] = 0;
    await inFlight[partition];
    if (failure !== undefined) throw failure;
    inFlight[partition] = producer.send({ topic, acks: -1, messages }).then(
      () => {
        acked += messages.length;
      },
      (error: unknown) => {
        failure ??= error;
      },
    );
  };

  for (const event of events) {
    const partition = partitionOf(event.key);
    const size = event.key.length + event.value.length;
    (batches[partition] as Message[]).push({ key: event.key, value: event.value, partition });
    count++;
    bytes += size;
    const filled = (batchBytes[partition] = (batchBytes[partition] ?? 0) + size);
    if (filled >= MAX_BATCH_BYTES || (batches[partition] as Message[]).length >= MAX_BATCH_MESSAGES) {
      await flush(partition);
      const now = performance.now();
      if (now - lastProgress >= 2_000) {
        lastProgress = now;
        progress(acked, now - started);
      }
    }
  }
  for (let partition = 0; partition < partitions; partition++) await flush(partition);
  await Promise.all(inFlight);
  if (failure !== undefined) throw failure;
  return { events: count, bytes, ms: performance.now() - started };
}

export interface SteadyResult {
  sent: number;
  ms: number;
}

/**
 * Produces `rate` events per second for `seconds`: every tick sends what is due since the start as
 * one batch (acks=-1), awaiting it before the next, so the average rate holds even when a send is
 * slow. `onSent(event, sentAtMs)` is called for each event just before its batch is sent; `next`
 * receives that same send time to put in the event (source.ts_ms).
 */
export async function produceSteady(
  producer: Producer,
  topic: string,
  partitionOf: (key: string) => number,
  rate: number,
  seconds: number,
  next: (sentAtMs: number) => BenchEvent,
  onSent: (event: BenchEvent, sentAtMs: number) => void,
  progress: (sent: number, elapsedMs: number) => void,
): Promise<SteadyResult> {
  const total = Math.round(rate * seconds);
  const tickMs = 5;
  const started = performance.now();
  let sent = 0;
  let lastProgress = started;
  while (sent < total) {
    const elapsed = performance.now() - started;
    const due = Math.min(total, Math.floor((elapsed / 1000) * rate)) - sent;
    if (due > 0) {
      const sentAtMs = Date.now();
      const messages: Message[] = [];
      for (let n = 0; n < due; n++) {
        const event = next(sentAtMs);
        onSent(event, sentAtMs);
        messages.push({ key: event.key, value: event.value, partition: partitionOf(event.key) });
      }
      await producer.send({ topic, acks: -1, messages });
      sent += due;
    }
    const now = performance.now();
    if (now - lastProgress >= 2_000) {
      lastProgress = now;
      progress(sent, now - started);
    }
    const wait = tickMs - (performance.now() - now);
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  return { sent, ms: performance.now() - started };
}
