import type { IHeaders, Message } from 'kafkajs';
import type { ErpDeltaError } from '../errors/erp-delta-error.js';
import type { SourcePosition } from './delta.js';

/** Header names of a dead letter: where the record came from and why it could not be processed. */
export const DEAD_LETTER_HEADERS = {
  topic: 'erp-delta.source.topic',
  partition: 'erp-delta.source.partition',
  offset: 'erp-delta.source.offset',
  errorCode: 'erp-delta.error.code',
  reason: 'erp-delta.error.reason',
  entity: 'erp-delta.entity',
} as const;

/**
 * The record exactly as it arrived (key and value bytes untouched, so that it can be re-driven
 * after a fix), plus headers naming its origin and the error.
 */
export function deadLetter(entityName: string, position: SourcePosition, raw: { key: Buffer | null; value: Buffer | null }, error: ErpDeltaError): Message {
  const headers: IHeaders = {
    [DEAD_LETTER_HEADERS.topic]: position.topic,
    [DEAD_LETTER_HEADERS.partition]: String(position.partition),
    [DEAD_LETTER_HEADERS.offset]: String(position.offset),
    [DEAD_LETTER_HEADERS.errorCode]: error.code,
    [DEAD_LETTER_HEADERS.reason]: error.message,
    [DEAD_LETTER_HEADERS.entity]: entityName,
  };
  return { key: raw.key, value: raw.value, headers };
}
