/**
 * What the refresh topic holds (compacted, one partition, shared by the consumer group): one
 * record per refresh, keyed `refresh:<id>`, and one progress record per task and refresh, keyed
 * `progress:<id>:<topic>:<partition>`. The CLI and every instance read it whole.
 */

/** Offsets per CDC topic and partition, as JSON can hold them. */
export type PartitionOffsets = Record<string, Record<string, number>>;

export interface RefreshRequest {
  id: string;
  /** The consumer group it refreshes: groups that share the refresh topic ignore each other's. */
  groupId: string;
  entities: string[];
  /** What started it: `cli`, or `schedule` with the time it was due. */
  trigger: string;
  requestedAtMs: number;
  /** Where each CDC partition started (its earliest offset) when the refresh was requested. */
  starts: PartitionOffsets;
  /**
   * Where each CDC partition ended when the refresh was requested: the replay reads up to there.
   * A record after it is a live change, which the tracker handles as it comes.
   */
  ends: PartitionOffsets;
  status: 'running' | 'completed';
  completedAtMs?: number | undefined;
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
  startedAtMs: number;
  updatedAtMs: number;
  done: boolean;
}

export type RefreshRecord = { kind: 'request'; request: RefreshRequest } | { kind: 'progress'; progress: RefreshProgress };

export function requestKey(id: string): string {
  return `refresh:${id}`;
}

export function progressKey(id: string, topic: string, partition: number): string {
  return `progress:${id}:${topic}:${partition}`;
}

/** Reads one record of the refresh topic; undefined for a key it does not know or a tombstone. */
export function parseRefreshRecord(key: string, value: Buffer | null): RefreshRecord | undefined {
  if (value === null) return undefined;
  const parsed = JSON.parse(value.toString('utf8')) as unknown;
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  if (key.startsWith('refresh:')) return { kind: 'request', request: parsed as RefreshRequest };
  if (key.startsWith('progress:')) return { kind: 'progress', progress: parsed as RefreshProgress };
  return undefined;
}

/** The partitions a refresh replays, with their ranges. */
export function replayRanges(request: RefreshRequest): Array<{ topic: string; partition: number; start: number; end: number }> {
  return Object.entries(request.ends).flatMap(([topic, ends]) => Object.entries(ends).map(([partition, end]) => ({
    topic, partition: Number(partition), start: request.starts[topic]?.[partition] ?? 0, end,
  })));
}
