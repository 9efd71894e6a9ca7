import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { tableRowEstimates } from '../capture/row-estimates.js';
import { assertSignalTopicsExist, sendIncrementalSnapshotSignals, snapshotTargets } from '../capture/snapshot-signal.js';
import type { SnapshotTarget } from '../model/snapshot-target.js';
import { loadConfig } from '../config/load-config.js';
import type { TrackerConfig } from '../config/tracker-config.js';
import { ErpDeltaError } from '../errors/erp-delta-error.js';
import { kafkaClients } from '../kafka/kafka-client.js';
import type { KafkaAdmin } from '../kafka/kafka-port.js';
import { cliLogger } from '../logging/logger.js';
import { projectFiles } from '../project-files.js';
import { RefreshControl } from '../refresh/refresh-control.js';
import { compareBar, describeEntityCompare, refreshStatus, replayProgress, type RefreshStatus } from '../refresh/refresh-status.js';

interface RefreshFlags {
  config?: string;
  entity?: string[];
  wait?: boolean;
  fromSource?: boolean;
  connectors?: string;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * `refresh`: request a full refresh of the consumer group now (the running trackers do it), or
 * with --from-source a Debezium incremental snapshot of the entities' tables. `refresh status`:
 * where the running refresh stands, and the last completed one.
 */
export function registerRefreshCommand(program: Command): void {
  const refresh = program
    .command('refresh')
    .description('start a full refresh now: every live record re-sent (REFRESH), records gone at the source deleted (RECONCILE)')
    .option('--entity <name>', 'refresh only this entity (repeatable; default: all)', collect)
    .option('--wait', 'wait until the refresh has completed, showing its progress')
    .option(
      '--from-source',
      'instead, a full compare with the ERP: Debezium re-reads the tables (incremental snapshot); rows that differ go out (CHANGE), loaded keys the tables no longer hold are deleted (RECONCILE), unchanged rows emit nothing',
    )
    .option('--connectors <dir>', "with --from-source: where the connector files are (default: refresh.connectorsDir of the config, or the package's connectors/)")
    .option('--config <file>', 'tracker config (default: config/erp-delta.yaml of the package)')
    .action(async (flags: RefreshFlags) => {
      const config = loadConfig(flags.config === undefined ? undefined : resolve(flags.config));
      const kind = flags.fromSource ? 'compare' : 'replay';
      const connectorsDir = resolve(flags.connectors ?? config.refresh.connectorsDir ?? projectFiles.connectorsDir);
      const targets = flags.fromSource ? compareTargets(config, flags.entity ?? [], connectorsDir) : [];
      await withControl(config, async (control, admin) => {
        if (kind === 'compare') await assertSignalTopicsExist(admin, targets);
        const request = await control.request(admin, config, { entities: flags.entity ?? [], trigger: 'cli', kind, rowEstimates: () => tableRowEstimates(config, targets, connectorsDir) });
        process.stdout.write(`${kind === 'compare' ? 'full compare' : 'refresh'} ${request.id} requested: ${request.entities.join(', ')}\n`);
        for (const [topic, why] of Object.entries(request.estimatesUnknown ?? {})) {
          process.stderr.write(`warning: no row estimate for ${topic} (${why}): its progress shows the rows compared, without a percentage or ETA\n`);
        }
        if (kind === 'compare') {
          for (const line of await sendIncrementalSnapshotSignals(config, targets, request.id)) process.stdout.write(`${line}\n`);
        }
        if (!flags.wait) return;
        await waitForCompletion(control, request.id);
      });
    });

  refresh
    .command('status')
    .description('where the running refresh stands, per entity, and the last completed one')
    .option('--json', 'print JSON for scripts')
    .option('--config <file>', 'tracker config (default: config/erp-delta.yaml of the package)')
    .action(async (_flags: unknown, command: Command) => {
      // `--config` may be parsed by `refresh` itself, before the subcommand: read both.
      const flags = command.optsWithGlobals<{ config?: string; json?: boolean }>();
      const config = loadConfig(flags.config === undefined ? undefined : resolve(flags.config));
      await withControl(config, async (control) => {
        const status = refreshStatus(control.board, config, Date.now());
        process.stdout.write(flags.json ? `${JSON.stringify(status, null, 2)}\n` : describeStatus(status));
      });
    });
}

/** The entities' connectors, each of which must say when its snapshot is through (its notifications). */
function compareTargets(config: TrackerConfig, entities: readonly string[], connectorsDir: string): SnapshotTarget[] {
  const targets = snapshotTargets(config, entities, connectorsDir);
  const silent = targets.filter((target) => target.notificationTopic === undefined);
  if (silent.length > 0) {
    throw new ErpDeltaError(
      'INVALID_OPTION',
      `The connector of ${silent.map((target) => target.entity).join(', ')} (topic.prefix ${silent[0]?.prefix}) sends no notifications: a full compare cannot tell when its snapshot is through.`,
      {
        hint: 'Set "notification.enabled.channels": "sink" and "notification.sink.topic.name" in its connector file (see connectors/erp-postgres.json), then `erp-delta connectors apply`.',
      },
    );
  }
  return targets;
}

async function withControl(config: TrackerConfig, use: (control: RefreshControl, admin: KafkaAdmin) => Promise<void>): Promise<void> {
  const kafka = kafkaClients(config.kafka, cliLogger());
  const admin = await kafka.connectAdmin();
  try {
    const control = await RefreshControl.open(kafka, admin, config.refresh.topic, config.kafka.groupId);
    try {
      await use(control, admin);
    } finally {
      await control.close();
    }
  } finally {
    await admin.disconnect();
  }
}

/** A progress bar on a terminal, a plain line every few seconds otherwise. */
async function waitForCompletion(control: RefreshControl, id: string): Promise<void> {
  const tty = process.stderr.isTTY === true;
  let lastLineAtMs = 0;
  await control.caughtUp();
  for (;;) {
    const request = control.board.request(id);
    if (!request) throw new ErpDeltaError('REFRESH_REFUSED', `Refresh ${id} is no longer on the refresh topic.`);
    const status = refreshStatus(control.board, undefined, Date.now(), id);
    const totals = status.running?.totals ?? status.last?.totals ?? { replayed: 0, total: 0, emitted: 0, reconciled: 0 };
    const { emitted, reconciled } = totals;
    const compare = request.kind === 'compare';
    // A compare's progress is its snapshot rows compared against the tables' row estimates, then
    // the keys of its window marked and the unseen ones deleted (compareBar).
    const summary = status.running ?? status.last;
    const bar = compare && summary ? compareBar(summary) : undefined;
    const { ratio, text: what } = bar ? { ratio: request.status === 'completed' ? 1 : bar.ratio, text: bar.text } : replayProgress(totals, request.status === 'completed');
    if (tty) {
      const width = 30;
      const filled = Math.round(ratio * width);
      process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(ratio * 100).toFixed(1)}% ${what}   `);
    } else if (Date.now() - lastLineAtMs > 5_000 || request.status === 'completed') {
      lastLineAtMs = Date.now();
      process.stderr.write(`${compare ? 'full compare' : 'refresh'} ${id}: ${(ratio * 100).toFixed(1)}% (${what})\n`);
    }
    if (request.status === 'completed') {
      if (tty) process.stderr.write('\n');
      const seconds = Math.round(((request.completedAtMs ?? Date.now()) - request.requestedAtMs) / 1000);
      process.stdout.write(
        compare
          ? `full compare ${id} completed in ${seconds} s: ${totals.compared ?? 0} rows compared, ${totals.changed ?? 0} that differed sent (CHANGE), ${reconciled} loaded keys the ERP no longer holds deleted (RECONCILE)\n`
          : `refresh ${id} completed in ${seconds} s: ${emitted} deltas\n`,
      );
      return;
    }
    await sleep(500);
  }
}

function describeStatus(status: RefreshStatus): string {
  const lines: string[] = [];
  const describe = (label: string, refresh: NonNullable<RefreshStatus['running']>): void => {
    lines.push(`${label}: ${refresh.id} (${refresh.trigger}), requested ${refresh.requestedAt}${refresh.completedAt ? `, completed ${refresh.completedAt}` : ''}`);
    for (const entity of refresh.entities) {
      const eta = entity.etaSeconds === null ? '' : `, ETA ${entity.etaSeconds} s`;
      lines.push(
        entity.compare
          ? `  ${entity.entity.padEnd(14)} ${describeEntityCompare(entity.compare)}`
          : `  ${entity.entity.padEnd(14)} ${entity.replayed}/${entity.total} replayed, ${entity.emitted} emitted, ${entity.reconciled} reconciled${entity.reconcileChecked === undefined || entity.done ? '' : ` (reconciling: ${entity.reconcileChecked} loaded keys checked)`}, ${entity.recordsPerSecond} records/s${eta}${entity.done ? ', done' : ''}`,
      );
    }
  };
  if (status.running) describe('running', status.running);
  else lines.push('no refresh is running');
  if (status.last) describe('last completed', status.last);
  else lines.push('no refresh has completed yet');
  return `${lines.join('\n')}\n`;
}
