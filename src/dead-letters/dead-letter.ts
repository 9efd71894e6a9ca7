import type { ErpDeltaError } from '../errors/erp-delta-error.js';
import type { OutgoingRecord, RecordHeaders } from '../kafka/kafka-port.js';
import type { KafkaPosition } from '../model/delta.js';

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
 * Header of a dead letter written back to its CDC topic by `dlq replay`: the offset the record had
 * when it was first read. The tracker takes the record as being there, not at its new offset.
 */
export const REDRIVE_HEADERS = {
  sourceOffset: 'erp-delta.redrive.source.offset',
} as const;

/**
 * The offset a CDC record stands at for per-key order: a re-driven record stands at its original
 * offset, so that it is "at or before" any newer version of its key the task has loaded since (it
 * cannot set the key back) and a second re-drive of it is at or before the first (idempotent). A
 * header that is not an offset before the record's own is ignored: only a re-drive moves a record
 * back, and never forward.
 */
export function sourceOffsetOf(offset: number, headers: RecordHeaders | undefined): number {
  const value = headers?.[REDRIVE_HEADERS.sourceOffset];
  const text = (Array.isArray(value) ? value[0] : value)?.toString();
  if (text === undefined || !/^\d{1,15}$/.test(text)) return offset;
  const original = Number(text);
  return original < offset ? original : offset;
}

/**
 * The record exactly as it arrived (key and value bytes untouched, so that it can be re-driven
 * after a fix), plus headers naming its origin and the error.
 */
export function deadLetter(entityName: string, position: KafkaPosition, raw: { key: Buffer | null; value: Buffer | null }, error: ErpDeltaError): OutgoingRecord {
  const headers: RecordHeaders = {
    [DEAD_LETTER_HEADERS.topic]: position.topic,
    [DEAD_LETTER_HEADERS.partition]: String(position.partition),
    [DEAD_LETTER_HEADERS.offset]: String(position.offset),
    [DEAD_LETTER_HEADERS.errorCode]: error.code,
    [DEAD_LETTER_HEADERS.reason]: error.message,
    [DEAD_LETTER_HEADERS.entity]: entityName,
  };
  return { key: raw.key, value: raw.value, headers };
}
