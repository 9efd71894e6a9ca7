import { compareWithLoaded } from '../model/compare.js';
import type { Delta } from '../model/delta.js';
import type { LoadedRecord } from '../model/loaded-record.js';
import type { TrackedEntity } from '../model/tracked-entity.js';
import type { AssignmentJoin } from './assigned-user.js';

/**
 * The re-check of loaded records after the assignment table changed: each record joined again
 * with the current table. Only a record whose user differs gets a delta, an UPSERT with reason
 * ASSIGNMENT and changedFields [assignedUserId]; the rest are already as desired (DESIGN: converge,
 * don't react), which is what makes a repeated or interrupted re-check harmless.
 *
 * The delta's source names the source row version the record was built from (so that per-key
 * order checks keep working), with the time of the assignment change.
 */
export function reassignmentDeltas(entity: TrackedEntity, join: AssignmentJoin, loaded: readonly LoadedRecord[], tsMs: number, emittedAtMs: number): Delta[] {
  const deltas: Delta[] = [];
  for (const record of loaded) {
    const data = { ...record.data, [join.field]: join.userFor(record.data, record.key) };
    const delta = compareWithLoaded(entity, { key: record.key, desired: { data, unknownFields: [] }, source: { ...record.source, tsMs } }, record, 'ASSIGNMENT', emittedAtMs);
    if (delta) deltas.push(delta);
  }
  return deltas;
}
