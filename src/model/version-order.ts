import type { DeltaSource } from './delta.js';
import { compareOrders, mayFollowSnapshot } from './source-position.js';

/**
 * Where a key's version stands against the version loaded for it (DESIGN guarantee 7):
 * - newer: the record comes after what was loaded; compare it.
 * - applied: the record is the loaded version or one before it (Debezium re-sending what it sent,
 *   a re-read after a crash or a rebalance, a re-driven dead letter); it changes nothing.
 * - behind: the record's source position is before the loaded one, yet the database made its
 *   change later: the source's positions started over (the ERP database restored onto another
 *   server). Not applied, and not silently dropped: the caller says so, and a new source epoch
 *   (`erp-delta capture reset`) lets such records compare again.
 */
export type VersionPlace = 'newer' | 'applied' | 'behind';

/**
 * Orders by source position within one source epoch. A later epoch is newer whatever its positions;
 * an earlier one is applied (its positions belong to a source that was replaced).
 *
 * Either side without a usable source position (a connector erp-delta does not know, a version
 * loaded before positions were kept) falls back to the Kafka order of the CDC partition: at or
 * before the loaded record's offset is applied. So does PostgreSQL's one case that positions do
 * not order (mayFollowSnapshot). That order is only right while the topic is not
 * re-created and Debezium does not re-send, which is why source positions come first.
 */
export function placeVersion(record: DeltaSource, loaded: DeltaSource): VersionPlace {
  const { order, bySourcePosition } = compareVersions(record, loaded);
  if (order > 0) return 'newer';
  return bySourcePosition && order < 0 && record.epoch === loaded.epoch && record.tsMs > loaded.tsMs ? 'behind' : 'applied';
}

/**
 * The order of two versions of one key by the rules above: -1 when `a` comes first, 0 for the same
 * version, 1 when `a` comes after; `bySourcePosition` says whether source positions decided it. A
 * version that cannot be placed by Kafka order (another topic or partition: a re-created topic,
 * a moved table) counts as after.
 */
export function compareVersions(a: DeltaSource, b: DeltaSource): { order: -1 | 0 | 1; bySourcePosition: boolean } {
  if (a.epoch !== b.epoch) return { order: a.epoch > b.epoch ? 1 : -1, bySourcePosition: false };
  const samePartition = a.topic === b.topic && a.partition === b.partition;
  if (a.connector !== null && a.position !== null && b.connector !== null && b.position !== null) {
    const order = compareOrders(a.connector, a.position, b.connector, b.position);
    // PostgreSQL's first transaction after a new slot may sort before the snapshot it follows
    // (source-position.ts): in the partition both came from, Kafka's order is Debezium's.
    const ambiguous =
      samePartition && ((order === -1 && mayFollowSnapshot(a.connector, a.position, b.connector, b.position)) || (order === 1 && mayFollowSnapshot(b.connector, b.position, a.connector, a.position)));
    if (order !== undefined && !ambiguous) return order === 1 ? NEWER_BY_POSITION : order === -1 ? OLDER_BY_POSITION : SAME_BY_POSITION;
  }
  if (!samePartition) return { order: 1, bySourcePosition: false };
  return { order: a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0, bySourcePosition: false };
}

// The answers of nearly every comparison, shared: this runs for every CDC record of a loaded key.
const NEWER_BY_POSITION = Object.freeze({ order: 1 as const, bySourcePosition: true });
const OLDER_BY_POSITION = Object.freeze({ order: -1 as const, bySourcePosition: true });
const SAME_BY_POSITION = Object.freeze({ order: 0 as const, bySourcePosition: true });
