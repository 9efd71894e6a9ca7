import type { DeltaSource } from './delta.js';
import type { CompactionStats } from './compaction-stats.js';
import type { DeletedRecord, LoadedRecord, LoadedState } from './loaded-record.js';

/**
 * A task's state store as the task, its refresh runner and its assignment re-check use it: its
 * cache of loaded records (DESIGN "state store") and what it keeps beside them. Declared here, in
 * the model, so that tracker/, refresh/ and assignment/ name the store without importing state/,
 * which implements it with LevelDB (state/state-store.ts); cli/ hands the real one to the tracker.
 */
export interface TaskStore {
  /** What the store holds for many keys, in the order of `keys`: loaded, deleted or nothing. */
  lookUp(keys: readonly string[]): Promise<LoadedState[]>;
  /** Loaded records of many keys, in the order of `keys`; undefined where none is loaded. */
  getMany(keys: readonly string[]): Promise<Array<LoadedRecord | undefined>>;
  /** The changelog offset from which a restore must read to catch up (the checkpoint); undefined for an empty store. */
  changelogNextOffset(): Promise<string | undefined>;
  lastInput(): Promise<StoredLastInput | undefined>;
  columnsSeen(): Promise<Map<string, DeltaSource>>;
  /** One committed batch's change, written at once with the checkpoint. */
  write(change: StoreWrite): Promise<void>;
  /** The reps of the rep index that have at least one loaded record, in key order. */
  indexedReps(): Promise<string[]>;
  /** The customer keys of rep index entries in the given ranges, page by page, from a snapshot of now. */
  indexPages(ranges: readonly KeyRange[]): KeyPages;
  /** Every loaded record, page by page, from a snapshot; a page may hold fewer than `size`, empty at the end. */
  recordPages(): { next(size: number): Promise<LoadedRecord[]>; close(): Promise<void> };
  /** The keys of the store (deleted keys included), page by page, in key order. */
  recordKeyPages(): { next(size: number): Promise<string[]>; close(): Promise<void> };
  /** Marks keys seen by a full compare, with how far its marking read got and the snapshot rows it read. */
  markSeen(compareId: string, keys: readonly string[], markedTo?: string, snapshotRows?: number): Promise<void>;
  compareMarks(): Promise<CompareMarks | undefined>;
  /** For each key, whether the compare `compareId` saw it. */
  seenBy(compareId: string, keys: readonly string[]): Promise<boolean[]>;
  clearSeen(): Promise<void>;
  /** A refresh replay's state of some keys (refresh/replay-decision.ts ReplayState). */
  replayState(refreshId: string, keys: readonly string[]): Promise<Array<{ present: boolean; refreshed: boolean }>>;
  writeReplayState(refreshId: string, states: ReadonlyMap<string, { present: boolean; refreshed: boolean }>): Promise<void>;
  clearReplayState(): Promise<void>;
  /**
   * What the store's engine says it holds in memory now: its write buffers and block cache (for
   * LevelDB, not the index and filter blocks of its open tables). 0 once closed.
   */
  memoryBytes(): number;
  /** What the engine says of its background compactions since the store opened (model/compaction-stats.ts). */
  compactionStats(): CompactionStats;
  close(): Promise<void>;
}

/** What one committed batch changes in the store. */
export interface StoreWrite {
  /** Loaded records, and keys deleted by a delta (kept with the delete's source: loaded-record.ts). */
  put: Array<LoadedRecord | DeletedRecord>;
  /** Keys forgotten altogether (a tombstone on the changelog whose DELETE delta is gone). */
  delete: string[];
  /**
   * The changelog offset from which a restore must read to catch up with this write: one past
   * the last delta of the batch. Undefined when the batch emitted nothing (checkpoint unchanged).
   */
  changelogNextOffset?: string | undefined;
  /**
   * The records these keys had before, when the caller has just read them (a batch, a re-check):
   * the rep index needs them, and would otherwise read them again.
   */
  previous?: ReadonlyMap<string, LoadedState> | undefined;
  /** The last CDC record of the batch, when the write is a batch's. */
  lastInput?: StoredLastInput | undefined;
  /** Every column sighting, when the batch saw a column for the first time. */
  columnsSeen?: ReadonlyMap<string, DeltaSource> | undefined;
}

/**
 * The last CDC record a task processed, and the input offset after it: a tombstone at that offset
 * belongs to that record when it was its key's delete (batch-decision.ts), also after a restart.
 */
export interface StoredLastInput {
  key: string;
  op: 'd' | 'other';
  initialSnapshot: boolean;
  snapshotPosition?: string | undefined;
  nextOffset: string;
  /** Its Kafka timestamp. */
  timestamp: string;
}

/** Which fields of the loaded records the rep index reads (the assignment entity's tasks only). */
export interface RepIndexFields {
  repField: string;
  userField: string;
}

/** A range of the store's keys: one rep's entries of the rep index (state/rep-index.ts computes them). */
export interface KeyRange {
  gte: string;
  lt: string;
}

/** Reads a key range page by page, from a snapshot taken when it was made. */
export interface KeyPages {
  /** The next customer keys, at most `size`; empty once the ranges are read. */
  next(size: number): Promise<string[]>;
  close(): Promise<void>;
}

/** A full compare's marking, as the store keeps it beside the marks (markSeen). */
export interface CompareMarks {
  id: string;
  markedTo?: string | undefined;
  snapshotRows?: number | undefined;
}
