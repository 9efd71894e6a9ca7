/**
 * The secured stack of test/integration/security: a Kafka of its own with TLS and SASL (`stack up
 * --secure --only kafka`), started and stopped by test/run.ts next to the plain test stack. Its
 * tests use the plain stack's registry: what they test is the way to Kafka.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import { kafkajsClient, type KafkaClientTuning, type KafkaConnection } from '../../src/kafka/kafka-client.js';
import { LocalStack } from '../../src/stack/local-stack.js';
import type { StackOptionOverrides } from '../../src/stack/stack-options.js';
import { stackKafkaSecurity, type StackKafkaSecurity } from '../../src/stack/stack-security.js';
import { stackUpFlags } from './test-stack.js';

export const SECURE_TEST_STACK = {
  dataDir: process.env['ERP_DELTA_SECURE_TEST_STACK_DIR'] ?? join(import.meta.dirname, '..', '..', '.erp-delta', 'test-secure-stack'),
  // Only Kafka runs; the others are named so that they clash with nothing of the plain test stack's.
  ports: { kafka: 29092, kafkaController: 29093, kafkaInternal: 29094, kafkaSsl: 29095, connect: 28083, registry: 28081, registryManagement: 28085, postgres: 25433 },
} satisfies StackOptionOverrides;

/** `stack up` flags of the secured test stack (test/run.ts): Kafka alone, with TLS and SASL. */
export const SECURE_STACK_FLAGS: readonly string[] = [...stackUpFlags(SECURE_TEST_STACK), '--secure', '--only', 'kafka'];

export function secureStack(): LocalStack {
  return LocalStack.open({ dataDir: SECURE_TEST_STACK.dataDir });
}

/** Where the secured stack's listeners are and what it made (CA, user, password file, client certificate). */
export function secureStackSecurity(): StackKafkaSecurity {
  const stack = secureStack();
  return stackKafkaSecurity(stack.options, stack.layout);
}

export type SecureWay = 'scram-sha-512' | 'scram-sha-256' | 'plain' | 'mtls';

/**
 * The config's `kafka` section for one way into the secured stack, as a user writes it: the CA
 * and the client certificate by path, the password as `${file:...}`.
 */
export function secureKafkaSection(way: SecureWay, clientId = 'erp-delta-security-test'): KafkaConnection & { ssl: NonNullable<KafkaConnection['ssl']> } {
  const security = secureStackSecurity();
  if (way === 'mtls') {
    return { clientId, brokers: [security.listeners.ssl], ssl: { ca: security.caCert, cert: security.clientCert, key: security.clientKey, rejectUnauthorized: true } };
  }
  return {
    clientId,
    brokers: [security.listeners.saslSsl],
    ssl: { ca: security.caCert, rejectUnauthorized: true },
    sasl: { mechanism: way, username: security.username, password: `\${file:${security.passwordFile}}` },
  };
}

/** A client of the secured stack, through erp-delta's one client factory. */
export function secureKafka(way: SecureWay = 'scram-sha-512', tuning: KafkaClientTuning = {}): Kafka {
  return kafkajsClient(secureKafkaSection(way), undefined, tuning);
}

export function secureStackPassword(): string {
  return readFileSync(secureStackSecurity().passwordFile, 'utf8').trim();
}
