import { kafkaClients, type KafkaConnection } from '../kafka/kafka-client.js';
import { createServedTopics } from '../kafka/topic-metadata.js';
import type { ConnectorDefinition } from './connector-file.js';

/**
 * Debezium's Kafka signal channel reads one topic that must exist with a single partition (signals
 * are ordered). Its notification sink gets a topic of one partition too, kept a week and not
 * compacted: Connect would otherwise create it with the connector's topic.creation settings
 * (compacted, keyed by the snapshot's id), and compaction would keep only the last notification
 * of each snapshot. The broker does not auto-create topics, so applying a connector creates them.
 *
 * Through `kafka` (the config's `kafka` section, with its TLS and SASL) when given: the connector's
 * own `signal.kafka.bootstrap.servers` may be a listener only Connect can use (the secured local
 * stack's internal one), and the connector's credentials are Connect's, not erp-delta's. Without
 * it, through that bootstrap, in plaintext, as the local stack's connectors reach the broker.
 */
export async function ensureSignalTopics(connectors: ConnectorDefinition[], kafka?: KafkaConnection): Promise<string[]> {
  const created: string[] = [];
  for (const connector of connectors) {
    const bootstrap = connector.config['signal.kafka.bootstrap.servers'];
    const topics = [connector.config['signal.kafka.topic'], connector.config['notification.sink.topic.name']].filter((topic): topic is string => topic !== undefined && topic !== '');
    if (topics.length === 0 || !bootstrap) continue;
    const admin = kafkaClients(kafka ?? { clientId: 'erp-delta-connectors', brokers: bootstrap.split(',') }, undefined).admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      for (const topic of topics.filter((name) => !existing.has(name))) {
        await createServedTopics(admin, [
          {
            topic,
            numPartitions: 1,
            configEntries: [
              { name: 'cleanup.policy', value: 'delete' },
              { name: 'retention.ms', value: String(7 * 24 * 3_600_000) },
            ],
          },
        ]);
        created.push(topic);
      }
    } finally {
      await admin.disconnect();
    }
  }
  return created;
}
