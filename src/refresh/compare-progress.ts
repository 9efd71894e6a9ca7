import type { KeyedRecord } from '../model/keyed-record.js';
import type { Delta } from '../model/delta.js';

/**
 * What one task counts of a full compare while the snapshot runs: the snapshot rows (op r) it
 * processed from the compare's window start on, which the live path compared with what was
 * loaded, and how many of them differed (the CHANGE deltas they made). The task adds each batch
 * after it committed; plain numbers, read by the refresh runner when it reports.
 */
export class SnapshotReadCounter {
  compared = 0;
  changed = 0;
  /** When the first snapshot row was counted. */
  firstAtMs: number | undefined;

  /** `from`: the window's start in the task's CDC partition; `before`: what an earlier run of the task counted. */
  constructor(
    readonly compareId: string,
    private readonly from: number,
    before?: { compared: number; changed: number; firstAtMs: number | undefined },
  ) {
    if (before) ({ compared: this.compared, changed: this.changed, firstAtMs: this.firstAtMs } = before);
  }

  /**
   * The snapshot rows of the whole window, as the marking read of it counted them (state-store.ts
   * markSeen): exact, where the running count misses what a task processed after its last report
   * before it moved to another instance or was killed.
   */
  settle(compared: number): void {
    this.compared = compared;
  }

  add(keyed: readonly KeyedRecord[], deltas: readonly Delta[], nowMs: number): void {
    const counted = countSnapshotReads(keyed, deltas, this.from);
    if (counted.compared === 0) return;
    this.compared += counted.compared;
    this.changed += counted.changed;
    this.firstAtMs ??= nowMs;
  }
}

/**
 * The snapshot rows of a batch at or after `from`, and the CHANGE deltas they made. A record's
 * delta carries the record's offset as its source, which is how a delta is traced to a snapshot
 * row without a lookup per delta.
 */
export function countSnapshotReads(keyed: readonly KeyedRecord[], deltas: readonly Delta[], from: number): { compared: number; changed: number } {
  let compared = 0;
  let reads: Set<number> | undefined;
  for (const record of keyed) {
    if (record.kind !== 'change' || record.change.op !== 'r' || record.record.position.offset < from) continue;
    compared += 1;
    if (deltas.length > 0) (reads ??= new Set()).add(record.record.position.offset);
  }
  let changed = 0;
  if (reads) for (const delta of deltas) if (delta.reason === 'CHANGE' && reads.has(delta.source.offset)) changed += 1;
  return { compared, changed };
}

/** Where an entity's compare stands: Debezium re-reads its table, then its keys are marked and the unseen ones swept. */
export type ComparePhase = 'snapshot' | 'sweep' | 'done';

export interface EntityCompareProgress {
  phase: ComparePhase;
  /** Snapshot rows compared so far, summed over the entity's tasks. */
  compared: number;
  /** PostgreSQL's estimate of the table's rows when the compare was requested; null when unknown. */
  estimate: number | null;
  /** Why there is no estimate. */
  estimateUnknown?: string | undefined;
  /** compared / estimate, 99 at most until the compare of the entity is done (the estimate can be low); null without an estimate. */
  percent: number | null;
  changed: number;
  deleted: number;
  /** Snapshot rows compared per second, from the first one to now (or to the snapshot's end). */
  rowsPerSecond: number;
  /** Seconds until the snapshot has compared the estimated rows; null while the rate is 0, without an estimate, past it, or in the sweep. */
  etaSeconds: number | null;
}

/** The highest percentage shown before the compare of an entity is done: an estimate that is too low must not read 100%. */
const CAP_UNTIL_DONE = 99;

/**
 * An entity's compare progress from its tasks' counts: percent of the estimate (capped until
 * done), the rate since the first snapshot row, and the ETA of the snapshot at that rate.
 */
export function entityCompareProgress(input: {
  compared: number;
  changed: number;
  deleted: number;
  estimate: number | undefined;
  estimateUnknown?: string | undefined;
  /** The snapshot of the table is through (its window's end is known). */
  snapshotThrough: boolean;
  done: boolean;
  /** When the entity's first snapshot row was compared. */
  firstAtMs: number | undefined;
  /** The end of the rate's span: now, or when the snapshot ended. */
  untilMs: number;
}): EntityCompareProgress {
  const { compared, estimate, done } = input;
  const phase: ComparePhase = done ? 'done' : input.snapshotThrough ? 'sweep' : 'snapshot';
  const seconds = input.firstAtMs === undefined ? 0 : (input.untilMs - input.firstAtMs) / 1000;
  // A rate over less than a second is noise (one batch's worth over a few milliseconds).
  const rowsPerSecond = seconds >= 1 ? Math.round(compared / seconds) : 0;
  let percent: number | null = null;
  if (done) percent = 100;
  else if (estimate !== undefined) percent = Math.min(CAP_UNTIL_DONE, estimate === 0 ? (compared > 0 ? CAP_UNTIL_DONE : 0) : Math.floor((compared / estimate) * 100));
  let etaSeconds: number | null = null;
  if (done) etaSeconds = 0;
  else if (phase === 'snapshot' && estimate !== undefined && estimate > compared && rowsPerSecond > 0) etaSeconds = Math.round((estimate - compared) / rowsPerSecond);
  return {
    phase,
    compared,
    estimate: estimate ?? null,
    ...(estimate === undefined ? { estimateUnknown: input.estimateUnknown ?? 'not read when the compare was requested' } : {}),
    percent,
    changed: input.changed,
    deleted: input.deleted,
    rowsPerSecond,
    etaSeconds,
  };
}
