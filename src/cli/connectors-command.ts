import { resolve } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { applyConnectors } from '../capture/apply-connectors.js';
import { ConnectRestClient } from '../capture/connect-rest.js';
import { fillPlaceholders, loadConnectorFiles } from '../capture/connector-file.js';
import { ensureSignalTopics } from '../capture/signal-topic.js';
import { loadConfig } from '../config/load-config.js';
import { resolveSecretReference } from '../config/secret-reference.js';
import { projectFiles } from '../project-files.js';
import { kafkaBootstrapForStack } from '../stack/stack-security.js';
import type { StackOptions } from '../stack/stack-options.js';
import { addStackDirOption, openStack } from './stack-command.js';

/** The values connector files may refer to as `${name}`, taken from the local stack's options. */
export function stackPlaceholderValues(options: StackOptions): Record<string, string> {
  return {
    'postgres.host': options.host,
    'postgres.port': String(options.ports.postgres),
    'postgres.user': options.postgres.user,
    'postgres.database': options.postgres.database,
    // The stack's cluster trusts local connections (it listens on the host's loopback only).
    'postgres.password': '',
    // A secured stack's Connect reaches Kafka through its internal plaintext listener (stack-security.ts).
    'kafka.bootstrap.servers': kafkaBootstrapForStack(options),
  };
}

function collectSetting(value: string, previous: Record<string, string>): Record<string, string> {
  const separator = value.indexOf('=');
  if (separator <= 0) throw new InvalidArgumentError(`"${value}" is not of the form name=value.`);
  return { ...previous, [value.slice(0, separator)]: value.slice(separator + 1) };
}

export function registerConnectorsCommands(program: Command): void {
  const connectors = program.command('connectors').description('the Debezium connectors of connectors/*.json');

  addStackDirOption(connectors.command('apply').description('create or update every connector in Kafka Connect and wait until it runs'))
    .option('--dir <dir>', 'where the connector files are', projectFiles.connectorsDir)
    .option('--connect-url <url>', "Kafka Connect REST URL (default: the local stack's)")
    .option('--set <name=value>', "a placeholder value, overriding the local stack's (repeatable)", collectSetting, {})
    .option('--timeout <seconds>', 'how long to wait for RUNNING', (value) => Number(value), 90)
    .option('--restart', 'restart each connector that exists already, with its tasks, even if its config did not change (a table back into a filtered publication)')
    .option('--config <file>', 'reach Kafka Connect as capture.connect of this tracker config says (URL, basic auth, CA), and create the signal topics through its kafka section (TLS, SASL)')
    .action(async (flags: { dataDir?: string; dir: string; connectUrl?: string; set: Record<string, string>; timeout: number; restart?: boolean; config?: string }) => {
      const stack = openStack(flags);
      const config = flags.config === undefined ? undefined : loadConfig(resolve(flags.config));
      const values = { ...stackPlaceholderValues(stack.options), ...flags.set };
      const definitions = loadConnectorFiles(flags.dir).map((connector) => fillPlaceholders(connector, values));
      for (const topic of await ensureSignalTopics(definitions, config?.kafka)) process.stderr.write(`[connectors] created topic ${topic}\n`);
      const connect = config?.capture?.connect;
      const client = new ConnectRestClient(flags.connectUrl ?? connect?.url.replace(/\/+$/, '') ?? stack.component('connect').endpoint(), {
        auth:
          connect?.user === undefined || connect.password === undefined
            ? undefined
            : {
                user: resolveSecretReference(connect.user, 'capture.connect.user'),
                password: resolveSecretReference(connect.password, 'capture.connect.password'),
              },
        tls: connect?.tls,
      });
      const applied = await applyConnectors(client, definitions, {
        timeoutMs: flags.timeout * 1000,
        restart: flags.restart === true,
        progress: (line) => process.stderr.write(`[connectors] ${line}\n`),
      });
      for (const connector of applied) {
        process.stdout.write(`${connector.name}: ${connector.action}, RUNNING with ${connector.status.tasks.length} task(s)\n`);
      }
    });
}
