import { ErpDeltaError } from '../errors/erp-delta-error.js';
import { TOPIC_CONFIG_RESOURCE, type KafkaAdmin } from '../kafka/kafka-port.js';

/**
 * A refresh replays CDC topics from their start and deletes loaded keys it does not find there.
 * On a topic with delete retention, old segments expire and take live rows with them: the refresh
 * would "reconcile" those rows away. So every CDC topic a refresh reads must be compacted (and
 * must not also delete: `compact,delete` expires segments too).
 * Throws REFRESH_REFUSED naming the topics that are not.
 */
export async function assertCompacted(admin: KafkaAdmin, topics: readonly string[]): Promise<void> {
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: topics.map((name) => ({ type: TOPIC_CONFIG_RESOURCE, name, configNames: ['cleanup.policy'] })),
  });
  const notCompacted = described.resources.flatMap((resource) => {
    const policy = resource.configEntries.find((entry) => entry.configName === 'cleanup.policy')?.configValue ?? 'delete';
    return policy
      .split(',')
      .map((part) => part.trim())
      .join(',') === 'compact'
      ? []
      : [`${resource.resourceName} (cleanup.policy=${policy})`];
  });
  if (notCompacted.length > 0) {
    throw new ErpDeltaError(
      'REFRESH_REFUSED',
      `A refresh needs compacted CDC topics, and these are not: ${notCompacted.join(', ')}. Replaying a topic whose old segments expired would delete live records at the target.`,
      {
        hint: 'Set cleanup.policy=compact on them (kafka-configs --alter --entity-type topics --add-config cleanup.policy=compact), as connectors/erp-postgres.json creates them.',
      },
    );
  }
}
