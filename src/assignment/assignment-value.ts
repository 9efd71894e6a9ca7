import { ErpDeltaError } from '../errors/erp-delta-error.js';

/**
 * One record of an assignment topic, read: the key it assigns (a sales rep code on the mapping
 * topic, a customer key on the manual topic) and the user, or null for a tombstone (unassigned).
 * Extra fields of the value are allowed and kept out of change detection: only the user counts.
 */
export interface AssignmentValue {
  key: string;
  userId: string | null;
}

/**
 * Reads `{"userId": "..."}`. Throws INVALID_ASSIGNMENT (the record goes to the dead-letter topic
 * and the table keeps what it had) for a missing key, a value that is not a JSON object, or a
 * userId that is missing, not a string or blank.
 */
export function parseAssignmentValue(key: Buffer | null, value: Buffer | null): AssignmentValue {
  const keyText = key?.toString('utf8') ?? '';
  if (keyText.trim() === '') throw invalid('the record has no key (a sales rep code, or a customer key on the manual topic)');
  if (value === null) return { key: keyText, userId: null };
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch (error) {
    throw invalid(`the value of "${keyText}" is not JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalid(`the value of "${keyText}" must be a JSON object like {"userId": "..."}`);
  }
  const userId = (parsed as Record<string, unknown>)['userId'];
  if (typeof userId !== 'string' || userId.trim() === '') {
    throw invalid(`the value of "${keyText}" needs "userId" as a non-empty string (a tombstone unassigns), got ${JSON.stringify(userId) ?? 'nothing'}`);
  }
  return { key: keyText, userId };
}

/** The value the CLI writes: what parseAssignmentValue reads back. */
export function assignmentValue(userId: string): Buffer {
  return Buffer.from(JSON.stringify({ userId }));
}

/**
 * A sales rep code, customer key or user id as someone typed it (CLI, status page): it must be
 * exactly what the ERP writes, so a blank value or one with stray spaces is refused, not trimmed.
 */
export function assignmentText(value: string, what: string): string {
  if (value.trim() === '') throw new ErpDeltaError('INVALID_OPTION', `The ${what} must not be empty.`);
  if (value !== value.trim()) throw new ErpDeltaError('INVALID_OPTION', `The ${what} "${value}" has leading or trailing spaces; give it exactly as the ERP writes it.`);
  return value;
}

function invalid(message: string): ErpDeltaError {
  return new ErpDeltaError('INVALID_ASSIGNMENT', `Invalid assignment record: ${message}.`);
}
