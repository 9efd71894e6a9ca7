/**
 * What the refresh topic holds (compacted, one partition, shared by the consumer group): one
 * record per refresh, keyed `refresh:<id>`, and one progress record per task and refresh, keyed
 * `progress:<id>:<topic>:<partition>`. The CLI and every instance read it whole.
 */

import type { DeltaSource } from '../model/delta.js';

/** Offsets per CDC topic and partition, as JSON can hold them. */
export type PartitionOffsets = Record<string, Record<string, number>>;

/**
 * What a refresh does: `replay` re-sends every live record from the compacted CDC topics (REFRESH)
 * and deletes the loaded keys they no longer hold; `compare` is the full compare with the ERP
 * (DESIGN "Full compare"): Debezium's incremental snapshot re-reads the tables, rows that differ
 * go out as they come (CHANGE), and loaded keys that neither the snapshot nor a live change since
 * the compare began delivered are deleted (RECONCILE). `truncate` is not asked for: a task that
 * reads a truncate event (connectors that forward them) writes it, so that every task of the
 * entity deletes (RECONCILE) the keys it loaded from before the truncate.
 */
export type RefreshKind = RequestedKind | 'truncate';

/** What a user or the schedule can ask for. */
export type RequestedKind = 'replay' | 'compare';

export interface RefreshRequest {
  id: string;
  /** Absent in requests written before the full compare existed: a replay. */
  kind?: RefreshKind | undefined;
  /** The consumer group it refreshes: groups that share the refresh topic ignore each other's. */
  groupId: string;
  entities: string[];
  /** What started it: `cli`, or `schedule` with the time it was due. */
  trigger: string;
  requestedAtMs: number;
  /**
   * A replay: where each CDC partition started (its earliest offset) when it was requested. A
   * compare: where each partition ended then; the compare's window starts there.
   */
  starts: PartitionOffsets;
  /**
   * Where each CDC partition ended when the refresh was requested: a replay reads up to there, and
   * a record after it is a live change, which the tracker handles as it comes. (A compare's window
   * ends where its snapshot of the table did: SnapshotEnd.)
   */
  ends: PartitionOffsets;
  status: 'running' | 'completed';
  completedAtMs?: number | undefined;
  /** A truncate's: where the ERP truncated the table (the truncate event's source). */
  truncate?: DeltaSource | undefined;
  /**
   * A compare's: PostgreSQL's row estimate of each entity's table, by CDC topic, read when it was
   * requested (capture/row-estimates.ts): what its progress is measured against.
   */
  estimates?: Record<string, number> | undefined;
  /** A compare's: per CDC topic, why its table has no estimate (its database could not be read). */
  estimatesUnknown?: Record<string, string> | undefined;
}

export interface RefreshProgress {
  id: string;
  groupId: string;
  topic: string;
  partition: number;
  /** Records of the partition's replay range handled so far, and how many it holds. */
  replayed: number;
  total: number;
  /** REFRESH upserts and RECONCILE deletes this task committed (this run of it). */
  emitted: number;
  reconciled: number;
  /**
   * A replay's, once its range is replayed: the loaded keys its reconcile has checked so far
   * (every loaded key is, page by page; those the replay did not see are deleted). Absent
   * before the reconcile starts, and in progress written before it was counted.
   */
  reconcileChecked?: number | undefined;
  /**
   * A compare's: the snapshot rows (op r) the task processed since the compare began, which the
   * live path compared with what was loaded, and how many of them differed (CHANGE deltas).
   * Absent in progress written before they were counted.
   */
  compared?: number | undefined;
  changed?: number | undefined;
  /** When the task processed the compare's first snapshot row: its rate is measured from there. */
  comparedSinceMs?: number | undefined;
  startedAtMs: number;
  updatedAtMs: number;
  done: boolean;
}

/**
 * A compare's snapshot of one entity's table is through: the CDC partitions' ends when Debezium
 * said so, which every snapshot row of the table comes before. `incomplete`: the table was not
 * read completely (its scan failed or the snapshot was aborted), so nothing may be deleted.
 */
export interface SnapshotEnd {
  id: string;
  groupId: string;
  topic: string;
  ends: Record<string, number>;
  rowsScanned?: number | undefined;
  incomplete?: string | undefined;
  atMs: number;
}

export type RefreshRecord = { kind: 'request'; request: RefreshRequest } | { kind: 'progress'; progress: RefreshProgress } | { kind: 'snapshot-end'; end: SnapshotEnd };

export function requestKey(id: string): string {
  return `refresh:${id}`;
}

export function progressKey(id: string, topic: string, partition: number): string {
  return `progress:${id}:${topic}:${partition}`;
}

export function snapshotEndKey(id: string, topic: string): string {
  return `snapshot-end:${id}:${topic}`;
}

/** Reads one record of the refresh topic; undefined for a key it does not know or a tombstone. */
export function parseRefreshRecord(key: string, value: Buffer | null): RefreshRecord | undefined {
  if (value === null) return undefined;
  const parsed = JSON.parse(value.toString('utf8')) as unknown;
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  if (key.startsWith('refresh:')) return { kind: 'request', request: parsed as RefreshRequest };
  if (key.startsWith('progress:')) return { kind: 'progress', progress: parsed as RefreshProgress };
  if (key.startsWith('snapshot-end:')) return { kind: 'snapshot-end', end: parsed as SnapshotEnd };
  return undefined;
}

/** The partitions a refresh replays, with their ranges. */
export function replayRanges(request: RefreshRequest): Array<{ topic: string; partition: number; start: number; end: number }> {
  return Object.entries(request.ends).flatMap(([topic, ends]) =>
    Object.entries(ends).map(([partition, end]) => ({
      topic,
      partition: Number(partition),
      start: request.starts[topic]?.[partition] ?? 0,
      end,
    })),
  );
}

/**
 * The request a truncate event makes (RefreshKind `truncate`): one per event, named after where it
 * was read, so that the batch that read it, committed again, cannot ask twice. Every partition of
 * the topic takes part; none has a range to replay.
 */
export function truncateRequest(groupId: string, entity: string, truncate: DeltaSource, partitions: readonly number[], nowMs: number): RefreshRequest {
  const none = Object.fromEntries(partitions.map((partition) => [String(partition), 0]));
  return {
    id: `truncate-${truncate.topic}-${truncate.partition}-${truncate.offset}`,
    kind: 'truncate',
    groupId,
    entities: [entity],
    trigger: `truncate event at ${truncate.topic}-${truncate.partition}@${truncate.offset}`,
    requestedAtMs: nowMs,
    starts: { [truncate.topic]: none },
    ends: { [truncate.topic]: { ...none } },
    status: 'running',
    truncate,
  };
}
