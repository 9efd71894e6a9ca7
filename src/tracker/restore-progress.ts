/**
 * How far a restore of state stores from their changelogs has got, for its progress lines and
 * metrics: records applied, offsets left to read per changelog partition, the rate in records
 * (keys) per second, overall and since the previous report, and an estimate of the time left.
 *
 * Offsets and records differ: a changelog partition's offsets count transaction markers and
 * records compaction has removed, so the offsets left are an upper bound of the records left, and
 * the time left is estimated from the offsets read per second.
 */
export interface RestoringPartition {
  /** The changelog partition, `<delta topic>-<partition>`. */
  id: string;
  entity: string;
  partition: number;
  /** Where its restore starts. */
  from: bigint;
  /** Its end (last stable offset) as the restore started: the restore is done at it. */
  end: bigint;
}

export interface RestoreReport {
  /** Changelog records applied to the stores so far. */
  records: number;
  elapsedMs: number;
  /** Records per second since the restore started. */
  recordsPerSecond: number;
  /** Records per second since the previous report (the first: since the start). */
  recentRecordsPerSecond: number;
  /** Offsets read and left to read, over every partition. */
  offsetsRead: number;
  offsetsLeft: number;
  /** Share of the offsets read, 0 to 1 (1 when there was nothing to read). */
  ratio: number;
  /** Partitions not yet read to their end. */
  partitionsLeft: number;
  /** The time left at the recent pace; undefined before anything was read. */
  etaMs: number | undefined;
}

interface PartitionProgress {
  readonly partition: RestoringPartition;
  position: bigint;
}

export class RestoreProgress {
  private readonly partitions = new Map<string, PartitionProgress>();
  private records = 0;
  private last: { atMs: number; records: number; offsetsRead: number };

  constructor(
    partitions: readonly RestoringPartition[],
    private readonly startedMs: number,
  ) {
    for (const partition of partitions) this.partitions.set(partition.id, { partition, position: partition.from });
    this.last = { atMs: startedMs, records: 0, offsetsRead: 0 };
  }

  /** A batch applied: `records` more records, and the partition read up to `nextOffset`. */
  applied(id: string, records: number, nextOffset: bigint): void {
    this.records += records;
    this.advance(id, nextOffset);
  }

  /** The partition read up to `nextOffset` (transaction markers, which no batch holds, included). */
  advance(id: string, nextOffset: bigint): void {
    const progress = this.partitions.get(id);
    if (progress && nextOffset > progress.position) progress.position = nextOffset;
  }

  /** Offsets left to read of one partition (0 once at its end). */
  offsetsLeft(id: string): number {
    const progress = this.partitions.get(id);
    return progress ? left(progress) : 0;
  }

  /** The entity and partition number of each changelog partition restored, by id. */
  partitionIds(): RestoringPartition[] {
    return [...this.partitions.values()].map(({ partition }) => partition);
  }

  /** Where the restore stands at `nowMs`; `mark` makes this report the base of the next one's recent rate. */
  report(nowMs: number, mark = true): RestoreReport {
    let offsetsLeft = 0;
    let offsetsTotal = 0;
    let partitionsLeft = 0;
    for (const progress of this.partitions.values()) {
      const remaining = left(progress);
      offsetsLeft += remaining;
      offsetsTotal += Number(progress.partition.end - progress.partition.from);
      if (remaining > 0) partitionsLeft += 1;
    }
    const offsetsRead = offsetsTotal - offsetsLeft;
    const elapsedMs = Math.max(0, nowMs - this.startedMs);
    const sinceMs = Math.max(0, nowMs - this.last.atMs);
    const recentOffsets = offsetsRead - this.last.offsetsRead;
    const recentOffsetsPerMs = sinceMs > 0 ? recentOffsets / sinceMs : 0;
    const overallOffsetsPerMs = elapsedMs > 0 ? offsetsRead / elapsedMs : 0;
    // The recent pace, or the overall one when nothing was read lately (a pause in the fetches).
    const pace = recentOffsetsPerMs > 0 ? recentOffsetsPerMs : overallOffsetsPerMs;
    const report: RestoreReport = {
      records: this.records,
      elapsedMs,
      recordsPerSecond: perSecond(this.records, elapsedMs),
      recentRecordsPerSecond: perSecond(this.records - this.last.records, sinceMs),
      offsetsRead,
      offsetsLeft,
      ratio: offsetsTotal > 0 ? offsetsRead / offsetsTotal : 1,
      partitionsLeft,
      etaMs: offsetsLeft === 0 ? 0 : pace > 0 ? Math.round(offsetsLeft / pace) : undefined,
    };
    if (mark) this.last = { atMs: nowMs, records: this.records, offsetsRead };
    return report;
  }
}

function left({ partition, position }: PartitionProgress): number {
  return position >= partition.end ? 0 : Number(partition.end - position);
}

/** Whole units per second; 0 over no time. */
function perSecond(count: number, ms: number): number {
  return ms > 0 ? Math.round((count * 1000) / ms) : 0;
}
