import { mkdir, rm } from 'node:fs/promises';
import { ClassicLevel } from 'classic-level';
import { writeToStore } from '../errors/disk-full.js';
import { ErpDeltaError } from '../errors/erp-delta-error.js';
import { isLoaded, type LoadedRecord, type LoadedState } from '../model/loaded-record.js';
import type { DeltaSource } from '../model/delta.js';
import type { CompareMarks, KeyPages, KeyRange, RepIndexFields, StoredLastInput, StoreWrite, TaskStore } from '../model/task-store.js';
import { CONFIG_DEFAULTS, type StateStoreConfig } from '../config/tracker-config.js';
import { NO_COMPACTIONS, type CompactionStats } from '../model/compaction-stats.js';
import { parseCompactionStats } from './leveldb-stats.js';
import { memtableBytesPerTask, MIN_MEMTABLE_BYTES } from './memtable-budget.js';
import { parseRepIndexKey, repIndexKey, repRange, REP_INDEX_PREFIX } from './rep-index.js';
import { decodeLoadedRecord, encodeLoadedRecord, isDeletedText, storedState } from './stored-record.js';

/** Loaded records sit under this prefix; task metadata (the checkpoint) under another. */
const RECORD_PREFIX = 'r:';
const CHECKPOINT_KEY = 'meta:changelog-next-offset';
/** The last CDC record the task processed (StoredLastInput). */
const LAST_INPUT_KEY = 'meta:last-input';
/** Which fields the rep index was built from; absent: the store has no index. */
const REP_INDEX_KEY = 'meta:rep-index';
/** What a refresh's replay knows of each key so far (refresh/replay-decision.ts ReplayState). */
const REPLAY_PREFIX = 'p:';
/** Keys a full compare saw in its window (refresh/compare-decision.ts), and how far it has read the window. */
const SEEN_PREFIX = 's:';
const COMPARE_MARKS_KEY = 'meta:compare-marks';
/** Where the partition's rows first had each tracked column (model/column-sightings.ts). */
const COLUMNS_SEEN_KEY = 'meta:columns-seen';
/** Index entries rewritten per LevelDB batch while an index is (re)built. */
const REBUILD_BATCH = 5_000;

/** LevelDB's options of one store, from the config's `stateStore` section (docs/configuration.md). */
export interface LevelDbOptions {
  cacheBytes: number;
  maxOpenFiles: number;
  blockBytes: number;
  /** This store's share of the process's write buffer budget (memtable-budget.ts). */
  writeBufferBytes: number;
}

/** The config's defaults, with the smallest write buffer: for a store opened outside a tracker. */
const DEFAULT_LEVELDB: LevelDbOptions = { ...CONFIG_DEFAULTS.stateStore, writeBufferBytes: MIN_MEMTABLE_BYTES };

/** The options of each of `tasksInProcess` stores open in one process, which share the write buffer budget. */
export function leveldbOptions(config: StateStoreConfig, tasksInProcess: number): LevelDbOptions {
  const { cacheBytes, maxOpenFiles, blockBytes } = config;
  const writeBufferBytes = memtableBytesPerTask(tasksInProcess, { budgetBytes: config.writeBufferBudgetBytes, maxBytesPerStore: config.writeBufferBytes });
  return { cacheBytes, maxOpenFiles, blockBytes, writeBufferBytes };
}

export interface StateStoreOptions {
  repIndex?: RepIndexFields | undefined;
  leveldb?: LevelDbOptions | undefined;
  /**
   * Told when a write finds the filesystem full, besides the DISK_FULL the write throws: whatever
   * path wrote (a batch, a restore, a refresh page), the process must stop (cli/run-command.ts).
   */
  onDiskFull?: ((error: ErpDeltaError) => void) | undefined;
}

/**
 * A task's state store: its cache of loaded records (DESIGN "state store"). Written only after the
 * deltas are committed to Kafka, in one LevelDB batch together with the changelog checkpoint, so
 * that the records and the checkpoint never disagree. Losing it costs a restore, nothing more.
 */
export class StateStore implements TaskStore {
  private constructor(
    private readonly db: ClassicLevel<string, string>,
    private readonly repIndex: RepIndexFields | undefined,
    private readonly dir: string,
    private readonly onDiskFull: StateStoreOptions['onDiskFull'],
  ) {}

  static async open(dir: string, options: StateStoreOptions = {}): Promise<StateStore> {
    // A task's store is one of many in the process: small caches (the defaults) keep the whole
    // tracker's memory bounded whatever the key count; the OS page cache serves the rest.
    const leveldb = options.leveldb ?? DEFAULT_LEVELDB;
    const db = new ClassicLevel<string, string>(dir, {
      valueEncoding: 'utf8',
      keyEncoding: 'utf8',
      cacheSize: leveldb.cacheBytes,
      maxOpenFiles: leveldb.maxOpenFiles,
      blockSize: leveldb.blockBytes,
      writeBufferSize: leveldb.writeBufferBytes,
    });
    const store = new StateStore(db, options.repIndex, dir, options.onDiskFull);
    await store.guarded(mkdir(dir, { recursive: true }));
    try {
      await store.guarded(db.open());
    } catch (error) {
      const damage = storeDamage(error);
      if (damage === undefined) throw error;
      throw new ErpDeltaError('STORE_CORRUPT', `The state store in ${dir} cannot open: ${damage}`, { cause: error });
    }
    await store.matchRepIndex();
    return store;
  }

  /** `work`, a write to the store: a full filesystem becomes DISK_FULL, and onDiskFull is told. */
  private guarded<T>(work: Promise<T>): Promise<T> {
    return writeToStore(work, this.dir, this.onDiskFull);
  }

  /**
   * The index must describe the loaded records with the fields the task uses now: a store written
   * without an index (an older version, an assignment section added to the config) or with other
   * fields gets its index rebuilt from its records before the task uses it; a store that no
   * longer needs one drops it.
   */
  private async matchRepIndex(): Promise<void> {
    const wanted = this.repIndex ? JSON.stringify(this.repIndex) : undefined;
    const built = await this.db.get(REP_INDEX_KEY);
    if (built === wanted) return;
    await this.guarded(this.db.clear({ gte: REP_INDEX_PREFIX, lt: `${REP_INDEX_PREFIX.slice(0, -1)};` }));
    if (!this.repIndex || wanted === undefined) {
      await this.guarded(this.db.del(REP_INDEX_KEY));
      return;
    }
    let batch = this.db.batch();
    for await (const record of this.records()) {
      const entry = indexEntry(record, this.repIndex);
      if (entry) batch.put(entry, '');
      if (batch.length >= REBUILD_BATCH) {
        await this.guarded(batch.write());
        batch = this.db.batch();
      }
    }
    batch.put(REP_INDEX_KEY, wanted);
    await this.guarded(batch.write());
  }

  /** What the store holds for many keys in one LevelDB call, in the order of `keys`: loaded, deleted or nothing. */
  async lookUp(keys: readonly string[]): Promise<LoadedState[]> {
    if (keys.length === 0) return [];
    const values = await this.db.getMany(keys.map((key) => RECORD_PREFIX + key));
    return values.map((value, index) => (value === undefined ? undefined : storedState(keys[index] as string, value)));
  }

  /** Loaded records of many keys in one LevelDB call, in the order of `keys`; undefined where none is loaded. */
  async getMany(keys: readonly string[]): Promise<Array<LoadedRecord | undefined>> {
    return (await this.lookUp(keys)).map((state) => (isLoaded(state) ? state : undefined));
  }

  memoryBytes(): number {
    if (this.db.status !== 'open') return 0;
    const bytes = Number(this.db.getProperty('leveldb.approximate-memory-usage'));
    return Number.isFinite(bytes) ? bytes : 0;
  }

  compactionStats(): CompactionStats {
    if (this.db.status !== 'open') return NO_COMPACTIONS;
    return parseCompactionStats(this.db.getProperty('leveldb.stats')) ?? NO_COMPACTIONS;
  }

  async changelogNextOffset(): Promise<string | undefined> {
    return this.db.get(CHECKPOINT_KEY);
  }

  async lastInput(): Promise<StoredLastInput | undefined> {
    const text = await this.db.get(LAST_INPUT_KEY);
    return text === undefined ? undefined : (JSON.parse(text) as StoredLastInput);
  }

  async columnsSeen(): Promise<Map<string, DeltaSource>> {
    const text = await this.db.get(COLUMNS_SEEN_KEY);
    return new Map(text === undefined ? [] : Object.entries(JSON.parse(text) as Record<string, DeltaSource>));
  }

  async write(change: StoreWrite): Promise<void> {
    const batch = this.db.batch();
    if (this.repIndex) await this.updateRepIndex(batch, change, this.repIndex);
    for (const record of change.put) batch.put(RECORD_PREFIX + record.key, encodeLoadedRecord(record));
    for (const key of change.delete) batch.del(RECORD_PREFIX + key);
    if (change.changelogNextOffset !== undefined) batch.put(CHECKPOINT_KEY, change.changelogNextOffset);
    if (change.lastInput !== undefined) batch.put(LAST_INPUT_KEY, JSON.stringify(change.lastInput));
    if (change.columnsSeen !== undefined) batch.put(COLUMNS_SEEN_KEY, JSON.stringify(Object.fromEntries(change.columnsSeen)));
    await this.guarded(batch.write());
  }

  /**
   * Moves each written key's index entry: the old one (read from the store, so that a restore and
   * a processed batch keep the index the same way) goes, the new one comes. Deletes come before
   * puts in the batch, so an unchanged entry stays.
   */
  private async updateRepIndex(batch: ReturnType<ClassicLevel<string, string>['batch']>, change: StoreWrite, fields: RepIndexFields): Promise<void> {
    const keys = [...change.put.map((record) => record.key), ...change.delete];
    const known = change.previous;
    const previous = known && keys.every((key) => known.has(key)) ? keys.map((key) => known.get(key)) : await this.lookUp(keys);
    for (const record of previous) {
      const entry = isLoaded(record) ? indexEntry(record, fields) : undefined;
      if (entry) batch.del(entry);
    }
    for (const record of change.put) {
      const entry = isLoaded(record) ? indexEntry(record, fields) : undefined;
      if (entry) batch.put(entry, '');
    }
  }

  /** The reps of the index that have at least one loaded record, in key order. */
  async indexedReps(): Promise<string[]> {
    const reps: string[] = [];
    let from = REP_INDEX_PREFIX;
    for (;;) {
      const [first] = await this.db.keys({ gte: from, lt: `${REP_INDEX_PREFIX.slice(0, -1)};`, limit: 1 }).all();
      if (first === undefined) return reps;
      const { rep } = parseRepIndexKey(first);
      reps.push(rep);
      from = repRange(rep).lt;
    }
  }

  /** The customer keys of index entries in the given ranges, page by page, from a snapshot of now. */
  indexPages(ranges: readonly KeyRange[]): KeyPages {
    const iterators = ranges.map((range) => this.db.keys(range));
    return {
      next: async (size) => {
        const keys: string[] = [];
        while (keys.length < size && iterators.length > 0) {
          const page = await (iterators[0] as (typeof iterators)[number]).nextv(size - keys.length);
          if (page.length === 0) await iterators.shift()?.close();
          for (const indexKey of page) keys.push(parseRepIndexKey(indexKey).customerKey);
        }
        return keys;
      },
      close: async () => {
        for (const iterator of iterators.splice(0)) await iterator.close();
      },
    };
  }

  /**
   * Every loaded record, page by page, from a snapshot taken when it was made (a refresh's reconcile
   * pass). A page may hold fewer than `size` records (deleted keys are skipped); empty at the end.
   */
  recordPages(): { next(size: number): Promise<LoadedRecord[]>; close(): Promise<void> } {
    const iterator = this.db.iterator({ gte: RECORD_PREFIX, lt: `${RECORD_PREFIX}\uffff` });
    return {
      next: async (size) => {
        for (;;) {
          const page = await iterator.nextv(size);
          if (page.length === 0) return [];
          const records = page.filter(([, value]) => !isDeletedText(value)).map(([key, value]) => decodeLoadedRecord(key.slice(RECORD_PREFIX.length), value));
          if (records.length > 0) return records;
        }
      },
      close: () => iterator.close(),
    };
  }

  /**
   * A full compare's marks: the keys its window of the CDC partition holds, and, when the marking
   * read of the window writes them, the offset it has read up to and how many snapshot rows it has
   * read (`snapshotRows` adds to the count), written together so that a compare resumed after a
   * crash goes on from there. Marks of another compare are dropped first.
   */
  async markSeen(compareId: string, keys: readonly string[], markedTo?: string, snapshotRows = 0): Promise<void> {
    const current = await this.compareMarks();
    const same = current?.id === compareId;
    if (current !== undefined && !same) await this.clearSeen();
    const batch = this.db.batch();
    for (const key of keys) batch.put(SEEN_PREFIX + key, compareId);
    const marks: CompareMarks = { id: compareId };
    const readTo = markedTo ?? (same ? current.markedTo : undefined);
    if (readTo !== undefined) marks.markedTo = readTo;
    const rows = (same ? (current.snapshotRows ?? 0) : 0) + snapshotRows;
    if (rows > 0) marks.snapshotRows = rows;
    batch.put(COMPARE_MARKS_KEY, JSON.stringify(marks));
    await this.guarded(batch.write());
  }

  /** Which compare the marks in the store are of, how far its marking read of the window got, and the snapshot rows it read. */
  async compareMarks(): Promise<CompareMarks | undefined> {
    const text = await this.db.get(COMPARE_MARKS_KEY);
    return text === undefined ? undefined : (JSON.parse(text) as CompareMarks);
  }

  /** For each key, whether the compare `compareId` saw it. */
  async seenBy(compareId: string, keys: readonly string[]): Promise<boolean[]> {
    return (await this.db.getMany(keys.map((key) => SEEN_PREFIX + key))).map((value) => value === compareId);
  }

  async clearSeen(): Promise<void> {
    await this.guarded(this.db.clear({ gte: SEEN_PREFIX, lt: `${SEEN_PREFIX.slice(0, -1)};` }));
    await this.guarded(this.db.del(COMPARE_MARKS_KEY));
  }

  /**
   * A refresh replay's state of some keys (ReplayState): whether the key's latest row so far is
   * present, and whether it was refreshed. In the store, not in memory: a partition's keys can be
   * millions. The replay reads its partition from the start every time it (re)starts, so these
   * are re-derived then and need no checkpoint of their own.
   */
  async replayState(refreshId: string, keys: readonly string[]): Promise<Array<{ present: boolean; refreshed: boolean }>> {
    return (await this.db.getMany(keys.map((key) => REPLAY_PREFIX + key))).map((value) => {
      const [id, flags] = value === undefined ? [] : [value.slice(0, -2), value.slice(-2)];
      return id === refreshId && flags !== undefined ? { present: flags[0] === 'p', refreshed: flags[1] === 'r' } : { present: false, refreshed: false };
    });
  }

  async writeReplayState(refreshId: string, states: ReadonlyMap<string, { present: boolean; refreshed: boolean }>): Promise<void> {
    const batch = this.db.batch();
    for (const [key, state] of states) batch.put(REPLAY_PREFIX + key, `${refreshId}${state.present ? 'p' : '-'}${state.refreshed ? 'r' : '-'}`);
    await this.guarded(batch.write());
  }

  async clearReplayState(): Promise<void> {
    await this.guarded(this.db.clear({ gte: REPLAY_PREFIX, lt: `${REPLAY_PREFIX.slice(0, -1)};` }));
  }

  /** The keys of the store (deleted keys included), page by page, in key order: a full compare's sweep. */
  recordKeyPages(): { next(size: number): Promise<string[]>; close(): Promise<void> } {
    const iterator = this.db.keys({ gte: RECORD_PREFIX, lt: `${RECORD_PREFIX}\uffff` });
    return {
      next: async (size) => (await iterator.nextv(size)).map((key) => key.slice(RECORD_PREFIX.length)),
      close: () => iterator.close(),
    };
  }

  /** Every loaded record, in key order (deleted keys skipped): for a refresh's reconcile pass and for inspection. */
  async *records(): AsyncGenerator<LoadedRecord> {
    for await (const [key, value] of this.db.iterator({ gte: RECORD_PREFIX, lt: `${RECORD_PREFIX}\uffff` })) {
      if (!isDeletedText(value)) yield decodeLoadedRecord(key.slice(RECORD_PREFIX.length), value);
    }
  }

  async close(): Promise<void> {
    await this.db.close();
  }

  /** Deletes a closed store's files: what it held comes back from the changelog (DESIGN "state is a cache"). */
  static async wipe(dir: string): Promise<void> {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Why LevelDB could not open a store's files, when they are damaged: corrupt, or a file they name
 * is gone. Undefined for any other failure, which wiping would not cure and might make worse: the
 * store locked by another process sharing the data directory, too many open files, no permission.
 */
export function storeDamage(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  const message = typeof cause?.message === 'string' ? cause.message : '';
  if (cause?.code === 'LEVEL_CORRUPTION') return message;
  if (cause?.code === 'LEVEL_IO_ERROR' && message.includes('No such file or directory')) return message;
  return undefined;
}

function indexEntry(record: LoadedRecord, fields: RepIndexFields): string | undefined {
  const rep = record.data[fields.repField];
  if (typeof rep !== 'string') return undefined;
  const user = record.data[fields.userField];
  return repIndexKey(rep, typeof user === 'string' ? user : null, record.key);
}
