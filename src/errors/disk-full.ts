import { ErpDeltaError } from './erp-delta-error.js';

/** How deep a cause chain is followed: LevelDB's error wraps the OS's once or twice. */
const CAUSE_DEPTH = 5;

/**
 * Whether `error` says the filesystem is full: Node's fs gives ENOSPC, LevelDB an IO error whose
 * message carries the OS's text (classic-level wraps it as the cause of its own error).
 */
export function isDiskFull(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < CAUSE_DEPTH && typeof current === 'object' && current !== null; depth += 1) {
    const { code, message, cause } = current as { code?: unknown; message?: unknown; cause?: unknown };
    if (code === 'ENOSPC') return true;
    if (typeof message === 'string' && message.includes('No space left on device')) return true;
    current = cause;
  }
  return false;
}

/**
 * DISK_FULL for a store in `dir` that could not write. Not retriable: the same write fails until
 * someone frees space, and a process that went on would only fail again. What the store missed is
 * in its changelog topic, so stopping loses nothing.
 */
export function diskFullError(dir: string, cause: unknown): ErpDeltaError {
  return new ErpDeltaError('DISK_FULL', `The state store in ${dir} cannot write: its filesystem is full (no space left on device).`, {
    cause,
    hint: 'erp-delta stops here and loses nothing: what the store missed is in its changelog topic. Free space on that filesystem (or point dataDir at a larger one) and start erp-delta again; the store catches up from the changelog.',
  });
}

/**
 * `write`, a write to the store in `dir`: a full filesystem becomes DISK_FULL, and `onDiskFull`
 * is told besides, so that the process stops whichever path wrote.
 */
export async function writeToStore<T>(write: Promise<T>, dir: string, onDiskFull: ((error: ErpDeltaError) => void) | undefined): Promise<T> {
  try {
    return await write;
  } catch (error) {
    if (!isDiskFull(error)) throw error;
    const full = diskFullError(dir, error);
    onDiskFull?.(full);
    throw full;
  }
}
