import { createRequire } from 'node:module';
import { logLevel } from 'kafkajs';

const require = createRequire(import.meta.url);
/** kafkajs's own text for CONCURRENT_TRANSACTIONS (code 51): its log lines carry the text, not the code. */
const CONCURRENT_TRANSACTIONS_MESSAGE = (require('kafkajs/src/protocol/error.js') as { createErrorFromCode(code: number): Error })
  .createErrorFromCode(51).message;

export type LogSeverity = 'debug' | 'warn' | 'error';

/**
 * How loud one of kafkajs's log lines is in erp-delta's log. kafkajs logs, as errors, every error
 * response of a request it then retries; what it gives up on reaches the caller as an exception,
 * which the caller reports. So:
 * - connection chatter and anything below an error: debug;
 * - CONCURRENT_TRANSACTIONS: debug. A transaction begun right after the previous commit meets it
 *   until the broker has written that commit's markers, and Kafka expects the client to retry: at a
 *   steady trickle of changes every task meets it every few seconds;
 * - other retries (a leader moving, a coordinator loading): a warning;
 * - the rest: an error.
 */
export function kafkajsLogSeverity(namespace: string, level: logLevel, message: string, extra: Readonly<Record<string, unknown>>): LogSeverity {
  if (namespace === 'Connection' || level > logLevel.ERROR) return 'debug';
  if (message.includes(CONCURRENT_TRANSACTIONS_MESSAGE)) return 'debug';
  if ('retryCount' in extra) return 'warn';
  return 'error';
}
