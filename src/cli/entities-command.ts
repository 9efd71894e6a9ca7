import { readFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { readCdcRecordSample } from '../capture/cdc-topic-sample.js';
import { cdcRecordShape } from '../capture/connect-column-types.js';
import { fillPlaceholders, parseConnectorFile, type ConnectorDefinition } from '../capture/connector-file.js';
import { connectorCapturesTable, connectorModes, messageKeyColumns } from '../capture/connector-modes.js';
import { cdcTopicName, checkTopicName, draftEntity, entityNameFor, parseTableOption, type TableDescription } from '../capture/entity-draft.js';
import { renderEntityDraft } from '../capture/entity-draft-yaml.js';
import { postgresColumnChoice } from '../capture/postgres-column-types.js';
import { connectionFromConnector, connectionFromUrl, readPostgresTable } from '../capture/postgres-table-reader.js';
import { loadConfig } from '../config/load-config.js';
import { CONFIG_DEFAULTS } from '../config/tracker-config.js';
import { ErpDeltaError } from '../errors/erp-delta-error.js';
import { kafkaClients } from '../kafka/kafka-client.js';
import { cliLogger } from '../logging/logger.js';
import { projectFiles } from '../project-files.js';
import { stackPlaceholderValues } from './connectors-command.js';
import { addStackDirOption, openStack } from './stack-command.js';

interface EntitiesInitFlags {
  dataDir?: string;
  table?: string;
  topic?: string;
  name?: string;
  connectorFile: string;
  databaseUrl?: string;
  fromTopic?: boolean;
  brokers?: string;
  config?: string;
  set: Record<string, string>;
}

/** The connector settings that shape the draft; the database.* ones only when the columns come from there. */
const DRAFT_SETTINGS = [
  'topic.prefix',
  'decimal.handling.mode',
  'time.precision.mode',
  'binary.handling.mode',
  'money.fraction.digits',
  'table.include.list',
  'table.exclude.list',
  'schema.include.list',
  'schema.exclude.list',
  'message.key.columns',
] as const;
const DATABASE_SETTINGS = ['database.hostname', 'database.port', 'database.user', 'database.password', 'database.dbname', 'database.sslmode'] as const;

function collectSetting(value: string, previous: Record<string, string>): Record<string, string> {
  const separator = value.indexOf('=');
  if (separator <= 0) throw new InvalidArgumentError(`"${value}" is not of the form name=value.`);
  return { ...previous, [value.slice(0, separator)]: value.slice(separator + 1) };
}

/**
 * `entities init`: prints the entity config a table calls for, drafted from its real columns
 * (capture/entity-draft.ts decides, this wires the reading and the printing). The columns come
 * from the ERP database the connector file captures, from --database-url, or with --from-topic
 * from the schema part of a record on the table's CDC topic.
 */
export function registerEntitiesCommands(program: Command): void {
  const entities = program.command('entities').description('entity configs of the tracker');
  addStackDirOption(entities.command('init').description("print an entity config (YAML for the config's `entities:` block) drafted from a table's columns"))
    .option('--table <schema.table>', 'the ERP table, for example public.customers')
    .option('--topic <topic>', 'its CDC topic (default: <topic.prefix of the connector file>.<schema>.<table>)')
    .option('--name <entity>', 'the entity name (default: the table name, lowercased)')
    .option('--connector-file <file>', 'the Debezium connector file that captures the table', join(projectFiles.connectorsDir, 'erp-postgres.json'))
    .option('--database-url <url>', "read the columns from this database (postgres://user:password@host:port/database) instead of the connector file's")
    .option('--from-topic', 'read the columns from the schema of a record on the CDC topic (JsonConverter with schemas.enable=true)')
    .option('--brokers <host:port,...>', "with --from-topic: the Kafka brokers (default: the --config's, else the local stack's)")
    .option('--config <file>', 'with --from-topic: connect to Kafka as this tracker config does (its brokers, TLS and SASL)')
    .option('--set <name=value>', "a placeholder value of the connector file, overriding the local stack's (repeatable)", collectSetting, {})
    .action(async (flags: EntitiesInitFlags) => {
      if (flags.fromTopic && flags.databaseUrl !== undefined) {
        throw new ErpDeltaError('INVALID_OPTION', '--from-topic and --database-url are two sources of the columns: give one.');
      }
      const requested = flags.table === undefined ? undefined : parseTableOption(flags.table);
      if (requested === undefined && !(flags.fromTopic && flags.topic !== undefined)) {
        throw new ErpDeltaError('INVALID_OPTION', '--table schema.table is required (only --from-topic with --topic can do without it: the records name their table).');
      }
      const stackValues = stackPlaceholderValues(openStack(flags).options);
      const connectorFile = readConnectorFile(resolve(flags.connectorFile));
      const fromDatabase = !flags.fromTopic && flags.databaseUrl === undefined;
      const context: DraftContext = {
        flags,
        stackValues,
        fileLabel: displayPath(connectorFile.file),
        settings: filledSettings(connectorFile, [...DRAFT_SETTINGS, ...(fromDatabase ? DATABASE_SETTINGS : [])], { ...stackValues, ...flags.set }),
      };
      const { description, topic, header } = flags.fromTopic || requested === undefined ? await describeFromTopic(context, requested) : await describeFromDatabase(context, requested);

      const qualified = `${description.schema}.${description.table}`;
      const { fileLabel, settings } = context;
      header.unshift(`${qualified} as an erp-delta entity, drafted by \`erp-delta entities init\`: paste it under \`entities:\` in the tracker config and read the comments on its fields.`);
      header.push(flags.topic === undefined ? `Topic: Debezium's <topic.prefix>.<schema>.<table>, topic.prefix "${settings['topic.prefix'] ?? ''}" of ${fileLabel}.` : 'Topic: as given by --topic.');
      if (!connectorCapturesTable(settings, description.schema, description.table)) {
        header.push(`Check: ${fileLabel} does not capture ${qualified} (table.include.list / table.exclude.list): add it there, or its CDC topic gets no records.`);
      }
      const draft = draftEntity(description, { entityName: entityNameFor(description.table, flags.name), topic, header });
      process.stdout.write(renderEntityDraft(draft));
    });
}

interface DraftContext {
  flags: EntitiesInitFlags;
  stackValues: Readonly<Record<string, string>>;
  /** The connector file's path as the user would type it. */
  fileLabel: string;
  /** The connector file's settings the draft reads, placeholders filled. */
  settings: Readonly<Record<string, string>>;
}

interface TableSource {
  description: TableDescription;
  topic: string;
  /** Where the columns came from and what to check, for the draft's header. */
  header: string[];
}

function topicOf(context: DraftContext, schema: string, table: string): string {
  if (context.flags.topic !== undefined) return checkTopicName(context.flags.topic);
  const prefix = context.settings['topic.prefix'];
  if (prefix === undefined) {
    throw new ErpDeltaError('CONNECTOR_FILE_INVALID', `${context.fileLabel} has no "topic.prefix", so the CDC topic's name is unknown.`, { hint: 'Pass --topic.' });
  }
  return cdcTopicName(prefix, schema, table);
}

async function describeFromDatabase(context: DraftContext, { schema, table }: { schema: string; table: string }): Promise<TableSource> {
  const { flags, fileLabel, settings } = context;
  const topic = topicOf(context, schema, table);
  const connection = flags.databaseUrl === undefined ? connectionFromConnector(settings, fileLabel) : connectionFromUrl(flags.databaseUrl);
  const modes = connectorModes(settings);
  const read = await readPostgresTable(connection, schema, table);
  const keyColumns = messageKeyColumns(settings, schema, table);
  const header = [
    `Columns: from PostgreSQL ${connection.label}${flags.databaseUrl === undefined ? ` (the connection of ${fileLabel})` : ''}; key: ${keyColumns === undefined ? "the table's primary key" : `message.key.columns of ${fileLabel}`}.`,
    `Parameters follow ${fileLabel}: decimal.handling.mode=${modes.decimalHandling}, time.precision.mode=${modes.timePrecision}, binary.handling.mode=${modes.binaryHandling}.`,
  ];
  if (modes.unknown.length > 0) header.push(`Check: ${fileLabel} sets ${modes.unknown.join(', ')}, which entities init does not know; Debezium's default was assumed.`);
  return {
    description: {
      schema,
      table,
      columns: read.columns.map((column) => ({ name: column.name, choice: postgresColumnChoice(column, modes) })),
      keyColumns: keyColumns ?? read.primaryKey,
    },
    topic,
    header,
  };
}

async function describeFromTopic(context: DraftContext, requested: { schema: string; table: string } | undefined): Promise<TableSource> {
  const { flags, stackValues } = context;
  const topic = requested === undefined ? checkTopicName(flags.topic ?? '') : topicOf(context, requested.schema, requested.table);
  const configured = flags.config === undefined ? undefined : loadConfig(resolve(flags.config)).kafka;
  const brokers =
    flags.brokers === undefined && configured !== undefined
      ? configured.brokers
      : (flags.brokers ?? stackValues['kafka.bootstrap.servers'] ?? '')
          .split(',')
          .map((broker) => broker.trim())
          .filter((broker) => broker !== '');
  const kafka = kafkaClients({ clientId: CONFIG_DEFAULTS.clientId, ...configured, brokers }, cliLogger());
  const sample = await readCdcRecordSample(kafka, topic);
  const shape = cdcRecordShape(topic, sample.key, sample.value);
  const schema = requested?.schema ?? shape.schema;
  const table = requested?.table ?? shape.table;
  if (schema === undefined || table === undefined) {
    throw new ErpDeltaError('INVALID_OPTION', `The records of ${topic} do not name their table (no source.schema and source.table): pass --table.`);
  }
  return {
    description: { schema, table, columns: shape.columns, keyColumns: shape.keyColumns },
    topic,
    header: [`Columns: from the schema of a record on CDC topic ${topic} (Kafka at ${brokers.join(', ')}); key: from the record's key.`, ...shape.notes],
  };
}

function readConnectorFile(path: string): ConnectorDefinition {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ErpDeltaError('CONNECTOR_FILE_INVALID', `Cannot read the connector file ${displayPath(path)}: ${(error as Error).message}`, { cause: error });
  }
  return parseConnectorFile(path, text);
}

/**
 * The settings the draft reads, placeholders filled. Only these: a placeholder elsewhere in the
 * file (a signal channel's brokers) has nothing to do with the table's columns.
 */
function filledSettings(connector: ConnectorDefinition, keys: readonly string[], values: Readonly<Record<string, string>>): Record<string, string> {
  const wanted = Object.fromEntries(Object.entries(connector.config).filter(([key]) => keys.includes(key)));
  return fillPlaceholders({ ...connector, file: displayPath(connector.file), config: wanted }, values).config;
}

/** The path as the user would type it: relative to the working directory when inside it. */
function displayPath(path: string): string {
  const fromCwd = relative(process.cwd(), path);
  return fromCwd !== '' && !fromCwd.startsWith('..') && !isAbsolute(fromCwd) ? fromCwd : path;
}
