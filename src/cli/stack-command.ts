import { type Command, InvalidArgumentError } from 'commander';
import { LocalStack, type StackStatus } from '../stack/local-stack.js';
import type { ComponentName } from '../stack/stack-layout.js';
import { STACK_COMPONENTS, type StackOptionOverrides } from '../stack/stack-options.js';
import type { StackKafkaSecurity } from '../stack/stack-security.js';

interface StackFlags {
  dataDir?: string;
  kafkaPort?: number;
  kafkaControllerPort?: number;
  connectPort?: number;
  registryPort?: number;
  registryManagementPort?: number;
  postgresPort?: number;
  postgresBinDir?: string;
  kafkaInternalPort?: number;
  kafkaSslPort?: number;
  secure?: boolean;
  only?: ComponentName[];
}

export function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new InvalidArgumentError(`"${value}" is not a port number (1-65535).`);
  return port;
}

/** The flags every command that talks to the local stack accepts. */
export function addStackDirOption(command: Command): Command {
  return command.option('--data-dir <dir>', "the local stack's data dir (default: .erp-delta/stack, or $ERP_DELTA_STACK_DIR)");
}

export function openStack(flags: StackFlags, progress?: (line: string) => void): LocalStack {
  const overrides: StackOptionOverrides = {
    dataDir: flags.dataDir ?? process.env['ERP_DELTA_STACK_DIR'],
    ports: {
      kafka: flags.kafkaPort,
      kafkaController: flags.kafkaControllerPort,
      connect: flags.connectPort,
      registry: flags.registryPort,
      registryManagement: flags.registryManagementPort,
      postgres: flags.postgresPort,
      kafkaInternal: flags.kafkaInternalPort,
      kafkaSsl: flags.kafkaSslPort,
    },
    postgresBinDir: flags.postgresBinDir,
    secure: flags.secure,
    components: flags.only,
  };
  return LocalStack.open(overrides, progress);
}

function printProgress(line: string): void {
  process.stderr.write(`[stack] ${line}\n`);
}

function parseComponents(value: string): ComponentName[] {
  const names = value
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const unknown = names.filter((name) => !(STACK_COMPONENTS as readonly string[]).includes(name));
  if (names.length === 0 || unknown.length > 0) throw new InvalidArgumentError(`"${value}" is not a list of components: give some of ${STACK_COMPONENTS.join(', ')}, separated by commas.`);
  return names as ComponentName[];
}

function formatStatus(status: StackStatus): string {
  const lines = Object.entries(status).map(([name, s]) => `${name.padEnd(9)} ${(s.healthy ? 'healthy' : 'DOWN').padEnd(8)} ${s.bootstrap ?? s.url ?? ''}${s.pid === null ? '' : `  (pid ${s.pid})`}`);
  const security = status.kafka?.security;
  return [...lines, ...(security === undefined ? [] : formatSecurity(security))].join('\n');
}

/** What a config needs to use a secured stack's Kafka (docs/security.md has the examples). */
function formatSecurity(security: StackKafkaSecurity): string[] {
  return [
    '',
    `secured Kafka: SASL_SSL at ${security.listeners.saslSsl} (${security.mechanisms.join(', ')}); mutual TLS at ${security.listeners.ssl};`,
    `  plaintext at ${security.listeners.internal} for the stack's own Connect only`,
    `  CA (kafka.ssl.ca)           ${security.caCert}`,
    `  user (kafka.sasl.username)  ${security.username}`,
    `  password                    in ${security.passwordFile} (kafka.sasl.password: "\${file:${security.passwordFile}}")`,
    `  client certificate, key     ${security.clientCert}, ${security.clientKey} (kafka.ssl.cert, kafka.ssl.key; for ${security.listeners.ssl})`,
    `  a kafka: section to paste   ${security.kafkaConfigFile}`,
  ];
}

export function registerStackCommands(program: Command): void {
  const stack = program.command('stack').description('the embedded local stack: Kafka, Kafka Connect with Debezium, schema registry, ERP PostgreSQL');

  addStackDirOption(stack.command('up').description('start every component in the background and wait until all are healthy (idempotent)'))
    .option('--kafka-port <port>', 'Kafka broker port (default 9092)', parsePort)
    .option('--kafka-controller-port <port>', 'KRaft controller port (default 9093)', parsePort)
    .option('--connect-port <port>', 'Kafka Connect REST port (default 8083)', parsePort)
    .option('--registry-port <port>', 'schema registry port (default 8081)', parsePort)
    .option('--registry-management-port <port>', 'schema registry health/metrics port (default 8085)', parsePort)
    .option('--postgres-port <port>', 'ERP PostgreSQL port (default 5433)', parsePort)
    .option('--postgres-bin-dir <dir>', 'directory of initdb/pg_ctl/postgres (default: found automatically)')
    .option(
      '--secure',
      'Kafka with TLS and SASL (SCRAM-SHA-512, SCRAM-SHA-256, PLAIN) and a mutual-TLS listener, with a CA, certificates and a user made in <data-dir>/secure/ (fixed at the first start of a data dir; docs/security.md)',
    )
    .option('--kafka-internal-port <port>', "with --secure: the plaintext listener of the stack's own Connect (default 9094)", parsePort)
    .option('--kafka-ssl-port <port>', 'with --secure: the mutual-TLS listener (default 9095)', parsePort)
    .option('--only <components>', `start only these components, separated by commas (of ${STACK_COMPONENTS.join(', ')}; connect needs kafka); remembered by the data dir`, parseComponents)
    .action(async (flags: StackFlags) => {
      const started = Date.now();
      const stack = openStack(flags, printProgress);
      const status = await stack.up();
      printProgress(`all components healthy (${((Date.now() - started) / 1000).toFixed(1)} s); data in ${stack.options.dataDir}`);
      process.stdout.write(`${formatStatus(status)}\n`);
    });

  addStackDirOption(stack.command('status').description("show each component's endpoint and health; exit code 1 when any is unhealthy"))
    .option('--json', 'print one JSON object')
    .action(async (flags: StackFlags & { json?: boolean }) => {
      const status = await openStack(flags).status();
      process.stdout.write(flags.json ? `${JSON.stringify(status)}\n` : `${formatStatus(status)}\n`);
      if (Object.values(status).some((s) => !s.healthy)) process.exitCode = 1;
    });

  addStackDirOption(stack.command('down').description('stop every component of the stack; its data stays for the next `up`')).action(async (flags: StackFlags) => {
    const stopped = await openStack(flags, printProgress).down();
    printProgress(stopped.length === 0 ? 'nothing was running' : `stopped ${stopped.join(', ')}`);
  });
}
