import type { Delta } from './delta.js';

/** One record of a key on its delta topic. */
export interface KeyDelta {
  topic: string;
  partition: number;
  offset: string;
  /** When the delta was written, ISO. */
  timestamp: string;
  /** The delta; null for the tombstone that follows a DELETE. */
  delta: Delta | null;
}

/** A key's last deltas on its delta topic (state/delta-history.ts reads them): "why was this record sent?". */
export interface DeltaHistory {
  /** Newest first, at most `limit`. */
  deltas: KeyDelta[];
  /** Records read to find them. */
  scanned: number;
  /** False when only the tail of each partition was read (`tailPerPartition`). */
  complete: boolean;
}
