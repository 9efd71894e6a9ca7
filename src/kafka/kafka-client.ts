import { Kafka, logLevel, type Admin } from 'kafkajs';
import type { TrackerConfig } from '../config/tracker-config.js';
import { ErpDeltaError } from '../errors/erp-delta-error.js';
import type { Logger } from '../logging/logger.js';
import { kafkajsLogSeverity } from './kafkajs-log-severity.js';

/** A kafkajs client for the config's brokers that logs through pino. */
export function kafkaClient(kafka: TrackerConfig['kafka'], logger: Logger): Kafka {
  return new Kafka({
    clientId: kafka.clientId,
    brokers: kafka.brokers,
    logLevel: logLevel.WARN,
    logCreator: () => ({ namespace, level, log }) => {
      const { message, ...extra } = log;
      logger[kafkajsLogSeverity(namespace, level, message, extra)]({ kafkajs: namespace, ...extra }, message);
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
