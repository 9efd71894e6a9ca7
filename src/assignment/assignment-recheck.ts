import { isErpDeltaError } from '../errors/erp-delta-error.js';
import type { Logger } from '../logging/logger.js';
import { repRangesExcept } from '../state/rep-index.js';
import type { TaskStore } from '../model/task-store.js';
import type { AssignmentLookup } from './assigned-user.js';

/**
 * Keys re-checked per transaction. A page is one turn of the task: live batches of the same
 * partition wait for at most one page (about 0.1 s at 2,000 keys), and other partitions' tasks do
 * not wait at all.
 */
export const RECHECK_PAGE_SIZE = 1_000;

/**
 * What a re-check needs of a task of the assignment entity (the tracker's Task is one), declared
 * here so that assignment/ sees a narrow view and not the tracker's runtime.
 */
export interface RecheckedTask {
  readonly id: string;
  readonly closed: boolean;
  readonly store: Pick<TaskStore, 'indexedReps' | 'indexPages'>;
  /** Re-checks the keys `nextKeys` yields, one page a turn of the task, against the table as of `tsMs`. */
  recheck(nextKeys: () => Promise<readonly string[]>, tsMs: number): Promise<{ checked: number; emitted: number }>;
}

export interface AssignmentRecheckOptions {
  table: AssignmentLookup & { entries(role: 'manual'): Array<[string, string]> };
  respectManual: boolean;
  logger: Logger;
  /** Called when a page failed on a task that is still open: the task must be replaced. */
  onFailure: (task: RecheckedTask, error: unknown) => void;
}

/**
 * Drives a task of the assignment entity towards the current assignment table (DESIGN "Assignment
 * join"): a rep whose user changed has its customers re-checked, read from the task's rep index;
 * a manual assignment that changed has its one customer re-checked; after a restore, every rep in
 * the index and every manual assignment is checked, which is how a task that crashed in the middle
 * of a re-emission, or was elsewhere when the mapping changed, converges.
 *
 * Only the customers whose loaded user differs from their rep's current user are read: the index
 * is ordered by rep, then user. Requests made while a re-check runs are queued; a rep requested
 * twice is checked once more, which emits nothing for the records already done.
 */
export class AssignmentRecheck {
  private readonly reps = new Map<string, number>();
  private readonly keys = new Map<string, number>();
  private everything: number | undefined;
  private running: Promise<void> | undefined;

  constructor(
    readonly task: RecheckedTask,
    private readonly options: AssignmentRecheckOptions,
  ) {}

  /** Re-check every loaded customer that may be off: after a restore. */
  requestAll(tsMs: number): void {
    this.everything = tsMs;
    this.kick();
  }

  /** Re-check the customers of a rep whose user changed. */
  requestRep(rep: string, tsMs: number): void {
    this.reps.set(rep, tsMs);
    this.kick();
  }

  /** Re-check one customer whose manual assignment changed. */
  requestKey(key: string, tsMs: number): void {
    this.keys.set(key, tsMs);
    this.kick();
  }

  private kick(): void {
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
      if (!this.task.closed && (this.reps.size > 0 || this.keys.size > 0 || this.everything !== undefined)) this.kick();
    });
  }

  private async drain(): Promise<void> {
    const { task, options } = this;
    try {
      while (!task.closed) {
        if (this.everything !== undefined) {
          await this.recheckEverything(this.everything);
          continue;
        }
        const [rep, repTsMs] = this.reps.entries().next().value ?? [];
        if (rep !== undefined && repTsMs !== undefined) {
          this.reps.delete(rep);
          const started = Date.now();
          const { checked, emitted } = await this.recheckRep(rep, repTsMs);
          // Once per task and rep change (a rep with no customer here too): where a re-emission stands.
          options.logger.info({ task: task.id, rep, user: options.table.userOfRep(rep) ?? null, checked, emitted, ms: Date.now() - started }, 'customers of rep re-checked');
          continue;
        }
        if (this.keys.size === 0) return;
        const page = this.takeKeys(RECHECK_PAGE_SIZE);
        const { emitted } = await this.recheckKeys(page);
        options.logger.info({ task: task.id, customers: page.map(([key]) => key).slice(0, 10), requested: page.length, emitted }, 'manually assigned customers re-checked');
      }
    } catch (error) {
      if (task.closed || isErpDeltaError(error, 'TASK_CLOSED')) return;
      options.logger.error({ task: task.id, err: error }, 'assignment re-check failed');
      options.onFailure(task, error);
    }
  }

  /** After a restore: every rep with a customer here, and every manual assignment. */
  private async recheckEverything(tsMs: number): Promise<void> {
    const { task, options } = this;
    this.everything = undefined;
    const started = Date.now();
    const total = { reps: 0, checked: 0, emitted: 0 };
    for (const rep of await task.store.indexedReps()) {
      this.reps.delete(rep);
      const { checked, emitted } = await this.recheckRep(rep, tsMs);
      total.reps += 1;
      total.checked += checked;
      total.emitted += emitted;
    }
    if (options.respectManual) {
      const manual = options.table.entries('manual');
      for (let index = 0; index < manual.length; index += RECHECK_PAGE_SIZE) {
        const { checked, emitted } = await this.recheckKeys(manual.slice(index, index + RECHECK_PAGE_SIZE).map(([key]) => [key, tsMs]));
        total.checked += checked;
        total.emitted += emitted;
      }
    }
    options.logger.info({ task: task.id, ...total, ms: Date.now() - started }, 'assignments re-checked after restore');
  }

  private takeKeys(count: number): Array<[string, number]> {
    const page = [...this.keys].slice(0, count);
    for (const [key] of page) this.keys.delete(key);
    return page;
  }

  private recheckKeys(page: ReadonlyArray<[string, number]>): Promise<{ checked: number; emitted: number }> {
    const tsMs = Math.max(...page.map(([, pageTsMs]) => pageTsMs));
    return this.task.recheck(async () => page.map(([key]) => key), tsMs);
  }

  /** Re-checks the customers of a rep not loaded with its current user, page by page. */
  private async recheckRep(rep: string, tsMs: number): Promise<{ checked: number; emitted: number }> {
    const { task, options } = this;
    const user = options.table.userOfRep(rep) ?? null;
    let pages: ReturnType<RecheckedTask['store']['indexPages']> | undefined;
    const total = { checked: 0, emitted: 0 };
    try {
      for (;;) {
        // The index is read in the task's turn, from a snapshot taken by the first page: it holds
        // every customer a batch before this re-check loaded with an older user.
        const result = await task.recheck(async () => {
          pages ??= task.store.indexPages(repRangesExcept(rep, user));
          return pages.next(RECHECK_PAGE_SIZE);
        }, tsMs);
        if (result.checked === 0) return total;
        total.checked += result.checked;
        total.emitted += result.emitted;
      }
    } finally {
      await pages?.close().catch(() => undefined);
    }
  }
}
