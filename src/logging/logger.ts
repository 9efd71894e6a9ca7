import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** What a secret in a log line is written as. */
export const REDACTED = '[redacted]';

/**
 * The config's secrets where they sit (config/secret-keys.ts names them for `config print`). A
 * logged object may hold the config, a section of it (`{ kafka }`, `{ sasl }`), or the config
 * under `config`: each path is redacted from each of its tails of two keys or more, and under
 * `config`.
 */
const CONFIG_SECRETS = [
  'kafka.sasl.password',
  'kafka.ssl.key',
  'kafka.ssl.passphrase',
  'registry.auth.password',
  'registry.tls.key',
  'delivery.headers.*',
  'delivery.tls.key',
  'capture.connect.password',
  'capture.database.password',
];

/** Names that hold a secret in any object: at the top of a logged object and one level into it. */
const SECRET_NAMES = ['password', 'passphrase', 'secret', 'token', 'apiKey', 'authorization', 'Authorization', 'cookie', 'privateKey'];

/**
 * pino's redaction paths. Fixed paths rather than a walk of every logged object, and wildcards at
 * one level only: pino compiles fixed paths into plain property reads, while each leading
 * wildcard level walks the object (every name at three levels costs about 70 µs a line).
 */
export const SECRET_LOG_PATHS: readonly string[] = [
  ...new Set([
    ...CONFIG_SECRETS.flatMap((path) => {
      const keys = path.split('.');
      return [`config.${path}`, ...keys.slice(0, -1).map((_, start) => keys.slice(start).join('.'))];
    }),
    ...SECRET_NAMES.flatMap((name) => [name, `*.${name}`]),
  ]),
];

/**
 * Structured logs go to stderr so that stdout stays free for what a command prints for people or
 * scripts (`stack status --json`). LOG_LEVEL overrides the level, e.g. `LOG_LEVEL=debug`. A secret
 * never reaches a log line: values under SECRET_LOG_PATHS are written as REDACTED, and messages
 * are written so as to name a secret's key or variable, never its value.
 */
export function createLogger(name: string, level: string = process.env['LOG_LEVEL'] ?? 'info', destination: DestinationStream = pino.destination(2)): Logger {
  return pino({ name, level, redact: { paths: [...SECRET_LOG_PATHS], censor: REDACTED } }, destination);
}

/**
 * For one-shot commands: they report what failed in one clear line of their own, so the Kafka
 * client's retry chatter stays out of the way unless LOG_LEVEL asks for it.
 */
export function cliLogger(): Logger {
  return createLogger('erp-delta', process.env['LOG_LEVEL'] ?? 'silent');
}
