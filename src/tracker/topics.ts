import { setTimeout as sleep } from 'node:timers/promises';
import type { TrackerConfig } from '../config/tracker-config.js';
import { ErpDeltaError } from '../errors/erp-delta-error.js';
import type { KafkaAdmin, NewTopic } from '../kafka/kafka-port.js';
import { createServedTopics, servedTopicMetadata } from '../kafka/topic-metadata.js';
import type { Logger } from '../logging/logger.js';

/** How long start-up waits for Debezium to create a CDC topic (its first snapshot does). */
const CDC_TOPIC_WAIT_MS = 120_000;

/**
 * Creates what the tracker writes to. Delta topics are compacted and have exactly the partitions
 * of their CDC topic: delta partition p is the changelog of task p (DESIGN "Why co-partitioned"),
 * so a delta topic with another partition count is refused rather than used. The assignment topics
 * are compacted too: the latest record of each rep (or customer) is the table.
 * Returns the partition count per CDC topic.
 */
export async function ensureTopics(admin: KafkaAdmin, config: TrackerConfig, logger: Logger): Promise<Map<string, number>> {
  const entities = Object.values(config.entities);
  const partitions = new Map<string, number>();
  for (const entity of entities) partitions.set(entity.topic, await waitForTopic(admin, entity.topic, logger));

  const existing = new Set(await admin.listTopics());
  const toCreate = entities
    .filter((entity) => !existing.has(entity.deltaTopic))
    .map((entity) => ({ topic: entity.deltaTopic, numPartitions: partitions.get(entity.topic) ?? 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }));
  if (!existing.has(config.dlqTopic)) toCreate.push({ topic: config.dlqTopic, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'delete' }] });
  for (const topic of assignmentTopics(config)) if (!existing.has(topic)) toCreate.push(assignmentTopic(topic));
  if (!existing.has(config.sourceEpochTopic)) toCreate.push(assignmentTopic(config.sourceEpochTopic));
  if (toCreate.length > 0) {
    await createServedTopics(admin, toCreate);
    logger.info({ topics: toCreate.map((topic) => topic.topic) }, 'created topics');
  }

  const served = await servedTopicMetadata(admin, [...entities.map((entity) => entity.deltaTopic), config.dlqTopic, config.sourceEpochTopic, ...assignmentTopics(config)]);
  for (const entity of entities) {
    const deltaPartitions = served.find((topic) => topic.name === entity.deltaTopic)?.partitions.length;
    const cdcPartitions = partitions.get(entity.topic);
    if (deltaPartitions !== cdcPartitions) {
      throw new ErpDeltaError(
        'TOPIC_MISMATCH',
        `Delta topic ${entity.deltaTopic} has ${deltaPartitions} partitions but CDC topic ${entity.topic} has ${cdcPartitions}: delta partition p must be the changelog of input partition p.`,
        {
          hint: `Recreate ${entity.deltaTopic} with ${cdcPartitions} partitions (or delete it and let erp-delta create it).`,
        },
      );
    }
  }
  return partitions;
}

async function waitForTopic(admin: KafkaAdmin, topic: string, logger: Logger): Promise<number> {
  const deadline = Date.now() + CDC_TOPIC_WAIT_MS;
  let warned = false;
  for (;;) {
    if ((await admin.listTopics()).includes(topic)) {
      // Listed is not yet served: Connect may have created the topic a moment ago.
      const [metadata] = await servedTopicMetadata(admin, [topic]);
      return metadata?.partitions.length ?? 1;
    }
    if (Date.now() > deadline) {
      throw new ErpDeltaError('TOPIC_MISMATCH', `CDC topic ${topic} does not exist.`, {
        hint: "Apply the Debezium connectors (`npx erp-delta connectors apply`) or check the entity's topic in the config.",
      });
    }
    if (!warned) {
      logger.warn({ topic }, 'waiting for the CDC topic to be created by Debezium');
      warned = true;
    }
    await sleep(1000);
  }
}

/**
 * Creates the assignment topics that do not exist yet (for the CLI's writes: a topic the broker
 * created on its own would not be compacted).
 */
export async function ensureAssignmentTopics(admin: KafkaAdmin, config: Pick<TrackerConfig, 'assignment'>): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const toCreate = assignmentTopics(config)
    .filter((topic) => !existing.has(topic))
    .map(assignmentTopic);
  if (toCreate.length > 0) await createServedTopics(admin, toCreate);
}

/** One partition is plenty: the table is small, and every instance reads all of it anyway. */
export function assignmentTopic(topic: string): NewTopic {
  return { topic, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] };
}

/** The assignment mapping topic and the manual assignment topic, when the config joins assignments. */
export function assignmentTopics(config: Pick<TrackerConfig, 'assignment'>): string[] {
  return config.assignment ? [config.assignment.topic, config.assignment.manualTopic] : [];
}
