import { Kafka, logLevel, type Admin } from 'kafkajs';
import type { TrackerConfig } from '../config/tracker-config.js';
import { ErpDeltaError } from '../errors/erp-delta-error.js';
import type { Logger } from '../logging/logger.js';

/** A kafkajs client for the config's brokers that logs through pino. */
export function kafkaClient(kafka: TrackerConfig['kafka'], logger: Logger): Kafka {
  return new Kafka({
    clientId: kafka.clientId,
    brokers: kafka.brokers,
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
}

/** An admin client, connected; an unreachable cluster is one clear error naming the brokers. */
export async function connectAdmin(kafka: Kafka, brokers: readonly string[]): Promise<Admin> {
  const admin = kafka.admin();
  try {
    await admin.connect();
  } catch (error) {
    throw new ErpDeltaError('KAFKA_UNAVAILABLE', `Kafka at ${brokers.join(', ')} cannot be reached: ${(error as Error).message}`, {
      retriable: true, cause: error, hint: 'Check kafka.brokers in the config, and that the brokers run.',
    });
  }
  return admin;
}
