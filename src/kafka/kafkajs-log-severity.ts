import { logLevel } from 'kafkajs';
import { isErpDeltaError } from '../errors/erp-delta-error.js';

export type LogSeverity = 'debug' | 'warn' | 'error';

/** kafkajs's lines about a SASL refusal or a TLS handshake over a certificate, and its giving up after one. */
const AUTH_OR_TLS_FAILURE = /authentication failed|certificate|alert|brokers array is empty/i;

/**
 * How loud one of kafkajs's log lines is in erp-delta's log. kafkajs logs, as errors, every error
 * response of a request it then retries; what it gives up on reaches the caller as an exception,
 * which the caller reports. So:
 * - connection chatter and anything below an error: debug;
 * - retries (a leader moving, a coordinator loading): a warning (the tasks' transactions, which
 *   meet CONCURRENT_TRANSACTIONS as a matter of course, are another client's: platformatic-producer.ts);
 * - a refused authentication or certificate: debug, as the caller's error says it;
 * - a batch whose task's producer was fenced (PRODUCER_FENCED): a warning. A rebalance fences the
 *   tasks that moved away as a matter of course, and the batch is read again by a new task;
 * - the rest: an error.
 */
export function kafkajsLogSeverity(namespace: string, level: logLevel, message: string, extra: Readonly<Record<string, unknown>>): LogSeverity {
  if (namespace === 'Connection' || level > logLevel.ERROR) return 'debug';
  // Refused credentials and certificates reach the caller as KAFKA_AUTH_FAILED or KAFKA_TLS_FAILED
  // (kafka-client.ts), which says it once, with the broker and what to check.
  if (namespace.startsWith('SaslAuthenticator') || AUTH_OR_TLS_FAILURE.test(message)) return 'debug';
  if ('retryCount' in extra || isErpDeltaError(extra['error'], 'PRODUCER_FENCED')) return 'warn';
  return 'error';
}
