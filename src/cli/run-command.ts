import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config/load-config.js';
import { createLogger } from '../logging/logger.js';
import { Tracker } from '../tracker/tracker.js';

/** How often the counters go to the log while running. */
const METRICS_LOG_INTERVAL_MS = Number(process.env['ERP_DELTA_COUNTERS_INTERVAL_MS'] ?? 10_000);

export function registerRunCommand(program: Command): void {
  program.command('run')
    .description('join the consumer group and turn CDC events into deltas, until SIGTERM or SIGINT')
    .option('--config <file>', 'tracker config, YAML or JSON (default: config/erp-delta.yaml of the package)')
    .option('--data-dir <dir>', 'where the state stores live (default: dataDir of the config, .erp-delta/data)')
    .action(async (flags: { config?: string; dataDir?: string }) => {
      const config = loadConfig(flags.config === undefined ? undefined : resolve(flags.config));
      const logger = createLogger('erp-delta');
      const tracker = new Tracker({ config, dataDir: resolve(flags.dataDir ?? config.dataDir), logger });
      await tracker.start();
      const logMetrics = async (): Promise<void> => {
        const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
        const mb = (bytes: number): number => Math.round(bytes / 1024 / 1024);
        logger.info({ counters: await tracker.metrics.snapshot(), memoryMb: { rss: mb(rss), heapUsed: mb(heapUsed), external: mb(external), arrayBuffers: mb(arrayBuffers) } }, 'counters');
      };
      const timer = setInterval(() => void logMetrics(), METRICS_LOG_INTERVAL_MS);
      await new Promise<void>((done) => {
        const stop = (signal: string): void => {
          logger.info({ signal }, 'stopping');
          clearInterval(timer);
          void tracker.stop().then(logMetrics).then(done);
        };
        process.once('SIGTERM', () => stop('SIGTERM'));
        process.once('SIGINT', () => stop('SIGINT'));
      });
    });
}
