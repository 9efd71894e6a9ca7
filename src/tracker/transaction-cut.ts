import type { KeyedRecord } from '../model/keyed-record.js';

/** What the cut reads of a fetched record: Kafka's offset and write time (epoch ms), as text. */
export interface FetchedPosition {
  offset: string;
  timestamp: string;
}

/** Where a batch ends: whether the partition holds records after its last one. */
export interface BatchBounds {
  moreAvailable: boolean;
  /**
   * At the end of what the partition holds, how long after its newest record was written a source
   * transaction is left for more of its records (config `tracker.transactionLingerMs`); absent or
   * 0: decided at once.
   */
  transactionLingerMs?: number;
  /** The clock the linger is measured on (tests set it). */
  nowMs?: number;
}

/** The place a task last left a trailing transaction at: it is never left twice there. */
export interface HeldBack {
  from: string;
  lastOffset: string;
}

/** The batch is decided up to `start`; the rest is fetched again (after lingerMs, when set). */
export interface TransactionCut {
  start: number;
  lingerMs?: number;
  heldBack: HeldBack;
}

/**
 * Where to cut a batch so that the source transaction at its end is decided whole (the net effect
 * of a transaction counts: batch-decision.ts). Debezium writes a transaction's records in more than
 * one produce request when its poll drains its queue in the middle of one, so a fetch can end inside
 * a transaction:
 * - when the partition already holds records after the batch, the trailing transaction's records
 *   are left to the next fetch, which starts with them; never when the whole batch is one
 *   transaction (one larger than a fetch is decided in fetch-sized parts);
 * - at the end of what the partition holds, a transaction whose newest record was written less
 *   than `transactionLingerMs` ago is left for the rest of that time (lingerMs), the whole batch
 *   if need be: the next fetch brings the rest with it if it came.
 * Never twice at the same place when nothing came after it: records the broker will not return
 * (an aborted transaction's) or a transaction whose rest never comes must not hold the partition.
 * Undefined: decide the whole batch.
 */
export function trailingTransactionCut(messages: readonly FetchedPosition[], keyed: readonly KeyedRecord[], bounds: BatchBounds, heldBack: HeldBack | undefined): TransactionCut | undefined {
  const newest = messages.at(-1);
  if (!newest) return undefined;
  const lingerMs = bounds.moreAvailable ? 0 : lingerLeft(newest.timestamp, bounds);
  if (!bounds.moreAvailable && lingerMs <= 0) return undefined;
  let transaction: string | undefined;
  let start = keyed.length;
  for (let index = keyed.length - 1; index >= 0; index -= 1) {
    const record = keyed[index] as KeyedRecord;
    if (record.kind === 'tombstone') {
      start = index;
      continue;
    }
    const id = record.kind === 'change' ? record.change.position?.transaction : undefined;
    if (id === undefined || (transaction !== undefined && id !== transaction)) break;
    transaction = id;
    start = index;
  }
  if (transaction === undefined || start >= keyed.length || (start === 0 && bounds.moreAvailable)) return undefined;
  const from = (messages[start] as FetchedPosition).offset;
  if (heldBack?.from === from && heldBack.lastOffset === newest.offset) return undefined;
  const held = { from, lastOffset: newest.offset };
  return bounds.moreAvailable ? { start, heldBack: held } : { start, lingerMs, heldBack: held };
}

/** How much longer a transaction whose newest record was written at `timestamp` waits for the rest. */
function lingerLeft(timestamp: string, bounds: BatchBounds): number {
  const linger = bounds.transactionLingerMs ?? 0;
  const writtenAtMs = Number(timestamp);
  if (linger <= 0 || !Number.isFinite(writtenAtMs)) return 0;
  // A clock ahead of ours (another host's) would make the wait longer than the linger: capped.
  return Math.min(linger, writtenAtMs + linger - (bounds.nowMs ?? Date.now()));
}
