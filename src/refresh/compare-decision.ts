import { compareVersions } from '../model/version-order.js';
import { compareWithLoaded } from '../model/compare.js';
import type { Delta, DeltaSource } from '../model/delta.js';
import { isLoaded, type LoadedState } from '../model/loaded-record.js';
import type { TrackedEntity } from '../model/tracked-entity.js';

/**
 * A full compare's window of one CDC partition: from where the partition ended when the compare
 * was requested (`from`) to where it ended when Debezium said the snapshot of the table was
 * through. Every row the table held then is in it, as a snapshot row (op r) or as a live change.
 */
export interface CompareWindow {
  id: string;
  topic: string;
  partition: number;
  from: number;
}

/**
 * The sweep of a full compare: each loaded key (as it is now, read in the task's turn) that its
 * window did not hold, by the marks the compare wrote (`seen`), gets a DELETE with reason
 * RECONCILE. Its row is not in the ERP table: deleted while capture did not see it (a publication
 * without the table, a lost slot, a TRUNCATE Debezium skips). A key whose loaded record came from
 * the window or after it changed live since the compare began: it is kept, whatever the marks say.
 *
 * The delete keeps the loaded record's source position, so a row the snapshot did read but that
 * reached Kafka after the window's end (the only way a row of the table can be missing from it)
 * still comes after it, and brings the record back: the compare can be late, never wrong for long.
 */
export function decideSweep(entity: TrackedEntity, keys: readonly string[], current: readonly LoadedState[], seen: readonly boolean[], window: CompareWindow, emittedAtMs: number): Delta[] {
  const deltas: Delta[] = [];
  keys.forEach((key, index) => {
    const loaded = current[index];
    if (!isLoaded(loaded) || seen[index] === true) return;
    const { source } = loaded;
    if (source.topic === window.topic && source.partition === window.partition && source.offset >= window.from) return;
    const delta = compareWithLoaded(entity, { key, desired: null, source: { ...source, tsMs: emittedAtMs } }, loaded, 'RECONCILE', emittedAtMs);
    if (delta) deltas.push(delta);
  });
  return deltas;
}

/**
 * A truncate event's sweep of one task's keys: each key loaded from a version the truncate comes
 * after, by source position, gets a DELETE with reason RECONCILE, placed at the truncate's source
 * position: a version from before the truncate that reaches the task later (another partition's
 * records travel apart) is then already applied, never a row brought back. A row written after the
 * truncate is kept. A version that source positions cannot place against the truncate (no usable
 * position, another source epoch) is kept too, and counted: the next full compare settles it.
 */
export function decideTruncateSweep(
  entity: TrackedEntity,
  keys: readonly string[],
  current: readonly LoadedState[],
  truncate: DeltaSource,
  emittedAtMs: number,
): { deltas: Delta[]; unplaced: number } {
  const deltas: Delta[] = [];
  let unplaced = 0;
  keys.forEach((key, index) => {
    const loaded = current[index];
    if (!isLoaded(loaded)) return;
    const { order, bySourcePosition } = compareVersions(truncate, loaded.source);
    if (!bySourcePosition) {
      unplaced += 1;
      return;
    }
    if (order !== 1) return;
    const delta = compareWithLoaded(entity, { key, desired: null, source: truncate }, loaded, 'RECONCILE', emittedAtMs);
    if (delta) deltas.push(delta);
  });
  return { deltas, unplaced };
}
