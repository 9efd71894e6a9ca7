import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ErpDeltaError } from '../../errors/erp-delta-error.js';
import { kafkaClients, type KafkaConnection } from '../../kafka/kafka-client.js';
import type { KafkaAdmin } from '../../kafka/kafka-port.js';
import { startBackgroundProcess } from '../background-process.js';
import { checkJarPrerequisites, ensureJars } from '../jar-cache.js';
import { javaProcessSpec } from '../java-launch.js';
import { findJava } from '../prerequisites.js';
import type { ComponentContext, StackComponent } from '../stack-component.js';
import { ensureStackSecurity, kafkaScramArguments, secureServerProperties, stackKafkaPassword, stackSecurityFiles, STACK_KAFKA_USER } from '../stack-security.js';

const run = promisify(execFile);

const KAFKA_HEAP_MB = 1024;
/**
 * What Kafka's own start scripts give the broker (kafka-server-start.sh's heap, fixed at its
 * maximum; kafka-run-class.sh's KAFKA_JVM_PERFORMANCE_OPTS). Without them G1 aims at 200 ms pauses
 * and lets the heap start small: over a long session the young generation shrank to 24 MB beside
 * an old one full of garbage, and every transaction round trip slowed (bench/HISTORY.md).
 */
const KAFKA_JVM_OPTIONS = [`-Xms${KAFKA_HEAP_MB}m`, '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-XX:InitiatingHeapOccupancyPercent=35', '-XX:+ExplicitGCInvokesConcurrent'];

/** A single-node Kafka in KRaft mode: one process is broker and controller. */
export function kafkaComponent(context: ComponentContext): StackComponent {
  const { options, layout } = context;
  const dir = layout.componentDir('kafka');
  const logDir = join(dir, 'data');
  const propertiesFile = join(dir, 'server.properties');
  const marker = `kafka@${options.dataDir}`;
  const bootstrap = `${options.host}:${options.ports.kafka}`;
  /** Written once the storage was formatted with the SCRAM users of a secured stack. */
  const scramMarker = join(logDir, 'erp-delta-scram-users');
  let classpath = '';
  let java = '';

  return {
    name: 'kafka',
    dependsOn: [],
    ports: [
      { port: options.ports.kafka, flag: '--kafka-port' },
      { port: options.ports.kafkaController, flag: '--kafka-controller-port' },
      ...(options.secure
        ? [
            { port: options.ports.kafkaInternal, flag: '--kafka-internal-port' },
            { port: options.ports.kafkaSsl, flag: '--kafka-ssl-port' },
          ]
        : []),
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
      const formatted = existsSync(join(logDir, 'meta.properties'));
      let scram: string[] = [];
      if (options.secure) {
        const files = await ensureStackSecurity(options, layout, context.progress);
        // The SCRAM users are made only when the storage is formatted: a plain stack's storage has none.
        if (formatted && !existsSync(scramMarker)) {
          throw new ErpDeltaError('INVALID_OPTION', `The stack in ${options.dataDir} was first started without --secure: its Kafka storage holds no SCRAM users.`, {
            hint: "Start the secured stack in a data dir of its own (--data-dir), or remove this one's kafka/ directory to start its Kafka afresh.",
          });
        }
        const password = stackKafkaPassword(layout);
        writeFileSync(propertiesFile, serverProperties(options.host, options.ports.kafka, options.ports.kafkaController, logDir, secureServerProperties(options, files, password)), { mode: 0o600 });
        chmodSync(propertiesFile, 0o600);
        scram = kafkaScramArguments(password);
      } else {
        writeFileSync(propertiesFile, serverProperties(options.host, options.ports.kafka, options.ports.kafkaController, logDir));
      }
      if (!formatted) {
        context.progress(`kafka: formatting storage (first start${options.secure ? `, with the SCRAM user ${STACK_KAFKA_USER}` : ''})`);
        try {
          await run(java, ['-cp', classpath, 'kafka.tools.StorageTool', 'format', '-t', newClusterId(), '-c', propertiesFile, ...scram]);
          if (options.secure) writeFileSync(scramMarker, `${STACK_KAFKA_USER}\n`);
        } catch (error) {
          throw new ErpDeltaError('COMPONENT_START_FAILED', `Kafka storage could not be formatted in ${logDir}: ${(error as Error).message}`, { cause: error });
        }
      }
    },

    async start() {
      startBackgroundProcess(
        javaProcessSpec({
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
        }),
      );
    },

    async probe() {
      let admin: KafkaAdmin | undefined;
      try {
        // The secured stack is probed through its SASL_SSL listener, as erp-delta will connect.
        admin = kafkaClients(probeConnection(), undefined, { connectionTimeoutMs: 1000, requestTimeoutMs: 2000, retries: 0 }).admin();
        await admin.connect();
        const cluster = await admin.describeCluster();
        return cluster.brokers.length > 0 && cluster.controller !== null;
      } catch {
        return false;
      } finally {
        await admin?.disconnect().catch(() => undefined);
      }
    },
  };

  function probeConnection(): KafkaConnection {
    const connection = { clientId: 'erp-delta-stack-probe', brokers: [bootstrap] };
    if (!options.secure) return connection;
    const files = stackSecurityFiles(layout);
    return { ...connection, ssl: { ca: files.caCert, rejectUnauthorized: true }, sasl: { mechanism: 'scram-sha-512', username: STACK_KAFKA_USER, password: stackKafkaPassword(layout) } };
  }
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

/** server.properties; `listenerSection` replaces the plaintext listeners (a secured stack's). */
function serverProperties(host: string, port: number, controllerPort: number, logDir: string, listenerSection?: string): string {
  return `# Written by erp-delta stack up; edits are overwritten at the next start.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@${host}:${controllerPort}
${
  listenerSection
  ?? `listeners=PLAINTEXT://${host}:${port},CONTROLLER://${host}:${controllerPort}
advertised.listeners=PLAINTEXT://${host}:${port}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
`
}log.dirs=${logDir}
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
