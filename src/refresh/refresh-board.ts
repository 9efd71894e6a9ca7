import { replayRanges, type RefreshKind, type RefreshProgress, type RefreshRecord, type RefreshRequest, type SnapshotEnd } from './refresh-record.js';

/**
 * The state of refreshes as the refresh topic tells it: the refresh running now (one at a time
 * per consumer group), the last one completed, and each task's progress.
 */
export class RefreshBoard {
  private readonly requests = new Map<string, RefreshRequest>();
  private readonly progress = new Map<string, Map<string, RefreshProgress>>();
  /** Per compare and CDC topic, where its snapshot of the table ended. */
  private readonly snapshotEnds = new Map<string, SnapshotEnd>();

  constructor(readonly groupId: string) {}

  apply(record: RefreshRecord): void {
    if (record.kind === 'snapshot-end') {
      // The first end of a table wins: instances that both saw the notification write it each.
      const key = `${record.end.id}:${record.end.topic}`;
      if (record.end.groupId === this.groupId && !this.snapshotEnds.has(key)) this.snapshotEnds.set(key, record.end);
      return;
    }
    if ((record.kind === 'request' ? record.request.groupId : record.progress.groupId) !== this.groupId) return;
    if (record.kind === 'request') {
      // The first request of an id wins: instances that fire the same schedule write it each.
      const known = this.requests.get(record.request.id);
      if (!known || record.request.status === 'completed')
        this.requests.set(record.request.id, known ? { ...known, status: 'completed', completedAtMs: record.request.completedAtMs } : record.request);
      return;
    }
    const { progress } = record;
    let byTask = this.progress.get(progress.id);
    if (!byTask) this.progress.set(progress.id, (byTask = new Map()));
    byTask.set(`${progress.topic}-${progress.partition}`, progress);
  }

  /** The refresh running now, if any. */
  running(): RefreshRequest | undefined {
    return [...this.requests.values()].filter((request) => request.status === 'running').sort((a, b) => a.requestedAtMs - b.requestedAtMs)[0];
  }

  /** The refresh completed last; of `kind` only, when given (a request without a kind is a replay). */
  lastCompleted(kind?: RefreshKind): RefreshRequest | undefined {
    return [...this.requests.values()]
      .filter((request) => request.status === 'completed' && (kind === undefined || (request.kind ?? 'replay') === kind))
      .sort((a, b) => (a.completedAtMs ?? 0) - (b.completedAtMs ?? 0))
      .at(-1);
  }

  request(id: string): RefreshRequest | undefined {
    return this.requests.get(id);
  }

  progressOf(id: string, topic: string, partition: number): RefreshProgress | undefined {
    return this.progress.get(id)?.get(`${topic}-${partition}`);
  }

  /** Where a compare's snapshot of the table of `topic` ended, once Debezium said so. */
  snapshotEndOf(id: string, topic: string): SnapshotEnd | undefined {
    return this.snapshotEnds.get(`${id}:${topic}`);
  }

  /** True when every partition of the refresh reported done. */
  isDone(request: RefreshRequest): boolean {
    return replayRanges(request).every(({ topic, partition }) => this.progressOf(request.id, topic, partition)?.done === true);
  }
}
