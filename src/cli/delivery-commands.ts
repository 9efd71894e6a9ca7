import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { parsePort } from './port-option.js';
import { parseTarget } from './target-option.js';
import { AdminServer } from '../admin/admin-server.js';
import { loadConfig } from '../config/load-config.js';
import type { TrackerConfig } from '../config/tracker-config.js';
import { redriveDeadLetters } from '../dead-letters/redrive.js';
import { ErpDeltaError } from '../errors/erp-delta-error.js';
import { Loader } from '../delivery/loader.js';
import { TargetServer } from '../delivery/target-server.js';
import { kafkaClients } from '../kafka/kafka-client.js';
import { createLogger, type Logger } from '../logging/logger.js';
import { DeadLetterCounts } from '../status/dead-letter-counts.js';
import { LoaderStatusPage, type ResendResult } from '../status/loader-status-page.js';

function untilSignal(): Promise<string> {
  return new Promise((requested) => {
    process.once('SIGTERM', () => requested('SIGTERM'));
    process.once('SIGINT', () => requested('SIGINT'));
  });
}

/**
 * `deliver`: the loader, from the delta topics to the target over HTTP. `target`: a small target
 * that records what it receives (for tests, the demo, and trying erp-delta out).
 */
export function registerDeliveryCommands(program: Command): void {
  program
    .command('deliver')
    .description('deliver the deltas to the target over HTTP, until SIGTERM or SIGINT')
    .option('--target <url>', "the target's base URL (default: delivery.target of the config)")
    .option('--replay-from <time>', 're-send from "earliest" (the latest version of every record) or an ISO time, then carry on live')
    .option('--admin-port <port>', "port of the loader's status page (/), /healthz, /readyz and /metrics (default: admin.port of the config; 0: any free port)", parsePort)
    .option('--config <file>', 'tracker config (default: config/erp-delta.yaml of the package)')
    .action(async (flags: { target?: string; replayFrom?: string; adminPort?: number; config?: string }) => {
      const config = loadConfig(flags.config === undefined ? undefined : resolve(flags.config));
      const target = flags.target ?? config.delivery.target;
      if (target === undefined) throw new ErpDeltaError('INVALID_OPTION', 'No target: give --target URL or delivery.target in the config.');
      parseTarget(target);
      const logger = createLogger('erp-delta');
      const stopRequested = untilSignal();
      const loader = new Loader({ config, target, replayFrom: flags.replayFrom, logger });
      const adminPort = flags.adminPort ?? config.admin.port;
      const statusPage = adminPort === null ? undefined : loaderStatusPage(config, target, loader, logger);
      const admin = adminPort === null ? undefined : await AdminServer.start(config.admin.host, adminPort, { metrics: loader.metrics.registry, readiness: () => loader.readiness(), statusPage });
      if (admin) logger.info({ host: config.admin.host, port: admin.port, statusPage: `http://${config.admin.host}:${admin.port}/` }, 'admin endpoint: /healthz /readyz /metrics');
      try {
        await loader.start();
      } catch (error) {
        await loader.stop().catch(() => undefined);
        await admin?.stop();
        throw error;
      }
      const signal = await stopRequested;
      logger.info({ signal }, 'stopping');
      await loader.stop();
      await admin?.stop();
      // As `run` does: a consumer restart kafkajs scheduled during an outage must not keep the process alive.
      await new Promise<void>((flushed) => logger.flush(() => flushed()));
      process.exit(0);
    });

  program
    .command('target')
    .description('run a small HTTP target that records the deltas it receives (GET /received), for tests and trying out')
    .option('--port <port>', 'port to listen on (0: any free port)', parsePort, 8900)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--tls-cert <file>', 'serve HTTPS with this certificate (PEM; with --tls-key)')
    .option('--tls-key <file>', 'the private key of --tls-cert (PEM)')
    .option('--tls-client-ca <file>', 'require a client certificate signed by this CA (PEM)')
    .action(async (flags: { port: number; host: string; tlsCert?: string; tlsKey?: string; tlsClientCa?: string }) => {
      if ((flags.tlsCert === undefined) !== (flags.tlsKey === undefined)) throw new ErpDeltaError('INVALID_OPTION', '--tls-cert and --tls-key go together.');
      if (flags.tlsClientCa !== undefined && flags.tlsCert === undefined) throw new ErpDeltaError('INVALID_OPTION', '--tls-client-ca needs --tls-cert and --tls-key.');
      const pem = (file: string): string => readFileSync(resolve(file), 'utf8');
      const tls =
        flags.tlsCert === undefined || flags.tlsKey === undefined
          ? undefined
          : { cert: pem(flags.tlsCert), key: pem(flags.tlsKey), clientCa: flags.tlsClientCa === undefined ? undefined : pem(flags.tlsClientCa) };
      const stopRequested = untilSignal();
      const target = await TargetServer.start(
        flags.host,
        flags.port,
        (received) => {
          for (const { entity, delta } of received) process.stderr.write(`[target] ${entity} ${delta.key} ${delta.op} ${delta.reason}\n`);
        },
        tls,
      );
      process.stdout.write(`target listening on ${target.url}\n`);
      await stopRequested;
      await target.stop();
    });
}

/**
 * The loader's status page, wired to the loader, to the dead-letter topic's counts, and to
 * `dlq replay`'s re-drive for its re-send button (the same decisions: a delta a newer one of its
 * key superseded is skipped), limited to the deltas the target refused.
 */
function loaderStatusPage(config: TrackerConfig, target: string, loader: Loader, logger: Logger): LoaderStatusPage {
  const kafka = kafkaClients(config.kafka, logger);
  const deadLetters = new DeadLetterCounts(kafka, config);
  loader.onDeadLettered = () => deadLetters.stale();
  const { delivery } = config;
  return new LoaderStatusPage({
    target,
    groupId: delivery.groupId,
    limits: { maxRequestsPerSecond: delivery.maxRequestsPerSecond ?? null, maxBodyBytes: delivery.maxBodyBytes ?? null, retryAfterMaxMs: delivery.retryAfterMaxMs, batchSize: delivery.batchSize },
    entityNames: () => loader.entityNames(),
    delivery: () => loader.deliveryStatus(),
    lag: () => loader.lag(),
    readiness: () => loader.readiness(),
    deadLetters: () => deadLetters.counts(),
    resendRefused: async (entity): Promise<ResendResult> => {
      logger.info({ entity, target }, 'status page: re-sending the refused deltas');
      const results = await redriveDeadLetters(kafka, config, { sinceMs: 0, entity, target, dryRun: false, rejectedDeltasOnly: true });
      const summary: Record<string, number> = {};
      for (const { outcome } of results) summary[outcome] = (summary[outcome] ?? 0) + 1;
      logger.info({ entity, target, ...summary }, 'status page: refused deltas re-sent');
      deadLetters.stale();
      return { entity, summary, results: results.map(({ deadLetter, outcome, detail }) => ({ key: deadLetter.key, offset: deadLetter.source.offset, outcome, detail })) };
    },
  });
}
