import { setTimeout as sleep } from 'node:timers/promises';
import { ErpDeltaError } from '../errors/erp-delta-error.js';
import type { KafkaAdmin, NewTopic, TopicMetadata } from './kafka-port.js';

/** How long a topic just created (here or by another instance) may take to be served. */
const TOPIC_READY_WAIT_MS = 30_000;
const RETRY_EVERY_MS = 200;

/** The errors a broker answers for a topic whose creation it has not taken in yet. */
const NOT_YET_SERVED: ReadonlySet<string> = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE']);

/**
 * The metadata of topics once the broker serves every one of their partitions. A topic created a
 * moment ago is not served at once, and kafkajs's createTopics does not wait when another
 * instance created it first (it answers "already exists"): two instances starting together each
 * need this before they read or write the topics.
 */
export async function servedTopicMetadata(admin: KafkaAdmin, topics: readonly string[], waitMs = TOPIC_READY_WAIT_MS): Promise<TopicMetadata[]> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    let reason: string;
    try {
      const { topics: metadata } = await admin.fetchTopicMetadata({ topics: [...topics] });
      if (metadata.every((topic) => topic.partitions.length > 0 && topic.partitions.every((partition) => partition.leader >= 0))) return metadata;
      reason = 'a partition has no leader yet';
    } catch (error) {
      const type = (error as { type?: unknown }).type;
      if (typeof type !== 'string' || !NOT_YET_SERVED.has(type)) throw error;
      reason = (error as Error).message;
    }
    if (Date.now() > deadline) {
      throw new ErpDeltaError('KAFKA_UNAVAILABLE', `Topics ${topics.join(', ')} are not served by the brokers after ${waitMs / 1000} s: ${reason}.`, { retriable: true });
    }
    await sleep(RETRY_EVERY_MS);
  }
}

/**
 * Creates topics and returns once the brokers serve them. kafkajs's own wait (`waitForLeaders`)
 * gives up on the first UNKNOWN_TOPIC_OR_PARTITION, which a KRaft broker answers for a moment
 * after the creation; servedTopicMetadata waits through it. False when every topic existed.
 */
export async function createServedTopics(admin: KafkaAdmin, topics: NewTopic[]): Promise<boolean> {
  const created = await admin.createTopics({ topics, waitForLeaders: false });
  await servedTopicMetadata(
    admin,
    topics.map((topic) => topic.topic),
  );
  return created;
}
