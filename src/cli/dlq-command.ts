import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config/load-config.js';
import { deadLetterEntry, readDeadLetters, type DeadLetterEntry } from '../dead-letters/dead-letter-topic.js';
import { redriveDeadLetters, type RedriveOutcome, type RedriveResult } from '../dead-letters/redrive.js';
import { ErpDeltaError } from '../errors/erp-delta-error.js';
import { kafkaClients } from '../kafka/kafka-client.js';
import { cliLogger } from '../logging/logger.js';
import { parseTarget } from './target-option.js';

/**
 * `dlq list`: the records the tracker could not process and the deltas the target rejected, with
 * where they came from and why. `dlq replay`: re-drives them after a fix (dead-letters/redrive.ts).
 */
export function registerDlqCommand(program: Command): void {
  const dlq = program.command('dlq').description('the dead-letter topic');

  dlq
    .command('list')
    .description('list the dead letters: origin, error code, reason')
    .option('--since <time>', 'only those written at or after this ISO time')
    .option('--json', 'print JSON for scripts')
    .option('--config <file>', 'tracker config (default: config/erp-delta.yaml of the package)')
    .action(async (flags: { config?: string; json?: boolean; since?: string }) => {
      const config = loadConfig(flags.config === undefined ? undefined : resolve(flags.config));
      const sinceMs = flags.since === undefined ? 0 : parseTime(flags.since);
      const entries = (await readDeadLetters(kafkaClients(config.kafka, cliLogger()), config)).filter((letter) => Date.parse(letter.timestamp) >= sinceMs).map(deadLetterEntry);
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ topic: config.dlqTopic, deadLetters: entries }, null, 2)}\n`);
        return;
      }
      if (entries.length === 0) process.stdout.write(`No dead letters in ${config.dlqTopic}${flags.since ? ` since ${flags.since}` : ''}.\n`);
      for (const entry of entries) process.stdout.write(`${describeEntry(entry)}\n    ${entry.reason ?? ''}\n`);
    });

  dlq
    .command('replay')
    .description('re-drive the dead letters after a fix: CDC records back to their topic, rejected deltas to the target')
    .option('--since <time>', 'only those written at or after this ISO time')
    .option('--entity <name>', 'only those of this entity')
    .option('--target <url>', 're-POST the deltas the target rejected to this base URL (without it they are skipped)')
    .option('--dry-run', 'print what would be re-driven, change nothing')
    .option('--json', 'print JSON for scripts')
    .option('--config <file>', 'tracker config (default: config/erp-delta.yaml of the package)')
    .action(async (flags: { config?: string; json?: boolean; since?: string; entity?: string; target?: string; dryRun?: boolean }) => {
      const config = loadConfig(flags.config === undefined ? undefined : resolve(flags.config));
      const sinceMs = flags.since === undefined ? 0 : parseTime(flags.since);
      if (flags.entity !== undefined && !(flags.entity in config.entities)) {
        throw new ErpDeltaError('INVALID_OPTION', `--entity "${flags.entity}" is not an entity of the config (${Object.keys(config.entities).join(', ')}).`);
      }
      const target = flags.target === undefined ? undefined : parseTarget(flags.target);
      const dryRun = flags.dryRun ?? false;
      const results = await redriveDeadLetters(kafkaClients(config.kafka, cliLogger()), config, { sinceMs, entity: flags.entity, target, dryRun });
      const summary = summarize(results);
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ topic: config.dlqTopic, dryRun, results, summary }, null, 2)}\n`);
      } else {
        for (const result of results) process.stdout.write(`${result.outcome.padEnd(13)} ${describeEntry(result.deadLetter)}\n    ${result.detail}\n`);
        process.stdout.write(`${describeSummary(summary, dryRun)}\n`);
      }
      if (summary.failed > 0) process.exitCode = 1;
    });
}

function parseTime(value: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) {
    throw new ErpDeltaError('INVALID_OPTION', `--since "${value}" is not an ISO time such as 2026-11-25T10:00:00Z.`);
  }
  return ms;
}

function describeEntry(entry: DeadLetterEntry): string {
  return `${entry.timestamp}  ${entry.entity ?? '?'}  ${entry.source.topic ?? '?'}[${entry.source.partition ?? '?'}]@${entry.source.offset ?? '?'}  ${entry.errorCode ?? '?'}  key ${entry.key ?? 'null'}`;
}

type Summary = Record<RedriveOutcome, number>;

function summarize(results: readonly RedriveResult[]): Summary {
  const summary: Summary = { redriven: 0, reposted: 0, 'would-redrive': 0, 'would-repost': 0, skipped: 0, failed: 0 };
  for (const { outcome } of results) summary[outcome] += 1;
  return summary;
}

function describeSummary(summary: Summary, dryRun: boolean): string {
  if (dryRun) {
    return `dry run, nothing changed: ${summary['would-redrive']} would be re-driven to their CDC topic, ${summary['would-repost']} re-posted to the target, ${summary.skipped} skipped.`;
  }
  return `${summary.redriven} re-driven to their CDC topic, ${summary.reposted} re-posted to the target, ${summary.skipped} skipped, ${summary.failed} failed.`;
}
