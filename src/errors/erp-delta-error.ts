/**
 * The one error type erp-delta throws on purpose. `code` is stable (scripts and tests match on it,
 * never on the message); `retriable` tells a caller whether trying the same thing again later can
 * succeed (an endpoint still starting) or not (a bad option, a missing program).
 */
export type ErrorCode =
  | 'INVALID_OPTION'
  | 'PREREQUISITE_MISSING'
  | 'PORT_IN_USE'
  | 'DEPENDENCY_RESOLUTION_FAILED'
  | 'COMPONENT_START_FAILED'
  | 'COMPONENT_UNHEALTHY'
  | 'STACK_NOT_RUNNING'
  | 'CONNECTOR_FILE_INVALID'
  | 'CONNECTOR_PLACEHOLDER_UNKNOWN'
  | 'CONNECTOR_FAILED'
  | 'CONNECT_REQUEST_FAILED'
  | 'TIMEOUT'
  | 'REGISTRY_UNAVAILABLE'
  | 'SCHEMA_REJECTED'
  | 'KAFKA_UNAVAILABLE'
  | 'KAFKA_AUTH_FAILED'
  | 'KAFKA_TLS_FAILED'
  | 'REGISTRY_AUTH_FAILED'
  | 'REGISTRY_TLS_FAILED'
  | 'TOPIC_MISMATCH'
  | 'INVALID_CONFIG'
  | 'NORMALIZE_FAILED'
  | 'DECODE_FAILED'
  | 'INVALID_ASSIGNMENT'
  | 'TASK_CLOSED'
  | 'PRODUCER_FENCED'
  | 'ILLEGAL_TASK_TRANSITION'
  | 'STORE_CORRUPT'
  | 'DISK_FULL'
  | 'REFRESH_REFUSED'
  | 'DELIVERY_REJECTED'
  | 'TARGET_UNAVAILABLE'
  | 'TARGET_TLS_FAILED'
  | 'RESEND_RUNNING'
  | 'DATABASE_UNAVAILABLE'
  | 'TABLE_NOT_FOUND'
  | 'TABLE_WITHOUT_KEY'
  | 'TOPIC_SCHEMA_MISSING';

export interface ErpDeltaErrorOptions {
  retriable?: boolean;
  cause?: unknown;
  /** What the user can do about it, printed under the message by the CLI. */
  hint?: string;
}

export class ErpDeltaError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: ErpDeltaErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ErpDeltaError';
    this.code = code;
    this.retriable = options.retriable ?? false;
    this.hint = options.hint;
  }
}

export function isErpDeltaError(error: unknown, code?: ErrorCode): error is ErpDeltaError {
  return error instanceof ErpDeltaError && (code === undefined || error.code === code);
}
