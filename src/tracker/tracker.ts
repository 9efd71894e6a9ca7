import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { Kafka, logLevel, type Consumer, type EachBatchPayload } from 'kafkajs';
import type { TrackerConfig } from '../config/tracker-config.js';
import { ErpDeltaError } from '../errors/erp-delta-error.js';
import type { Logger } from '../logging/logger.js';
import { TrackerMetrics } from '../metrics/tracker-metrics.js';
import { restoreFromChangelogs } from './changelog-restore.js';
import { DeltaCodec } from './delta-codec.js';
import { SourceDecoder } from './source-decoder.js';
import { Task, type TaskContext } from './task.js';
import { trackedEntities } from './tracked-entity.js';
import type { TrackedEntity } from './tracked-entity.js';
import { ensureTopics } from './topics.js';

export interface TrackerOptions {
  config: TrackerConfig;
  dataDir: string;
  logger: Logger;
}

/**
 * The change tracker: a consumer group over the CDC topics with one task per assigned input
 * partition. Kafka distributes the partitions among instances; on each assignment the new tasks
 * restore their stores from their changelogs before they process a record, and tasks of partitions
 * that moved away are closed.
 */
export class Tracker {
  readonly metrics = new TrackerMetrics();
  private readonly kafka: Kafka;
  private readonly entitiesByTopic: Map<string, TrackedEntity>;
  private readonly tasks = new Map<string, Promise<Task>>();
  private consumer: Consumer | undefined;
  private context: TaskContext | undefined;
  private assignment = Promise.resolve();

  constructor(private readonly options: TrackerOptions) {
    const { config, logger } = options;
    this.kafka = new Kafka({
      clientId: config.kafka.clientId,
      brokers: config.kafka.brokers,
      logLevel: logLevel.WARN,
      logCreator: () => ({ namespace, level, log }) => {
        const { message, ...extra } = log;
        const line = { kafkajs: namespace, ...extra };
        // kafkajs logs every error response of a request it then retries (a coordinator still
        // loading, a rebalance); what it gives up on reaches us as an exception instead.
        if (namespace === 'Connection' || level > logLevel.ERROR) logger.debug(line, message);
        else logger.error(line, message);
      },
    });
    this.entitiesByTopic = new Map(trackedEntities(config).map((entity) => [entity.topic, entity]));
  }

  async start(): Promise<void> {
    const { config, logger, dataDir } = this.options;
    const admin = this.kafka.admin();
    try {
      await admin.connect();
    } catch (error) {
      throw new ErpDeltaError('KAFKA_UNAVAILABLE', `Kafka at ${config.kafka.brokers.join(', ')} cannot be reached: ${(error as Error).message}`, {
        retriable: true, cause: error, hint: 'Check kafka.brokers in the config, and that the brokers run.',
      });
    }
    try {
      await ensureTopics(admin, config, logger);
    } finally {
      await admin.disconnect();
    }
    const codec = await DeltaCodec.register(config);
    this.context = {
      kafka: this.kafka,
      groupId: config.kafka.groupId,
      dataDir,
      dlqTopic: config.dlqTopic,
      codec,
      decoder: new SourceDecoder(new SchemaRegistry({ host: config.registry.url })),
      metrics: this.metrics,
      logger,
    };

    const consumer = this.kafka.consumer({
      groupId: config.kafka.groupId,
      readUncommitted: false,
      // kafkajs waits 5 s by default on a quiet topic: a change would wait as long to be seen.
      maxWaitTimeInMs: 100,
      // Each fetched batch costs a transaction (a few round trips): bigger batches amortize it.
      maxBytesPerPartition: 2 * 1024 * 1024,
      maxBytes: 8 * 1024 * 1024,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      // Assignments are handled one after the other, and batches wait for theirs (taskFor).
      this.assignment = this.assignment.then(() => this.onAssignment(payload.memberAssignment)).catch((error: unknown) => {
        logger.error({ err: error }, 'assignment failed');
      });
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [...this.entitiesByTopic.keys()], fromBeginning: true });
    await consumer.run({
      eachBatchAutoResolve: false,
      autoCommit: false,
      partitionsConsumedConcurrently: 3,
      eachBatch: (payload) => this.onBatch(payload),
    });
    logger.info({ entities: [...this.entitiesByTopic.values()].map((entity) => entity.name), group: config.kafka.groupId }, 'tracker running');
  }

  private async onAssignment(assignment: Record<string, number[]>): Promise<void> {
    const assigned = new Set(Object.entries(assignment).flatMap(([topic, partitions]) => partitions.map((partition) => `${topic}-${partition}`)));
    for (const [id, task] of this.tasks) {
      if (assigned.has(id)) continue;
      this.tasks.delete(id);
      await (await task.catch(() => undefined))?.close();
      this.options.logger.info({ task: id }, 'task closed: its partition moved away');
    }
    const fresh: Array<Promise<Task>> = [];
    for (const [topic, partitions] of Object.entries(assignment)) {
      for (const partition of partitions) {
        const id = `${topic}-${partition}`;
        if (!this.tasks.has(id)) {
          const task = this.openTask(topic, partition);
          this.tasks.set(id, task);
          fresh.push(task);
        }
      }
    }
    if (fresh.length === 0) return;
    try {
      const opened = await Promise.all(fresh);
      await restoreFromChangelogs(this.kafka, opened, this.requireContext().codec, this.metrics, this.options.logger);
      this.options.logger.info({ tasks: opened.map((task) => task.id) }, 'tasks ready');
    } catch (error) {
      // A task must never compare against a store that was not restored: forget these tasks, so
      // that their next batch opens and restores them again (or fails and is retried).
      for (const [id, task] of this.tasks) {
        if (!fresh.includes(task)) continue;
        this.tasks.delete(id);
        await (await task.catch(() => undefined))?.close();
      }
      throw error;
    }
  }

  private openTask(topic: string, partition: number): Promise<Task> {
    const entity = this.entitiesByTopic.get(topic);
    if (!entity) return Promise.reject(new Error(`no entity reads topic ${topic}`));
    return Task.open(entity, partition, this.requireContext());
  }

  private async onBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    if (batch.messages.length === 0) return;
    // The assignment's restore must finish before this partition's records are compared.
    await this.assignment;
    const id = `${batch.topic}-${batch.partition}`;
    let task = this.tasks.get(id);
    if (!task) {
      task = this.openTask(batch.topic, batch.partition);
      this.tasks.set(id, task);
      await restoreFromChangelogs(this.kafka, [await task], this.requireContext().codec, this.metrics, this.options.logger);
    }
    if (!isRunning() || isStale()) return;
    let nextOffset: string;
    try {
      nextOffset = await (await task).processBatch(batch.messages);
    } catch (error) {
      // When in doubt, re-check: the retried batch gets a fresh task, whose new producer fences
      // anything left of this one and whose store restores whatever this one committed.
      this.tasks.delete(id);
      await (await task.catch(() => undefined))?.close();
      throw error;
    }
    resolveOffset(String(BigInt(nextOffset) - 1n));
    await heartbeat();
  }

  private requireContext(): TaskContext {
    if (!this.context) throw new Error('tracker not started');
    return this.context;
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
    await this.assignment;
    for (const task of this.tasks.values()) await (await task.catch(() => undefined))?.close();
    this.tasks.clear();
  }
}
