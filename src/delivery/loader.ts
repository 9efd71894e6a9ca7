import { setTimeout as sleep } from 'node:timers/promises';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { probeRegistry, readiness, type Readiness } from '../admin/readiness.js';
import type { TrackerConfig } from '../config/tracker-config.js';
import { ErpDeltaError } from '../errors/erp-delta-error.js';
import { connectAdmin, kafkaClient } from '../kafka/kafka-client.js';
import type { Logger } from '../logging/logger.js';
import { DeliveryMetrics } from '../metrics/delivery-metrics.js';
import { registryClient } from '../registry/registry-client.js';
import { DEAD_LETTER_HEADERS } from '../tracker/dead-letter.js';
import type { Delta } from '../tracker/delta.js';
import { deliveryHeaders } from './delivery-headers.js';
import { postDelivery } from './delivery-post.js';
import { deliveryRequest, idempotencyKey, retryDelayMs, tombstoneDelta } from './delivery-request.js';
import { deliverAroundRefusals, refusedByAnswer, type RefusedDelta, type Rejection, type RequestAnswer } from './refused-deltas.js';

/** A delta of the chunk being delivered, with the record it was read from. */
interface ChunkRecord {
  offset: string;
  delta: Delta;
  message: KafkaMessage;
}

export interface LoaderOptions {
  config: TrackerConfig;
  /** The target's base URL. */
  target: string;
  /** Re-send from this point first: `earliest` (every record's latest version) or an ISO time. */
  replayFrom?: string | undefined;
  logger: Logger;
}

/**
 * The loader (`erp-delta deliver`): a consumer group over the delta topics, read committed, that
 * POSTs the deltas to the target, batch by batch, each partition in order and the partitions side
 * by side. A batch's offsets are committed only once the target acknowledged it; a 5xx, a timeout
 * or a connection error is retried with exponential backoff and jitter (logged once per change of
 * state); a 4xx sends the deltas the target refused to the dead-letter topic with the target's
 * answer, and delivers the others (refused-deltas.ts).
 */
export class Loader {
  readonly metrics = new DeliveryMetrics();
  private readonly kafka: Kafka;
  private readonly registry: SchemaRegistry;
  private readonly entityByTopic: Map<string, string>;
  private consumer: Consumer | undefined;
  private producer: Producer | undefined;
  private admin: Admin | undefined;
  private started = false;
  /** Set by stop(): no new chunk starts, and retries end. */
  private stopping = false;
  /** The eachBatch calls running, which stop() lets finish. */
  private readonly batchesInFlight = new Set<Promise<void>>();
  private targetFailing: string | undefined;
  /** Per delta partition, the key of the DELETE delta read last, when it was the last record (tombstoneDelta). */
  private readonly deletedJustBefore = new Map<string, string | undefined>();

  constructor(private readonly options: LoaderOptions) {
    this.kafka = kafkaClient(options.config.kafka, options.logger);
    this.registry = registryClient(options.config.registry);
    this.entityByTopic = new Map(Object.values(options.config.entities).map((entity) => [entity.deltaTopic, entity.name]));
  }

  async start(): Promise<void> {
    const { config, logger } = this.options;
    // Read the headers' variables and files now: a missing one stops the start, naming its key.
    deliveryHeaders(config.delivery);
    await this.checkTarget();
    this.admin = await connectAdmin(this.kafka, config.kafka.brokers);
    const topics = [...this.entityByTopic.keys()];
    const existing = new Set(await this.admin.listTopics());
    const missing = topics.filter((topic) => !existing.has(topic));
    if (missing.length > 0) {
      throw new ErpDeltaError('TOPIC_MISMATCH', `The delta topics ${missing.join(', ')} do not exist.`, { hint: 'Start `erp-delta run` first: it creates them.' });
    }
    if (this.options.replayFrom !== undefined) await this.rewind(this.options.replayFrom, topics);
    this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await this.producer.connect();
    const { delivery } = config;
    const consumer = this.kafka.consumer({
      groupId: delivery.groupId, readUncommitted: false, maxWaitTimeInMs: Math.max(delivery.lingerMs, 10), minBytes: delivery.lingerMs > 0 ? 64 * 1024 : 1,
    });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    let partitions = 0;
    for (const topic of topics) partitions += (await this.admin.fetchTopicOffsets(topic)).length;
    await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: Math.max(1, partitions), eachBatch: (payload) => this.inFlight(this.onBatch(payload)) });
    this.started = true;
    logger.info({ target: this.options.target, group: delivery.groupId, topics }, 'loader running');
  }

  /** At start-up an unreachable target is one clear error; later, outages are retried. */
  private async checkTarget(): Promise<void> {
    try {
      await fetch(this.options.target, { method: 'HEAD', signal: AbortSignal.timeout(this.options.config.delivery.timeoutMs) });
    } catch (error) {
      throw new ErpDeltaError('TARGET_UNAVAILABLE', `The target ${this.options.target} cannot be reached: ${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}.`, {
        retriable: true, hint: 'Check --target (or delivery.target in the config) and that the target runs.',
      });
    }
  }

  /** Moves the group's offsets back before it joins: to the earliest offsets, or to a time. */
  private async rewind(from: string, topics: readonly string[]): Promise<void> {
    const admin = this.admin as Admin;
    const { groupId } = this.options.config.delivery;
    const atMs = from === 'earliest' ? undefined : Date.parse(from);
    if (atMs !== undefined && Number.isNaN(atMs)) throw new ErpDeltaError('INVALID_OPTION', `--replay-from "${from}" is neither "earliest" nor an ISO time such as 2026-11-25T10:00:00Z.`);
    try {
      for (const topic of topics) {
        if (atMs === undefined) await admin.resetOffsets({ groupId, topic, earliest: true });
        else await admin.setOffsets({ groupId, topic, partitions: (await admin.fetchTopicOffsetsByTimestamp(topic, atMs)).map(({ partition, offset }) => ({ partition, offset })) });
      }
    } catch (error) {
      throw new ErpDeltaError('INVALID_OPTION', `Cannot move the offsets of group ${groupId}: ${(error as Error).message}.`, { cause: error, hint: 'Stop every other loader of the group first: offsets move only while the group is empty.' });
    }
    this.options.logger.info({ group: groupId, from }, 'loader rewound: re-sending from there');
  }

  private inFlight(batch: Promise<void>): Promise<void> {
    this.batchesInFlight.add(batch);
    return batch.finally(() => this.batchesInFlight.delete(batch));
  }

  private async onBatch({ batch, heartbeat, isRunning, isStale, resolveOffset }: EachBatchPayload): Promise<void> {
    const entity = this.entityByTopic.get(batch.topic) ?? batch.topic;
    const size = this.options.config.delivery.batchSize;
    const running = (): boolean => !this.stopping && isRunning() && !isStale();
    for (let index = 0; index < batch.messages.length; index += size) {
      const chunk = batch.messages.slice(index, index + size);
      if (!running()) return;
      const delivered = await this.deliver(entity, batch.topic, batch.partition, chunk, heartbeat, running);
      if (!delivered) return;
      const last = (chunk.at(-1) as KafkaMessage).offset;
      resolveOffset(last);
      await this.consumer?.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: String(BigInt(last) + 1n) }]);
      await heartbeat();
    }
  }

  /**
   * Delivers one chunk; false when the loader stopped first. When the target refuses it (a 4xx),
   * only the deltas it refuses go to the dead letters (refused-deltas.ts) and the others are
   * delivered. A later delta of a refused key goes on as usual: it carries the whole record, and
   * makes the refused one obsolete (`dlq replay --target` skips a dead letter whose key has a
   * newer delta), which is how an ERP fix of the refused record reaches the target.
   */
  private async deliver(entity: string, topic: string, partition: number, chunk: readonly KafkaMessage[], heartbeat: () => Promise<void>, running: () => boolean): Promise<boolean> {
    const records: ChunkRecord[] = [];
    const partitionId = `${topic}-${partition}`;
    for (const message of chunk) {
      const key = message.key?.toString('utf8') ?? '';
      const deletedBefore = this.deletedJustBefore.get(partitionId);
      const delta = message.value === null
        ? tombstoneDelta(key, deletedBefore, topic, partition, message.offset, Number(message.timestamp))
        : (await this.registry.decode(message.value)) as Delta;
      this.deletedJustBefore.set(partitionId, message.value !== null && delta?.op === 'DELETE' ? key : undefined);
      if (delta) records.push({ offset: message.offset, delta, message });
    }
    if (records.length === 0) return true;
    const send = (part: readonly ChunkRecord[]): Promise<RequestAnswer> => this.sendUntilAnswered(entity, topic, partition, part, heartbeat, running);
    const answer = await send(records);
    if (answer.kind !== 'rejected') return answer.kind === 'delivered';
    const spec = this.options.config.delivery.refusedRecords;
    const readAnswer = spec && ((part: readonly ChunkRecord[], rejection: Rejection) => refusedByAnswer(rejection.body, spec, part.map(({ offset }) => idempotencyKey(topic, partition, offset))));
    const { refused, stopped } = await deliverAroundRefusals(records, answer, send, readAnswer);
    if (refused.length > 0) await this.deadLetter(entity, topic, partition, refused);
    return !stopped;
  }

  /** POSTs deltas until the target answers for good: delivered, or refused (4xx); stopped when the loader stops first. */
  private async sendUntilAnswered(entity: string, topic: string, partition: number, records: readonly ChunkRecord[], heartbeat: () => Promise<void>, running: () => boolean): Promise<RequestAnswer> {
    const request = deliveryRequest(entity, topic, partition, records);
    const { delivery } = this.options.config;
    for (let attempt = 0; ; attempt += 1) {
      if (!running()) return { kind: 'stopped' };
      const outcome = await postDelivery(this.options.target, delivery, request.body, request.idempotencyKey);
      if (outcome.kind === 'delivered') {
        if (this.targetFailing !== undefined) this.options.logger.info({ target: this.options.target }, 'target reachable again');
        this.targetFailing = undefined;
        this.metrics.recordDelivered(entity, records.map(({ delta }) => delta.emittedAtMs), Date.now());
        return outcome;
      }
      if (outcome.kind === 'rejected') return outcome;
      if (this.targetFailing !== outcome.reason) {
        this.options.logger.warn({ target: this.options.target, reason: outcome.reason, retryAfterMs: outcome.retryAfterMs }, outcome.retryAfterMs === undefined ? 'target unavailable: retrying with backoff' : 'target asks to wait (Retry-After): retrying then');
      }
      this.targetFailing = outcome.reason;
      this.metrics.recordRetry(entity);
      // A target that says how long to wait (Retry-After) is waited for, up to the configured cap.
      const wait = outcome.retryAfterMs === undefined ? retryDelayMs(attempt, delivery.retryInitialMs, delivery.retryMaxMs) : Math.min(outcome.retryAfterMs, delivery.retryAfterMaxMs);
      for (let waited = 0; waited < wait && running(); waited += 1_000) {
        await sleep(Math.min(1_000, wait - waited));
        await heartbeat();
      }
    }
  }

  /** Each refused delta to the dead-letter topic, with the target's answer about it. */
  private async deadLetter(entity: string, topic: string, partition: number, refused: ReadonlyArray<RefusedDelta<ChunkRecord>>): Promise<void> {
    await this.producer?.send({
      topic: this.options.config.dlqTopic,
      messages: refused.map(({ item: { message }, status, reason }) => ({
        key: message.key, value: message.value,
        headers: {
          [DEAD_LETTER_HEADERS.topic]: topic, [DEAD_LETTER_HEADERS.partition]: String(partition), [DEAD_LETTER_HEADERS.offset]: message.offset,
          [DEAD_LETTER_HEADERS.errorCode]: 'DELIVERY_REJECTED', [DEAD_LETTER_HEADERS.reason]: `The target answered HTTP ${status}: ${reason.slice(0, 2_000)}`, [DEAD_LETTER_HEADERS.entity]: entity,
        },
      })),
    });
    this.metrics.recordRejected(entity, refused.length);
    this.options.logger.warn({ entity, topic, partition, offsets: refused.map(({ item }) => item.message.offset), keys: refused.map(({ item }) => item.delta.key), status: refused[0]?.status }, 'target refused deltas: sent to the dead-letter topic, the others delivered');
  }

  async readiness(): Promise<Readiness> {
    let kafka: { reachable: boolean; error?: string } = { reachable: false, error: 'not connected yet' };
    if (this.admin) {
      try {
        await this.admin.describeCluster();
        kafka = { reachable: true };
      } catch (error) {
        kafka = { reachable: false, error: (error as Error).message };
      }
    }
    const registry = await probeRegistry(this.options.config.registry.url);
    const state = readiness({ started: this.started, restoring: 0, tasks: 0, kafka, registry });
    if (this.targetFailing !== undefined) state.reasons.push(`the target is failing: ${this.targetFailing}`);
    return { ready: state.reasons.length === 0, reasons: state.reasons };
  }

  async stop(): Promise<void> {
    this.started = false;
    this.stopping = true;
    // A chunk the target has acknowledged is committed before the consumer leaves: once kafkajs
    // is disconnecting it skips commits, and the restarted loader would send the chunk again.
    await Promise.allSettled([...this.batchesInFlight]);
    await this.consumer?.disconnect();
    await this.producer?.disconnect();
    await this.admin?.disconnect();
  }
}
