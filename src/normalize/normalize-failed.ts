import { ErpDeltaError } from '../errors/erp-delta-error.js';

/** Long enough to recognize the value in the dead-letter headers, short enough for a TOASTed text. */
const MAX_SHOWN_CHARS = 120;

/**
 * The error a normalizer throws for a value it cannot read. It names the field and the value,
 * because the caller dead-letters the record and an operator must find the bad row from the message.
 */
export function normalizeFailed(field: string, raw: unknown, reason: string): ErpDeltaError {
  return new ErpDeltaError('NORMALIZE_FAILED', `Cannot normalize field "${field}": ${showValue(raw)} ${reason}.`);
}

function showValue(raw: unknown): string {
  let shown: string;
  try {
    // JSON shows a string's quotes and whitespace, but would write NaN and Infinity as null.
    shown = typeof raw === 'number' || typeof raw === 'bigint' || raw === undefined ? String(raw) : JSON.stringify(raw);
  } catch {
    shown = String(raw);
  }
  return shown.length > MAX_SHOWN_CHARS ? `${shown.slice(0, MAX_SHOWN_CHARS)}... (${shown.length} chars)` : shown;
}
