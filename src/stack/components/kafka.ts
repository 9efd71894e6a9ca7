import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { ErpDeltaError } from '../../errors/erp-delta-error.js';
import { startBackgroundProcess } from '../background-process.js';
import { checkJarPrerequisites, ensureJars } from '../jar-cache.js';
import { javaProcessSpec } from '../java-launch.js';
import { findJava } from '../prerequisites.js';
import type { ComponentContext, StackComponent } from '../stack-component.js';

const run = promisify(execFile);

const KAFKA_HEAP_MB = 1024;
/**
 * What Kafka's own start scripts give the broker (kafka-server-start.sh's heap, fixed at its
 * maximum; kafka-run-class.sh's KAFKA_JVM_PERFORMANCE_OPTS). Without them G1 aims at 200 ms pauses
 * and lets the heap start small: over a long session the young generation shrank to 24 MB beside
 * an old one full of garbage, and every transaction round trip slowed (bench/RESULTS.md).
 */
const KAFKA_JVM_OPTIONS = [
  `-Xms${KAFKA_HEAP_MB}m`,
  '-XX:+UseG1GC',
  '-XX:MaxGCPauseMillis=20',
  '-XX:InitiatingHeapOccupancyPercent=35',
  '-XX:+ExplicitGCInvokesConcurrent',
];

/** A single-node Kafka in KRaft mode: one process is broker and controller. */
export function kafkaComponent(context: ComponentContext): StackComponent {
  const { options, layout } = context;
  const dir = layout.componentDir('kafka');
  const logDir = join(dir, 'data');
  const propertiesFile = join(dir, 'server.properties');
  const marker = `kafka@${options.dataDir}`;
  const bootstrap = `${options.host}:${options.ports.kafka}`;
  let classpath = '';
  let java = '';

  return {
    name: 'kafka',
    dependsOn: [],
    ports: [
      { port: options.ports.kafka, flag: '--kafka-port' },
      { port: options.ports.kafkaController, flag: '--kafka-controller-port' },
    ],
    marker,
    startTimeoutMs: 90_000,
    endpoint: () => bootstrap,

    async checkPrerequisites() {
      await findJava(17);
      await checkJarPrerequisites(layout.libDir, ['kafka']);
    },

    async prepare() {
      java = await findJava(17);
      classpath = join(await ensureJars(layout.libDir, 'kafka', context.progress), '*');
      mkdirSync(logDir, { recursive: true });
      writeFileSync(propertiesFile, serverProperties(options.host, options.ports.kafka, options.ports.kafkaController, logDir));
      if (!existsSync(join(logDir, 'meta.properties'))) {
        context.progress('kafka: formatting storage (first start)');
        try {
          await run(java, ['-cp', classpath, 'kafka.tools.StorageTool', 'format', '-t', newClusterId(), '-c', propertiesFile]);
        } catch (error) {
          throw new ErpDeltaError('COMPONENT_START_FAILED', `Kafka storage could not be formatted in ${logDir}: ${(error as Error).message}`, { cause: error });
        }
      }
    },

    async start() {
      startBackgroundProcess(javaProcessSpec({
        java,
        componentDir: dir,
        logFile: layout.logFile('kafka'),
        pidFile: layout.pidFile('kafka'),
        marker,
        heapMb: KAFKA_HEAP_MB,
        jvmOptions: KAFKA_JVM_OPTIONS,
        classpath,
        main: ['kafka.Kafka'],
        args: [propertiesFile],
      }));
    },

    async probe() {
      const kafka = new Kafka({
        clientId: 'erp-delta-stack-probe',
        brokers: [bootstrap],
        logLevel: logLevel.NOTHING,
        connectionTimeout: 1000,
        requestTimeout: 2000,
        retry: { retries: 0 },
      });
      const admin = kafka.admin();
      try {
        await admin.connect();
        const cluster = await admin.describeCluster();
        return cluster.brokers.length > 0 && cluster.controller !== null;
      } catch {
        return false;
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    },
  };
}

/**
 * KRaft wants a base64url-encoded 16-byte UUID. One in 64 of those starts with "-", which the
 * storage tool's argument parser takes for an option ("expected one argument"); Kafka's own
 * Uuid.randomUuid() draws again in that case, and so does this.
 */
export function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function serverProperties(host: string, port: number, controllerPort: number, logDir: string): string {
  return `# Written by erp-delta stack up; edits are overwritten at the next start.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@${host}:${controllerPort}
listeners=PLAINTEXT://${host}:${port},CONTROLLER://${host}:${controllerPort}
advertised.listeners=PLAINTEXT://${host}:${port}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=${logDir}
num.partitions=3
# Topics are created on purpose, with their cleanup policy (CDC and delta topics are compacted).
auto.create.topics.enable=false
# One node: every internal topic has a single replica.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
# The default 3 s delay slows every consumer group join, in tests above all.
group.initial.rebalance.delay.ms=0
`;
}
