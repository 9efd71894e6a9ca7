import { resolve } from 'node:path';
import type { Command } from 'commander';
import { parsePort } from './port-option.js';
import { parseTarget } from './target-option.js';
import { AdminServer } from '../admin/admin-server.js';
import { loadConfig } from '../config/load-config.js';
import { ErpDeltaError } from '../errors/erp-delta-error.js';
import { Loader } from '../delivery/loader.js';
import { TargetServer } from '../delivery/target-server.js';
import { createLogger } from '../logging/logger.js';

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
  program.command('deliver')
    .description('deliver the deltas to the target over HTTP, until SIGTERM or SIGINT')
    .option('--target <url>', 'the target\'s base URL (default: delivery.target of the config)')
    .option('--replay-from <time>', 're-send from "earliest" (the latest version of every record) or an ISO time, then carry on live')
    .option('--admin-port <port>', 'port of /healthz, /readyz and /metrics (default: admin.port of the config; 0: any free port)', parsePort)
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
      const admin = adminPort === null ? undefined : await AdminServer.start(config.admin.host, adminPort, { metrics: loader.metrics.registry, readiness: () => loader.readiness() });
      if (admin) logger.info({ host: config.admin.host, port: admin.port }, 'admin endpoint: /healthz /readyz /metrics');
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

  program.command('target')
    .description('run a small HTTP target that records the deltas it receives (GET /received), for tests and trying out')
    .option('--port <port>', 'port to listen on (0: any free port)', parsePort, 8900)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .action(async (flags: { port: number; host: string }) => {
      const stopRequested = untilSignal();
      const target = await TargetServer.start(flags.host, flags.port, (received) => {
        for (const { entity, delta } of received) process.stderr.write(`[target] ${entity} ${delta.key} ${delta.op} ${delta.reason}\n`);
      });
      process.stdout.write(`target listening on ${target.url}\n`);
      await stopRequested;
      await target.stop();
    });
}
