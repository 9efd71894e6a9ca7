import type { KafkaAdmin } from '../kafka/kafka-port.js';

/**
 * How far a consumer group is behind on each topic: per partition, the end offset minus the
 * group's committed offset (from the start of the partition when it committed none), added up.
 * The same count the refresh's loader-lag pause reads for its group (refresh/refresh-throttle.ts),
 * so the loader's page and metrics show the number the refresh acts on.
 *
 * The delta topics are written in transactions, whose commit markers take an offset each; the
 * loader commits past a marker that ends what it read (loader.ts), so a loader that caught up
 * shows 0, not one per partition.
 */
export async function groupLagByTopic(admin: KafkaAdmin, groupId: string, topics: readonly string[]): Promise<Record<string, number>> {
  const committed = await admin.fetchOffsets({ groupId, topics: [...topics] });
  const lags: Record<string, number> = {};
  for (const { topic, partitions } of committed) {
    let lag = 0;
    for (const { partition, high, low } of await admin.fetchTopicOffsets(topic)) {
      const offset = Number(partitions.find((entry) => entry.partition === partition)?.offset ?? -1);
      lag += Math.max(0, Number(high) - (offset < 0 ? Number(low) : offset));
    }
    lags[topic] = lag;
  }
  return lags;
}
