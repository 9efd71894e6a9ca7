import { mkdir } from 'node:fs/promises';
import { ClassicLevel } from 'classic-level';
import { writeToStore } from '../errors/disk-full.js';
import type { ErpDeltaError } from '../errors/erp-delta-error.js';
import type { AssignmentLookup } from './assigned-user.js';
import type { AssignmentValue } from './assignment-value.js';

/** Which assignment topic a record came from: the rep mapping, or manual customer assignments. */
export type AssignmentRole = 'mapping' | 'manual';

/** One effective change of the table: a rep's (or a customer's manual) user is now another one. */
export interface AssignmentChange {
  role: AssignmentRole;
  /** The sales rep code (mapping) or the customer key (manual). */
  key: string;
  before: string | undefined;
  after: string | undefined;
  /** When the assignment record was written (its Kafka timestamp). */
  tsMs: number;
}

const PREFIX: Readonly<Record<AssignmentRole, string>> = { mapping: 'rep:', manual: 'manual:' };
const OFFSET_PREFIX = 'offset:';

/**
 * The global table of the assignment join (DESIGN "Assignment join"): every instance holds the
 * whole mapping (and the manual assignments, when they are respected), read from the compacted
 * assignment topics. It is kept in LevelDB with the offsets it has read up to, so that a restart
 * reads only what is new; it is also held in memory, since the join looks it up for every
 * customer record on the hot path (the mapping has one entry per rep, the manual table one per
 * hand-assigned customer).
 */
export class AssignmentTable implements AssignmentLookup {
  private readonly users: Record<AssignmentRole, Map<string, string>> = { mapping: new Map(), manual: new Map() };
  private readonly offsets = new Map<string, string>();

  private constructor(
    private readonly db: ClassicLevel<string, string>,
    private readonly dir: string,
    private readonly onDiskFull: ((error: ErpDeltaError) => void) | undefined,
  ) {}

  /** `onDiskFull`: told when a write finds the filesystem full, besides the DISK_FULL the write throws. */
  static async open(dir: string, onDiskFull?: (error: ErpDeltaError) => void): Promise<AssignmentTable> {
    const db = new ClassicLevel<string, string>(dir, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
    const table = new AssignmentTable(db, dir, onDiskFull);
    await table.guarded(mkdir(dir, { recursive: true }));
    await table.guarded(db.open());
    for await (const [key, value] of db.iterator()) {
      if (key.startsWith(OFFSET_PREFIX)) table.offsets.set(key.slice(OFFSET_PREFIX.length), value);
      else if (key.startsWith(PREFIX.mapping)) table.users.mapping.set(key.slice(PREFIX.mapping.length), value);
      else if (key.startsWith(PREFIX.manual)) table.users.manual.set(key.slice(PREFIX.manual.length), value);
    }
    return table;
  }

  private guarded<T>(work: Promise<T>): Promise<T> {
    return writeToStore(work, this.dir, this.onDiskFull);
  }

  userOfRep(repCode: string): string | undefined {
    return this.users.mapping.get(repCode);
  }

  manualUserOf(customerKey: string): string | undefined {
    return this.users.manual.get(customerKey);
  }

  /** Every entry of one role, sorted by key: for listing and for re-checks after a restore. */
  entries(role: AssignmentRole): Array<[string, string]> {
    return [...this.users[role]].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** The offset to read a partition of an assignment topic from; undefined: from its start. */
  nextOffset(topic: string, partition: number): string | undefined {
    return this.offsets.get(`${topic}:${partition}`);
  }

  /**
   * Applies read records of one partition, in order, and stores them together with the offset
   * read up to. Returns the effective changes (a record that repeats the current user changes
   * nothing, whatever its other fields say).
   */
  async apply(role: AssignmentRole, topic: string, partition: number, records: ReadonlyArray<AssignmentValue & { tsMs: number }>, nextOffset: string): Promise<AssignmentChange[]> {
    const users = this.users[role];
    const changes: AssignmentChange[] = [];
    const batch = this.db.batch();
    for (const { key, userId, tsMs } of records) {
      const before = users.get(key);
      const after = userId ?? undefined;
      if (before === after) continue;
      if (after === undefined) {
        users.delete(key);
        batch.del(PREFIX[role] + key);
      } else {
        users.set(key, after);
        batch.put(PREFIX[role] + key, after);
      }
      changes.push({ role, key, before, after, tsMs });
    }
    batch.put(`${OFFSET_PREFIX}${topic}:${partition}`, nextOffset);
    await this.guarded(batch.write());
    this.offsets.set(`${topic}:${partition}`, nextOffset);
    return changes;
  }

  /**
   * Forgets what was read of a topic (its entries and offsets): for a topic that was recreated,
   * whose offsets start again below where the table stood. It is then read again from its start;
   * the tasks' re-check after restore brings every customer in line with the result.
   */
  async forget(role: AssignmentRole, topic: string): Promise<void> {
    this.users[role].clear();
    await this.guarded(this.db.clear({ gte: PREFIX[role], lt: `${PREFIX[role].slice(0, -1)};` }));
    for (const id of [...this.offsets.keys()].filter((id) => id.startsWith(`${topic}:`))) {
      this.offsets.delete(id);
      await this.guarded(this.db.del(`${OFFSET_PREFIX}${id}`));
    }
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
