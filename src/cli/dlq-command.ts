import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { IHeaders } from 'kafkajs';
import { loadConfig } from '../config/load-config.js';
import { ErpDeltaError } from '../errors/erp-delta-error.js';
import { connectAdmin, kafkaClient } from '../kafka/kafka-client.js';
import { PartitionReader } from '../kafka/partition-reader.js';
import { cliLogger } from '../logging/logger.js';
import { DEAD_LETTER_HEADERS } from '../tracker/dead-letter.js';

/** One dead letter as `dlq list` shows it. */
export interface DeadLetterEntry {
  partition: number;
  offset: string;
  timestamp: string;
  entity: string | undefined;
  source: { topic: string | undefined; partition: number | undefined; offset: number | undefined };
  errorCode: string | undefined;
  reason: string | undefined;
  /** The original key, as text (it may not be text: then its bytes in base64). */
  key: string | null;
}

/**
 * `dlq list`: the records the tracker could not process, with where they came from and why, read
 * from the dead-letter topic (the records themselves are kept there untouched for a re-drive).
 */
export function registerDlqCommand(program: Command): void {
  program.command('dlq')
    .description('the dead-letter topic')
    .command('list')
    .description('list the dead letters: origin, error code, reason')
    .option('--since <time>', 'only those written at or after this ISO time')
    .option('--json', 'print JSON for scripts')
    .option('--config <file>', 'tracker config (default: config/erp-delta.yaml of the package)')
    .action(async (flags: { config?: string; json?: boolean; since?: string }) => {
      const config = loadConfig(flags.config === undefined ? undefined : resolve(flags.config));
      const sinceMs = flags.since === undefined ? 0 : parseTime(flags.since);
      const entries = (await readDeadLetters(config)).filter((entry) => Date.parse(entry.timestamp) >= sinceMs);
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ topic: config.dlqTopic, deadLetters: entries }, null, 2)}\n`);
        return;
      }
      if (entries.length === 0) process.stdout.write(`No dead letters in ${config.dlqTopic}${flags.since ? ` since ${flags.since}` : ''}.\n`);
      for (const entry of entries) {
        process.stdout.write(`${entry.timestamp}  ${entry.entity ?? '?'}  ${entry.source.topic ?? '?'}[${entry.source.partition ?? '?'}]@${entry.source.offset ?? '?'}  ${entry.errorCode ?? '?'}  key ${entry.key ?? 'null'}\n    ${entry.reason ?? ''}\n`);
      }
    });
}

function parseTime(value: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) {
    throw new ErpDeltaError('INVALID_OPTION', `--since "${value}" is not an ISO time such as 2026-11-25T10:00:00Z.`);
  }
  return ms;
}

async function readDeadLetters(config: ReturnType<typeof loadConfig>): Promise<DeadLetterEntry[]> {
  const kafka = kafkaClient(config.kafka, cliLogger());
  const admin = await connectAdmin(kafka, config.kafka.brokers);
  let partitions: number[];
  try {
    partitions = (await admin.listTopics()).includes(config.dlqTopic) ? (await admin.fetchTopicOffsets(config.dlqTopic)).map(({ partition }) => partition) : [];
  } finally {
    await admin.disconnect();
  }
  if (partitions.length === 0) return [];
  const entries: DeadLetterEntry[] = [];
  const reader = await PartitionReader.start(kafka, {
    groupPrefix: 'erp-delta-dlq-list',
    partitions: partitions.map((partition) => ({ topic: config.dlqTopic, partition })),
    onBatch: async ({ partition, messages }) => {
      for (const message of messages) {
        const header = (name: string): string | undefined => headerText(message.headers, name);
        const number = (name: string): number | undefined => (header(name) === undefined ? undefined : Number(header(name)));
        entries.push({
          partition, offset: message.offset, timestamp: new Date(Number(message.timestamp)).toISOString(),
          entity: header(DEAD_LETTER_HEADERS.entity),
          source: { topic: header(DEAD_LETTER_HEADERS.topic), partition: number(DEAD_LETTER_HEADERS.partition), offset: number(DEAD_LETTER_HEADERS.offset) },
          errorCode: header(DEAD_LETTER_HEADERS.errorCode),
          reason: header(DEAD_LETTER_HEADERS.reason),
          key: message.key === null ? null : printable(message.key),
        });
      }
    },
  });
  try {
    await reader.caughtUp();
  } finally {
    await reader.stop();
  }
  return entries.sort((a, b) => a.timestamp.localeCompare(b.timestamp));
}

function headerText(headers: IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}

function printable(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  return /^[\x20-\x7e\u00a0-\uffff]*$/.test(text) && !text.includes('\ufffd') ? text : `base64:${bytes.toString('base64')}`;
}
