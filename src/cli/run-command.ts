import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { writeErrorLines } from './error-lines.js';
import { parsePort } from './port-option.js';
import { AdminServer } from '../admin/admin-server.js';
import { loadConfig } from '../config/load-config.js';
import type { ErpDeltaError } from '../errors/erp-delta-error.js';
import { createLogger } from '../logging/logger.js';
import { StatusPage } from '../status/status-page.js';
import { tuneHeapForTracker } from '../tracker/heap-tuning.js';
import { WatchedTracker } from './watched-tracker.js';

/** How long a stop during start-up waits for the start to reach a point where it can be undone. */
const START_SETTLE_MS = 5_000;

/** SIGTERM to exit: within what process managers allow (10 s), with room for the last log lines. */
const STOP_DEADLINE_MS = 8_000;

/** How often the counters go to the log while running. */
const METRICS_LOG_INTERVAL_MS = Number(process.env['ERP_DELTA_COUNTERS_INTERVAL_MS'] ?? 10_000);

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('join the consumer group and turn CDC events into deltas, until SIGTERM or SIGINT')
    .option('--config <file>', 'tracker config, YAML or JSON (default: config/erp-delta.yaml of the package)')
    .option('--data-dir <dir>', 'where the state stores live (default: dataDir of the config, .erp-delta/data)')
    .option('--admin-port <port>', 'port of the status page (/), /healthz, /readyz and /metrics (default: admin.port of the config, 9464; 0: any free port)', parsePort)
    .action(async (flags: { config?: string; dataDir?: string; adminPort?: number }) => {
      const config = loadConfig(flags.config === undefined ? undefined : resolve(flags.config));
      const logger = createLogger('erp-delta');
      const heapFlags = tuneHeapForTracker();
      if (heapFlags.length > 0) logger.debug({ flags: heapFlags }, 'V8 heap settings for the tracker');
      const adminPort = flags.adminPort ?? config.admin.port;
      const dataDir = resolve(flags.dataDir ?? config.dataDir);
      const tracker = new WatchedTracker({ config, dataDir, logger });
      // Handlers first: start-up can wait minutes for a CDC topic, and a process manager's SIGTERM
      // in that window must still end in a clean stop with exit code 0.
      const stopRequested = new Promise<string>((requested) => {
        process.once('SIGTERM', () => requested('SIGTERM'));
        process.once('SIGINT', () => requested('SIGINT'));
      });
      // The admin endpoint comes first, so that probes see "not ready" (rather than nothing) while
      // the tracker starts and restores.
      const admin =
        adminPort === null
          ? undefined
          : await AdminServer.start(config.admin.host, adminPort, { metrics: tracker.metrics.registry, readiness: () => tracker.view.readiness(), statusPage: new StatusPage(tracker.view) });
      if (admin) logger.info({ host: config.admin.host, port: admin.port, statusPage: `http://${config.admin.host}:${admin.port}/` }, 'admin endpoint: /healthz /readyz /metrics');
      // A signal, or a failure no retry gets past (a full disk): either one stops the process.
      const stopCause: Promise<string | ErpDeltaError> = Promise.race([stopRequested, tracker.failed]);
      const starting = tracker.start();
      let stoppedWhileStarting: string | ErpDeltaError | undefined;
      try {
        stoppedWhileStarting = await Promise.race([starting.then(() => undefined), stopCause]);
      } catch (error) {
        // A start-up that fails (Kafka unreachable, a bad topic) ends the process: nothing may
        // keep it alive, the admin endpoint included.
        await tracker.stop().catch(() => undefined);
        await admin?.stop();
        throw error;
      }
      if (stoppedWhileStarting !== undefined) {
        // Let start-up settle a moment, so that what it has opened is closed by stop() below.
        await Promise.race([starting.catch(() => undefined), sleep(START_SETTLE_MS)]);
      }
      const logMetrics = async (): Promise<void> => {
        const { rss, heapTotal, heapUsed, external, arrayBuffers } = process.memoryUsage();
        const mb = (bytes: number): number => Math.round(bytes / 1024 / 1024);
        logger.info(
          { counters: await tracker.metrics.snapshot(), memoryMb: { rss: mb(rss), heapTotal: mb(heapTotal), heapUsed: mb(heapUsed), external: mb(external), arrayBuffers: mb(arrayBuffers) } },
          'counters',
        );
      };
      const timer = setInterval(() => void logMetrics(), METRICS_LOG_INTERVAL_MS);
      const cause = stoppedWhileStarting ?? (await stopCause);
      if (typeof cause === 'string') logger.info({ signal: cause }, 'stopping');
      else logger.error({ err: cause, code: cause.code }, `stopping: ${cause.message}`);
      clearInterval(timer);
      // A process manager waits about 10 s before it kills. After a broker outage kafkajs can
      // take longer to leave its groups; past the deadline, exiting is as safe as a kill -9
      // (the open transaction aborts, the next owner restores), and it is on our terms.
      const stopped = await Promise.race([tracker.stop().then(() => true), sleep(STOP_DEADLINE_MS, false, { ref: false })]);
      if (!stopped) logger.warn({ deadlineMs: STOP_DEADLINE_MS }, 'the stop did not finish in time: exiting; an open transaction aborts and the partitions restore elsewhere');
      await admin?.stop();
      await logMetrics();
      // Everything that holds state is closed (or, past the deadline, safe to drop). What may
      // remain is not ours to wait for: a start-up cut short waiting for a CDC topic, or a restart
      // kafkajs scheduled for a consumer during a broker outage, which would reconnect it.
      await new Promise<void>((flushed) => logger.flush(() => flushed()));
      if (typeof cause !== 'string') writeErrorLines(cause);
      process.exit(typeof cause === 'string' ? 0 : 1);
    });
}
