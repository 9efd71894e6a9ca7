import { Command, InvalidArgumentError } from 'commander';
import { applyConnectors } from '../capture/apply-connectors.js';
import { ConnectRestClient } from '../capture/connect-rest.js';
import { fillPlaceholders, loadConnectorFiles } from '../capture/connector-file.js';
import { ensureSignalTopics } from '../capture/signal-topic.js';
import { projectFiles } from '../project-files.js';
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
    'kafka.bootstrap.servers': `${options.host}:${options.ports.kafka}`,
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
    .option('--connect-url <url>', 'Kafka Connect REST URL (default: the local stack\'s)')
    .option('--set <name=value>', 'a placeholder value, overriding the local stack\'s (repeatable)', collectSetting, {})
    .option('--timeout <seconds>', 'how long to wait for RUNNING', (value) => Number(value), 90)
    .action(async (flags: { dataDir?: string; dir: string; connectUrl?: string; set: Record<string, string>; timeout: number }) => {
      const stack = openStack(flags);
      const values = { ...stackPlaceholderValues(stack.options), ...flags.set };
      const definitions = loadConnectorFiles(flags.dir).map((connector) => fillPlaceholders(connector, values));
      for (const topic of await ensureSignalTopics(definitions)) process.stderr.write(`[connectors] created topic ${topic}\n`);
      const client = new ConnectRestClient(flags.connectUrl ?? stack.component('connect').endpoint());
      const applied = await applyConnectors(client, definitions, {
        timeoutMs: flags.timeout * 1000,
        progress: (line) => process.stderr.write(`[connectors] ${line}\n`),
      });
      for (const connector of applied) {
        process.stdout.write(`${connector.name}: ${connector.action}, RUNNING with ${connector.status.tasks.length} task(s)\n`);
      }
    });
}
