import { setTimeout as sleep } from 'node:timers/promises';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { fetch } from 'undici';
import { readiness, type Readiness } from '../admin/readiness.js';
import type { TrackerConfig } from '../config/tracker-config.js';
import { ErpDeltaError } from '../errors/erp-delta-error.js';
import { kafkaClients } from '../kafka/kafka-client.js';
import type { FetchedBatch, GroupConsumer, KafkaAdmin, KafkaClients, KafkaProducer, KafkaRecord } from '../kafka/kafka-port.js';
import type { Logger } from '../logging/logger.js';
import { DeliveryMetrics, type DeliveryStatus } from '../metrics/delivery-metrics.js';
import { probeRegistry, registryClient } from '../registry/registry-client.js';
import { DEAD_LETTER_HEADERS } from '../dead-letters/dead-letter.js';
import type { Delta } from '../model/delta.js';
import { bodyParts, jsonBytes } from './body-size.js';
import { postDelivery } from './delivery-post.js';
import { deliveryRequest, idempotencyKey, retryDelayMs, tombstoneDelta } from './delivery-request.js';
import { groupLagByTopic } from './loader-lag.js';
import { deliverAroundRefusals, refusedByAnswer, type RefusedDelta, type Rejection, type RequestAnswer } from './refused-deltas.js';
import { closeTargetTransport, probeTls, targetTransport, tlsProblem } from './target-transport.js';

/** A delta of the chunk being delivered, with the record it was read from. */
interface ChunkRecord {
  offset: string;
  delta: Delta;
  message: KafkaRecord;
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
 * answer, and delivers the others (refused-deltas.ts). Requests stay within the process's rate
 * (request-rate.ts) and body size (body-size.ts); an entity's deletes may go as one HTTP DELETE per
 * key (delete-path.ts). TLS, headers and rate live in the target transport (target-transport.ts).
 */
export class Loader {
  readonly metrics = new DeliveryMetrics();
  private readonly kafka: KafkaClients;
  private readonly registry: SchemaRegistry;
  private readonly entityByTopic: Map<string, string>;
  private consumer: GroupConsumer | undefined;
  private producer: KafkaProducer | undefined;
  private admin: KafkaAdmin | undefined;
  private started = false;
  /** Set by stop(): no new chunk starts, and retries end. */
  private stopping = false;
  /** The eachBatch calls running, which stop() lets finish. */
  private readonly batchesInFlight = new Set<Promise<void>>();
  private targetFailing: string | undefined;
  /** Per delta partition, the key of the DELETE delta read last, when it was the last record (tombstoneDelta). */
  private readonly deletedJustBefore = new Map<string, string | undefined>();
  /** Aborted by stop(): ends waits for a request slot (a request already sent is answered first). */
  private readonly stopSignal = new AbortController();
  /** Called after deltas of an entity went to the dead-letter topic (the status page counts them again). */
  onDeadLettered: ((entity: string) => void) | undefined;
  /**
   * Per delta partition, the offset committed last and the commit in flight: commits of one
   * partition go in order and never move back (a marker's commit from an event, loader.ts).
   */
  private readonly commits = new Map<string, { offset: bigint; chain: Promise<void> }>();

  constructor(private readonly options: LoaderOptions) {
    this.kafka = kafkaClients(options.config.kafka, options.logger);
    this.registry = registryClient(options.config.registry);
    this.entityByTopic = new Map(Object.values(options.config.entities).map((entity) => [entity.deltaTopic, entity.name]));
  }

  async start(): Promise<void> {
    const { config, logger } = this.options;
    // Read the headers' secrets and the TLS files now: a missing one stops the start, naming its key.
    const transport = targetTransport(config.delivery);
    if (transport.tls !== undefined && new URL(this.options.target).protocol !== 'https:') {
      throw new ErpDeltaError('INVALID_OPTION', `delivery.tls is set, but the target ${this.options.target} is not https://.`, { hint: "Give the target's https:// URL, or remove delivery.tls." });
    }
    await this.checkTarget();
    this.admin = await this.kafka.connectAdmin();
    const topics = [...this.entityByTopic.keys()];
    const existing = new Set(await this.admin.listTopics());
    const missing = topics.filter((topic) => !existing.has(topic));
    if (missing.length > 0) {
      throw new ErpDeltaError('TOPIC_MISMATCH', `The delta topics ${missing.join(', ')} do not exist.`, { hint: 'Start `erp-delta run` first: it creates them.' });
    }
    if (this.options.replayFrom !== undefined) await this.rewind(this.options.replayFrom, topics);
    this.producer = this.kafka.producer();
    await this.producer.connect();
    const { delivery } = config;
    let partitions = 0;
    for (const topic of topics) partitions += (await this.admin.fetchTopicOffsets(topic)).length;
    const consumer = this.kafka.deltaConsumer(delivery.groupId, { lingerMs: delivery.lingerMs, partitions });
    this.consumer = consumer;
    this.metrics.lagSource = () => this.lag();
    await consumer.run({
      topics,
      eachBatch: (payload) => this.inFlight(this.onBatch(payload)),
      // Committing past a fetch of transaction markers only is what lets the group's lag reach 0
      // once the loader caught up (loader-lag.ts).
      onMarkersOnly: ({ topic, partition, offset }) => {
        if (!this.stopping) void this.commit(topic, partition, BigInt(offset));
      },
      onRestart: (error, inMs) => logger.error({ err: error, inMs }, 'the delta consumer stopped on an error its Kafka client does not retry; it runs again shortly'),
    });
    this.started = true;
    logger.info({ target: this.options.target, group: delivery.groupId, topics }, 'loader running');
  }

  /**
   * At start-up an unreachable target is one clear error; later, outages are retried. A TLS
   * failure (a certificate the loader does not trust, a client certificate the target wants or
   * refuses) is said as such: it is a matter of config, not of waiting.
   */
  private async checkTarget(): Promise<void> {
    const { delivery } = this.options.config;
    try {
      const response = await fetch(this.options.target, { method: 'HEAD', signal: AbortSignal.timeout(delivery.timeoutMs), dispatcher: targetTransport(delivery).dispatcher });
      await response.body?.cancel();
    } catch (error) {
      const transport = targetTransport(delivery);
      const url = new URL(this.options.target);
      const tls = tlsProblem(error) ?? (url.protocol === 'https:' ? await probeTls(url, transport.tls, delivery.timeoutMs) : undefined);
      if (tls !== undefined) {
        throw new ErpDeltaError('TARGET_TLS_FAILED', `The target ${this.options.target} refused a TLS connection or was not trusted: ${tls}.`, {
          hint:
            delivery.tls?.ca === undefined
              ? "Set delivery.tls.ca to the PEM file of the CA that signed the target's certificate (and delivery.tls.cert and .key if it wants a client certificate)."
              : "Check delivery.tls.ca (the CA that signed the target's certificate), the name in that certificate, and delivery.tls.cert and .key.",
        });
      }
      throw new ErpDeltaError(
        'TARGET_UNAVAILABLE',
        `The target ${this.options.target} cannot be reached: ${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}.`,
        {
          retriable: true,
          hint: 'Check --target (or delivery.target in the config) and that the target runs.',
        },
      );
    }
  }

  /** The loader group's lag per entity, as the refresh reads it (loader-lag.ts). */
  async lag(): Promise<Record<string, number>> {
    if (!this.admin) return {};
    const byTopic = await groupLagByTopic(this.admin, this.options.config.delivery.groupId, [...this.entityByTopic.keys()]);
    return Object.fromEntries(Object.entries(byTopic).map(([topic, lag]) => [this.entityByTopic.get(topic) ?? topic, lag]));
  }

  /** What the loader did per entity since it started, its last error and the target's last Retry-After. */
  deliveryStatus(): DeliveryStatus {
    return this.metrics.status([...this.entityByTopic.values()]);
  }

  entityNames(): string[] {
    return [...this.entityByTopic.values()];
  }

  /**
   * Commits a partition's offset after those before it, never moving it back; a commit that fails
   * (a rebalance took the partition) is left to the next one or to the next owner.
   */
  private commit(topic: string, partition: number, offset: bigint): Promise<void> {
    const id = `${topic}-${partition}`;
    const state = this.commits.get(id) ?? { offset: -1n, chain: Promise.resolve() };
    this.commits.set(id, state);
    state.chain = state.chain
      .then(async () => {
        if (offset <= state.offset || !this.consumer) return;
        await this.consumer.commitOffsets([{ topic, partition, offset: String(offset) }]);
        state.offset = offset;
      })
      .catch((error: unknown) => {
        this.options.logger.warn({ topic, partition, offset: String(offset), err: error }, "offset not committed: the next commit, or the partition's next owner, carries it");
      });
    return state.chain;
  }

  /** Moves the group's offsets back before it joins: to the earliest offsets, or to a time. */
  private async rewind(from: string, topics: readonly string[]): Promise<void> {
    const admin = this.admin as KafkaAdmin;
    const { groupId } = this.options.config.delivery;
    const atMs = from === 'earliest' ? undefined : Date.parse(from);
    if (atMs !== undefined && Number.isNaN(atMs)) throw new ErpDeltaError('INVALID_OPTION', `--replay-from "${from}" is neither "earliest" nor an ISO time such as 2026-11-25T10:00:00Z.`);
    try {
      for (const topic of topics) {
        if (atMs === undefined) await admin.resetOffsets({ groupId, topic, earliest: true });
        else await admin.setOffsets({ groupId, topic, partitions: (await admin.fetchTopicOffsetsByTimestamp(topic, atMs)).map(({ partition, offset }) => ({ partition, offset })) });
      }
    } catch (error) {
      throw new ErpDeltaError('INVALID_OPTION', `Cannot move the offsets of group ${groupId}: ${(error as Error).message}.`, {
        cause: error,
        hint: 'Stop every other loader of the group first: offsets move only while the group is empty.',
      });
    }
    this.options.logger.info({ group: groupId, from }, 'loader rewound: re-sending from there');
  }

  private inFlight(batch: Promise<void>): Promise<void> {
    this.batchesInFlight.add(batch);
    return batch.finally(() => this.batchesInFlight.delete(batch));
  }

  private async onBatch({ batch, heartbeat, isRunning, isStale, resolveOffset }: FetchedBatch): Promise<void> {
    const entity = this.entityByTopic.get(batch.topic) ?? batch.topic;
    const size = this.options.config.delivery.batchSize;
    const running = (): boolean => !this.stopping && isRunning() && !isStale();
    for (let index = 0; index < batch.messages.length; index += size) {
      const chunk = batch.messages.slice(index, index + size);
      if (!running()) return;
      const delivered = await this.deliver(entity, batch.topic, batch.partition, chunk, heartbeat, running);
      if (!delivered) return;
      const last = (chunk.at(-1) as KafkaRecord).offset;
      resolveOffset(last);
      // After the batch's last delta, past the transaction markers that follow it in the fetch too.
      const lastOfBatch = index + size >= batch.messages.length;
      await this.commit(batch.topic, batch.partition, BigInt(lastOfBatch ? batch.lastOffset() : last) + 1n);
      await heartbeat();
    }
  }

  /**
   * Delivers one chunk; false when the loader stopped first. The chunk goes as requests in its
   * order (requests()): batches within `maxBodyBytes`, and for an entity with `delivery.deletes`
   * each DELETE alone, on its key's path. When the target refuses a request (a 4xx), only the
   * deltas it refuses go to the dead letters (refused-deltas.ts) and the others are delivered. A
   * later delta of a refused key goes on as usual: it carries the whole record, and makes the
   * refused one obsolete (`dlq replay --target` skips a dead letter whose key has a newer delta),
   * which is how an ERP fix of the refused record reaches the target.
   */
  private async deliver(entity: string, topic: string, partition: number, chunk: readonly KafkaRecord[], heartbeat: () => Promise<void>, running: () => boolean): Promise<boolean> {
    const records: ChunkRecord[] = [];
    const partitionId = `${topic}-${partition}`;
    for (const message of chunk) {
      const key = message.key?.toString('utf8') ?? '';
      const deletedBefore = this.deletedJustBefore.get(partitionId);
      const delta = message.value === null ? tombstoneDelta(key, deletedBefore, topic, partition, message.offset, Number(message.timestamp)) : ((await this.registry.decode(message.value)) as Delta);
      this.deletedJustBefore.set(partitionId, message.value !== null && delta?.op === 'DELETE' ? key : undefined);
      if (delta) records.push({ offset: message.offset, delta, message });
    }
    if (records.length === 0) return true;
    const send = (part: readonly ChunkRecord[]): Promise<RequestAnswer> => this.sendUntilAnswered(entity, topic, partition, part, heartbeat, running);
    const spec = this.options.config.delivery.refusedRecords;
    const readAnswer =
      spec
      && ((part: readonly ChunkRecord[], rejection: Rejection) =>
        refusedByAnswer(
          rejection.body,
          spec,
          part.map(({ offset }) => idempotencyKey(topic, partition, offset)),
        ));
    const refused: Array<RefusedDelta<ChunkRecord>> = [];
    let stopped = false;
    for (const request of this.requests(entity, topic, partition, records)) {
      const answer = await send(request);
      if (answer.kind === 'stopped') {
        stopped = true;
        break;
      }
      if (answer.kind !== 'rejected') continue;
      const around = await deliverAroundRefusals(request, answer, send, readAnswer);
      refused.push(...around.refused);
      if (around.stopped) {
        stopped = true;
        break;
      }
    }
    if (refused.length > 0) await this.deadLetter(entity, topic, partition, refused);
    return !stopped;
  }

  /**
   * The requests a chunk is sent as, in its order, so that per partition (and so per key) the
   * target gets the deltas in the order they were written: runs of deltas as batches, each split
   * to stay within `delivery.maxBodyBytes` (body-size.ts), and, for an entity whose deletes go as
   * HTTP DELETEs, each DELETE delta alone between them.
   */
  private requests(entity: string, topic: string, partition: number, records: readonly ChunkRecord[]): ChunkRecord[][] {
    const { delivery } = this.options.config;
    const perKeyDeletes = delivery.deletes[entity] !== undefined;
    const runs: ChunkRecord[][] = [];
    let run: ChunkRecord[] = [];
    for (const record of records) {
      if (perKeyDeletes && record.delta.op === 'DELETE') {
        if (run.length > 0) runs.push(run);
        runs.push([record]);
        run = [];
      } else {
        run.push(record);
      }
    }
    if (run.length > 0) runs.push(run);
    if (delivery.maxBodyBytes === undefined) return runs;
    const maxBytes = delivery.maxBodyBytes;
    const emptyBody = jsonBytes(deliveryRequest(entity, topic, partition, []).body);
    const deltaBytes = (record: ChunkRecord): number => jsonBytes(deliveryRequest(entity, topic, partition, [record]).body.deltas[0]);
    const requests: ChunkRecord[][] = [];
    for (const batch of runs) {
      for (const part of bodyParts(batch, deltaBytes, emptyBody, maxBytes)) {
        const [only] = part;
        if (part.length === 1 && only !== undefined && !(perKeyDeletes && only.delta.op === 'DELETE') && emptyBody + deltaBytes(only) > maxBytes) {
          this.options.logger.warn(
            { entity, topic, partition, offset: only.offset, key: only.delta.key, maxBodyBytes: maxBytes },
            'a delta larger than delivery.maxBodyBytes on its own: sent alone, the target decides',
          );
        }
        requests.push(part);
      }
    }
    return requests;
  }

  /** Sends deltas until the target answers for good: delivered, or refused (4xx); stopped when the loader stops first. */
  private async sendUntilAnswered(entity: string, topic: string, partition: number, records: readonly ChunkRecord[], heartbeat: () => Promise<void>, running: () => boolean): Promise<RequestAnswer> {
    const request = deliveryRequest(entity, topic, partition, records);
    const { delivery } = this.options.config;
    const hooks = {
      signal: this.stopSignal.signal,
      onTiming: ({ rateLimitWaitMs, answerMs }: { rateLimitWaitMs: number; answerMs: number }) => {
        this.metrics.recordWait(entity, 'rate_limit', rateLimitWaitMs);
        this.metrics.recordRequest(entity, answerMs);
      },
    };
    for (let attempt = 0; ; attempt += 1) {
      if (!running()) return { kind: 'stopped' };
      const outcome = await postDelivery(this.options.target, this.options.config, request.body, request.idempotencyKey, hooks);
      if (outcome.kind === 'delivered') {
        if (this.targetFailing !== undefined) this.options.logger.info({ target: this.options.target }, 'target reachable again');
        this.targetFailing = undefined;
        this.metrics.recordDelivered(
          entity,
          records.map(({ delta }) => delta.emittedAtMs),
          Date.now(),
        );
        return outcome;
      }
      if (outcome.kind === 'rejected') return outcome;
      // Only a wait for a request slot ends early, and only when the loader stops.
      if (!running()) return { kind: 'stopped' };
      if (this.targetFailing !== outcome.reason) {
        this.options.logger.warn(
          { target: this.options.target, reason: outcome.reason, retryAfterMs: outcome.retryAfterMs },
          outcome.retryAfterMs === undefined ? 'target unavailable: retrying with backoff' : 'target asks to wait (Retry-After): retrying then',
        );
      }
      this.targetFailing = outcome.reason;
      this.metrics.recordRetry(entity, outcome.reason, Date.now());
      // A target that says how long to wait (Retry-After) is waited for, up to the configured cap.
      const wait = outcome.retryAfterMs === undefined ? retryDelayMs(attempt, delivery.retryInitialMs, delivery.retryMaxMs) : Math.min(outcome.retryAfterMs, delivery.retryAfterMaxMs);
      if (outcome.retryAfterMs !== undefined) this.metrics.recordRetryAfter(entity, outcome.retryAfterMs, wait, Date.now());
      const waitStartedAt = Date.now();
      for (let waited = 0; waited < wait && running(); waited += 1_000) {
        await sleep(Math.min(1_000, wait - waited));
        await heartbeat();
      }
      this.metrics.recordWait(entity, outcome.retryAfterMs === undefined ? 'backoff' : 'retry_after', Date.now() - waitStartedAt);
    }
  }

  /** Each refused delta to the dead-letter topic, with the target's answer about it. */
  private async deadLetter(entity: string, topic: string, partition: number, refused: ReadonlyArray<RefusedDelta<ChunkRecord>>): Promise<void> {
    // Status 0: the loader could not make the request at all (delivery-post.ts), and says why.
    const reasonOf = ({ status, reason }: RefusedDelta<ChunkRecord>): string => (status === 0 ? reason : `The target answered HTTP ${status}: ${reason}`).slice(0, 2_100);
    await this.producer?.send({
      topic: this.options.config.dlqTopic,
      messages: refused.map((delta) => ({
        key: delta.item.message.key,
        value: delta.item.message.value,
        headers: {
          [DEAD_LETTER_HEADERS.topic]: topic,
          [DEAD_LETTER_HEADERS.partition]: String(partition),
          [DEAD_LETTER_HEADERS.offset]: delta.item.message.offset,
          [DEAD_LETTER_HEADERS.errorCode]: 'DELIVERY_REJECTED',
          [DEAD_LETTER_HEADERS.reason]: reasonOf(delta),
          [DEAD_LETTER_HEADERS.entity]: entity,
        },
      })),
    });
    const first = refused[0] as RefusedDelta<ChunkRecord>;
    this.metrics.recordRejected(entity, refused.length, `${refused.length} delta(s) refused, sent to the dead-letter topic; key ${first.item.delta.key}: ${reasonOf(first).slice(0, 300)}`, Date.now());
    this.onDeadLettered?.(entity);
    this.options.logger.warn(
      { entity, topic, partition, offsets: refused.map(({ item }) => item.message.offset), keys: refused.map(({ item }) => item.delta.key), status: refused[0]?.status },
      'target refused deltas: sent to the dead-letter topic, the others delivered',
    );
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
    const registry = await probeRegistry(this.options.config.registry);
    const state = readiness({ started: this.started, restoring: 0, tasks: 0, kafka, registry });
    if (this.targetFailing !== undefined) state.reasons.push(`the target is failing: ${this.targetFailing}`);
    return { ready: state.reasons.length === 0, reasons: state.reasons };
  }

  async stop(): Promise<void> {
    this.started = false;
    this.stopping = true;
    this.stopSignal.abort();
    // A chunk the target has acknowledged is committed before the consumer leaves: once kafkajs
    // is disconnecting it skips commits, and the restarted loader would send the chunk again.
    await Promise.allSettled([...this.batchesInFlight]);
    await this.consumer?.disconnect();
    await this.producer?.disconnect();
    await this.admin?.disconnect();
    this.metrics.lagSource = undefined;
    await closeTargetTransport(this.options.config.delivery);
  }
}
