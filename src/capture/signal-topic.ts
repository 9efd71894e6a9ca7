import { Kafka, logLevel } from 'kafkajs';
import type { ConnectorDefinition } from './connector-file.js';

/**
 * Debezium's Kafka signal channel reads one topic that must exist with a single partition (signals
 * are ordered). The broker does not auto-create topics, so applying a connector creates it.
 */
export async function ensureSignalTopics(connectors: ConnectorDefinition[]): Promise<string[]> {
  const created: string[] = [];
  for (const connector of connectors) {
    const topic = connector.config['signal.kafka.topic'];
    const bootstrap = connector.config['signal.kafka.bootstrap.servers'];
    if (!topic || !bootstrap) continue;
    const admin = new Kafka({ clientId: 'erp-delta-connectors', brokers: bootstrap.split(','), logLevel: logLevel.ERROR }).admin();
    await admin.connect();
    try {
      if ((await admin.listTopics()).includes(topic)) continue;
      await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
      created.push(topic);
    } finally {
      await admin.disconnect();
    }
  }
  return created;
}
