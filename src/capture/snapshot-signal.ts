import type { TrackerConfig } from '../config/tracker-config.js';
import { ErpDeltaError } from '../errors/erp-delta-error.js';
import { kafkaClients } from '../kafka/kafka-client.js';
import type { KafkaAdmin } from '../kafka/kafka-port.js';
import { cliLogger } from '../logging/logger.js';
import { loadConnectorFiles } from './connector-file.js';
import type { SnapshotTarget } from '../model/snapshot-target.js';

/**
 * The connector of each entity: the one whose `topic.prefix` starts the entity's CDC topic, with a
 * Kafka signal channel. Throws INVALID_OPTION naming an entity no connector file can snapshot.
 */
export function snapshotTargets(config: TrackerConfig, entityNames: readonly string[], connectorsDir: string): SnapshotTarget[] {
  const names = entityNames.length > 0 ? [...entityNames] : Object.keys(config.entities);
  const { found, missing } = findSnapshotTargets(config, names, connectorsDir);
  const [first] = missing;
  if (first !== undefined) {
    throw new ErpDeltaError('INVALID_OPTION', `No connector in ${connectorsDir} captures ${config.entities[first]?.topic ?? first} with a Kafka signal channel (signal.kafka.topic).`, {
      hint: "The connector's topic.prefix must start the CDC topic name, and signal.enabled.channels must include kafka.",
    });
  }
  return found;
}

/** The snapshot targets of the entities that have one, and the entities that have none. */
export function findSnapshotTargets(config: TrackerConfig, entityNames: readonly string[], connectorsDir: string): { found: SnapshotTarget[]; missing: string[] } {
  const connectors = loadConnectorFiles(connectorsDir);
  const found: SnapshotTarget[] = [];
  const missing: string[] = [];
  for (const name of entityNames) {
    const entity = config.entities[name];
    if (!entity) throw new ErpDeltaError('INVALID_OPTION', `"${name}" is not an entity of the config (${Object.keys(config.entities).join(', ')}).`);
    const connector = connectors.find((candidate) => {
      const prefix = candidate.config['topic.prefix'];
      return prefix !== undefined && entity.topic.startsWith(`${prefix}.`);
    });
    const prefix = connector?.config['topic.prefix'];
    const signalTopic = connector?.config['signal.kafka.topic'];
    if (!connector || prefix === undefined || signalTopic === undefined) {
      missing.push(name);
      continue;
    }
    const notifies = (connector.config['notification.enabled.channels'] ?? '')
      .split(',')
      .map((channel) => channel.trim())
      .includes('sink');
    found.push({
      entity: name,
      topic: entity.topic,
      dataCollection: entity.topic.slice(prefix.length + 1),
      connector: connector.name,
      prefix,
      signalTopic,
      notificationTopic: notifies ? connector.config['notification.sink.topic.name'] : undefined,
    });
  }
  return { found, missing };
}

/**
 * The broker does not create topics on first use, and a signal sent to a topic that is missing
 * fails deep in the Kafka client: say which topic, and that applying the connectors creates it
 * (capture/signal-topic.ts). Both places that request a full compare (the CLI and the schedule)
 * check this before the request, so that a compare whose snapshot can never start is not left
 * running, refusing every refresh after it; the signal itself is sent after the request.
 */
export async function assertSignalTopicsExist(admin: Pick<KafkaAdmin, 'listTopics'>, targets: readonly SnapshotTarget[]): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = targets.filter((target) => !existing.has(target.signalTopic));
  const [first] = missing;
  if (first === undefined) return;
  throw new ErpDeltaError(
    'PREREQUISITE_MISSING',
    `The signal topic ${first.signalTopic} of connector ${first.connector} (entity ${missing.map((target) => target.entity).join(', ')}) does not exist: Debezium cannot be asked for the snapshot a full compare needs.`,
    { hint: '`erp-delta connectors apply` creates the signal and notification topics of the connector files it applies (or create it with one partition yourself).' },
  );
}

/**
 * Asks Debezium, through the Kafka signal channel of each connector, for an incremental snapshot
 * of the targets' tables: one signal per connector, with `id` when given (a full compare's id,
 * which Debezium's notifications about the snapshot then carry). The snapshot's op r events go
 * through the tracker like any other: unchanged rows emit nothing. Returns one line per signal.
 */
export async function sendIncrementalSnapshotSignals(config: TrackerConfig, targets: readonly SnapshotTarget[], id?: string): Promise<string[]> {
  const signals = new Map<string, { prefix: string; topic: string; dataCollections: string[]; entities: string[] }>();
  for (const target of targets) {
    const signal = signals.get(target.prefix) ?? { prefix: target.prefix, topic: target.signalTopic, dataCollections: [], entities: [] };
    signal.dataCollections.push(target.dataCollection);
    signal.entities.push(target.entity);
    signals.set(target.prefix, signal);
  }
  // No admin client of its own: its callers reached Kafka with theirs just before, checking the signal topics.
  const kafka = kafkaClients(config.kafka, cliLogger());
  const producer = kafka.producer();
  await producer.connect();
  try {
    const lines: string[] = [];
    for (const signal of signals.values()) {
      const value = { ...(id === undefined ? {} : { id }), type: 'execute-snapshot', data: { 'data-collections': signal.dataCollections, type: 'INCREMENTAL' } };
      await producer.send({ topic: signal.topic, acks: -1, messages: [{ key: signal.prefix, value: JSON.stringify(value) }] });
      lines.push(`incremental snapshot of ${signal.dataCollections.join(', ')} requested (entities ${signal.entities.join(', ')}, signal topic ${signal.topic})`);
    }
    return lines;
  } finally {
    await producer.disconnect();
  }
}
