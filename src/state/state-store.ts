import { mkdirSync } from 'node:fs';
import { ClassicLevel } from 'classic-level';
import type { LoadedRecord } from '../tracker/loaded-record.js';

/** Loaded records sit under this prefix; task metadata (the checkpoint) under another. */
const RECORD_PREFIX = 'r:';
const CHECKPOINT_KEY = 'meta:changelog-next-offset';

/** What one committed batch changes in the store. */
export interface StoreWrite {
  put: LoadedRecord[];
  delete: string[];
  /**
   * The changelog offset from which a restore must read to catch up with this write: one past
   * the last delta of the batch. Undefined when the batch emitted nothing (checkpoint unchanged).
   */
  changelogNextOffset?: string | undefined;
}

/** The compact form stored per key: the record, its hash, and the source position it came from. */
interface StoredRecord {
  d: LoadedRecord['data'];
  h: string;
  s: [string, number, number];
}

/**
 * A task's state store: its cache of loaded records (DESIGN "state store"). Written only after the
 * deltas are committed to Kafka, in one LevelDB batch together with the changelog checkpoint, so
 * that the records and the checkpoint never disagree. Losing it costs a restore, nothing more.
 */
export class StateStore {
  private constructor(private readonly db: ClassicLevel<string, string>) {}

  static async open(dir: string): Promise<StateStore> {
    mkdirSync(dir, { recursive: true });
    // A task's store is one of many in the process: small caches keep the whole tracker's memory
    // bounded whatever the key count; the OS page cache serves the rest.
    const db = new ClassicLevel<string, string>(dir, { valueEncoding: 'utf8', keyEncoding: 'utf8', cacheSize: 2 * 1024 * 1024, writeBufferSize: 2 * 1024 * 1024 });
    await db.open();
    return new StateStore(db);
  }

  /** Loaded records of many keys in one LevelDB call, in the order of `keys`. */
  async getMany(keys: readonly string[]): Promise<Array<LoadedRecord | undefined>> {
    if (keys.length === 0) return [];
    const values = await this.db.getMany(keys.map((key) => RECORD_PREFIX + key));
    return values.map((value, index) => (value === undefined ? undefined : decode(keys[index] as string, value)));
  }

  async changelogNextOffset(): Promise<string | undefined> {
    return this.db.get(CHECKPOINT_KEY);
  }

  async write(change: StoreWrite): Promise<void> {
    const batch = this.db.batch();
    for (const record of change.put) batch.put(RECORD_PREFIX + record.key, encode(record));
    for (const key of change.delete) batch.del(RECORD_PREFIX + key);
    if (change.changelogNextOffset !== undefined) batch.put(CHECKPOINT_KEY, change.changelogNextOffset);
    await batch.write();
  }

  /** Every loaded record, in key order: for a refresh's reconcile pass and for inspection. */
  async *records(): AsyncGenerator<LoadedRecord> {
    for await (const [key, value] of this.db.iterator({ gte: RECORD_PREFIX, lt: `${RECORD_PREFIX}\uffff` })) {
      yield decode(key.slice(RECORD_PREFIX.length), value);
    }
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

function encode(record: LoadedRecord): string {
  const stored: StoredRecord = { d: record.data, h: record.hash, s: [record.source.topic, record.source.partition, record.source.offset] };
  return JSON.stringify(stored);
}

function decode(key: string, value: string): LoadedRecord {
  const stored = JSON.parse(value) as StoredRecord;
  return { key, data: stored.d, hash: stored.h, source: { topic: stored.s[0], partition: stored.s[1], offset: stored.s[2] } };
}
