import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import pg from 'pg';
import { kafkajsClient } from '../../src/kafka/kafka-client.js';
import { createLogger } from '../../src/logging/logger.js';
import { LocalStack } from '../../src/stack/local-stack.js';
import type { StackOptionOverrides } from '../../src/stack/stack-options.js';

/** The stack the integration tests run against: own data dir and ports, apart from a demo stack. */
export const TEST_STACK = {
  dataDir: process.env['ERP_DELTA_TEST_STACK_DIR'] ?? join(import.meta.dirname, '..', '..', '.erp-delta', 'test-stack'),
  ports: { kafka: 19092, kafkaController: 19093, connect: 18083, registry: 18081, registryManagement: 18085, postgres: 15433 },
} satisfies StackOptionOverrides;

/**
 * `stack up` flags for a test stack: its data dir, and a flag per port, named after it
 * (`kafkaController` is `--kafka-controller-port`).
 */
export function stackUpFlags(stack: { dataDir: string; ports: Readonly<Record<string, number>> }): string[] {
  return ['--data-dir', stack.dataDir, ...Object.entries(stack.ports).flatMap(([name, port]) => [`--${name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}-port`, String(port)])];
}

/** The running test stack (test/run.ts started it; its stack.json knows the ports). */
export function testStack(): LocalStack {
  return LocalStack.open({ dataDir: TEST_STACK.dataDir });
}

/** The CLI flag that points a command at the test stack. */
export const STACK_DIR_FLAG = ['--data-dir', TEST_STACK.dataDir] as const;

export function testKafka(): Kafka {
  return kafkajsClient({ clientId: 'erp-delta-test', brokers: [testStack().component('kafka').endpoint()] }, createLogger('erp-delta-test', 'warn'));
}

/** A client of the ERP database; the caller ends it. */
export async function erpDatabase(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: testStack().component('postgres').endpoint() });
  await client.connect();
  return client;
}
