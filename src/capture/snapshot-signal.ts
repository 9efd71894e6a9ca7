import kafkajs from 'kafkajs';
import type { TrackerConfig } from '../config/tracker-config.js';
import { ErpDeltaError } from '../errors/erp-delta-error.js';
import { connectAdmin, kafkaClient } from '../kafka/kafka-client.js';
import { cliLogger } from '../logging/logger.js';
import { loadConnectorFiles } from './connector-file.js';

// kafkajs is CommonJS: its partitioners are reachable through the default export only.
const { Partitioners } = kafkajs;

/**
 * A deep refresh from the source: asks Debezium, through the Kafka signal channel of the
 * connector that captures each entity's table, for an incremental snapshot of the table. The
 * snapshot's op r events go through the tracker like any other: unchanged rows emit nothing, so
 * what comes out is exactly what differs between the ERP and what was sent.
 *
 * The connector is the one whose `topic.prefix` starts the entity's CDC topic
 * (`<prefix>.<schema>.<table>`); the signal's key is that prefix, as Debezium requires.
 * Returns one line per signal sent.
 */
export async function sendIncrementalSnapshotSignal(config: TrackerConfig, entityNames: readonly string[], connectorsDir: string): Promise<string[]> {
  const names = entityNames.length > 0 ? [...entityNames] : Object.keys(config.entities);
  const connectors = loadConnectorFiles(connectorsDir);
  const signals = names.map((name) => {
    const entity = config.entities[name];
    if (!entity) throw new ErpDeltaError('INVALID_OPTION', `"${name}" is not an entity of the config (${Object.keys(config.entities).join(', ')}).`);
    const connector = connectors.find((candidate) => {
      const prefix = candidate.config['topic.prefix'];
      return prefix !== undefined && entity.topic.startsWith(`${prefix}.`);
    });
    const prefix = connector?.config['topic.prefix'];
    const topic = connector?.config['signal.kafka.topic'];
    if (!connector || prefix === undefined || topic === undefined) {
      throw new ErpDeltaError('INVALID_OPTION', `No connector in ${connectorsDir} captures ${entity.topic} with a Kafka signal channel (signal.kafka.topic).`, {
        hint: 'The connector\'s topic.prefix must start the CDC topic name, and signal.enabled.channels must include kafka.',
      });
    }
    return { name, prefix, topic, dataCollection: entity.topic.slice(prefix.length + 1) };
  });
  const kafka = kafkaClient(config.kafka, cliLogger());
  const admin = await connectAdmin(kafka, config.kafka.brokers);
  await admin.disconnect();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    const lines: string[] = [];
    for (const signal of signals) {
      const value = { type: 'execute-snapshot', data: { 'data-collections': [signal.dataCollection], type: 'INCREMENTAL' } };
      await producer.send({ topic: signal.topic, acks: -1, messages: [{ key: signal.prefix, value: JSON.stringify(value) }] });
      lines.push(`incremental snapshot of ${signal.dataCollection} requested (entity ${signal.name}, signal topic ${signal.topic}); unchanged rows will emit nothing`);
    }
    return lines;
  } finally {
    await producer.disconnect();
  }
}
