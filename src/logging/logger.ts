import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured logs go to stderr so that stdout stays free for what a command prints for people or
 * scripts (`stack status --json`). LOG_LEVEL overrides the level, e.g. `LOG_LEVEL=debug`.
 */
export function createLogger(name: string, level: string = process.env['LOG_LEVEL'] ?? 'info'): Logger {
  return pino({ name, level }, pino.destination(2));
}

/**
 * For one-shot commands: they report what failed in one clear line of their own, so the Kafka
 * client's retry chatter stays out of the way unless LOG_LEVEL asks for it.
 */
export function cliLogger(): Logger {
  return createLogger('erp-delta', process.env['LOG_LEVEL'] ?? 'silent');
}
