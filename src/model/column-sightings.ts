import { ErpDeltaError } from '../errors/erp-delta-error.js';
import { describeSourcePosition, type SourceConnector } from './source-position.js';
import { placeVersion } from './version-order.js';
import type { DeltaSource } from './delta.js';
import type { SourceRow } from './source-change.js';
import type { TrackedEntity } from './tracked-entity.js';

/**
 * Per tracked column, the version of the first row of a task's partition that had it. This tells
 * the two reasons a row lacks a column apart (DESIGN guarantee 8):
 * - a row written before the first one with the column was written before the column was added
 *   to the ERP table: the field is unknown at that version, and keeps its loaded value;
 * - a row written after a row that had it was written after the column was dropped or renamed: a
 *   config the table no longer matches. That record goes to the dead letters, so that nothing is
 *   lost: `erp-delta dlq replay` re-drives it once the config follows the table.
 * A column never seen is taken as not added yet: there is no later version to tell otherwise, and
 * the task says so (task.ts). Kept in the state store with the checkpoint; a store restored from
 * the changelog starts without sightings, and until it sees the column again reads a dropped
 * column as not added yet.
 */
export type ColumnSightings = ReadonlyMap<string, DeltaSource>;

export const NO_SIGHTINGS: ColumnSightings = new Map();

/**
 * Adds to `found` the tracked columns of `row` that neither `known` nor `found` has, at `source`.
 * Returns `found`, created when the first sighting needs it; nearly every call finds nothing new.
 */
export function sightColumns(entity: TrackedEntity, row: SourceRow, source: DeltaSource, known: ColumnSightings, found: Map<string, DeltaSource> | undefined): Map<string, DeltaSource> | undefined {
  if (known.size + (found?.size ?? 0) >= entity.fields.length) return found;
  let sightings = found;
  for (const { column } of entity.fields) {
    if (known.has(column) || sightings?.has(column) || !(column in row)) continue;
    (sightings ??= new Map()).set(column, source);
  }
  return sightings;
}

/**
 * NORMALIZE_FAILED for a row at `source` that lacks a column a row before it had (dropped or
 * renamed); undefined when each absent field's column was not added yet at that version.
 */
export function droppedColumnError(entity: TrackedEntity, absentFields: readonly string[], source: DeltaSource, sightings: (column: string) => DeltaSource | undefined): ErpDeltaError | undefined {
  for (const name of absentFields) {
    const field = entity.fields.find((tracked) => tracked.name === name);
    if (field === undefined) continue;
    const seen = sightings(field.column);
    if (seen === undefined || placeVersion(source, seen) !== 'newer') continue;
    return new ErpDeltaError(
      'NORMALIZE_FAILED',
      `Cannot normalize field "${name}": the source row of entity "${entity.name}" has no column "${field.column}", which its rows have had since ${describeVersion(seen)}: was it dropped or renamed in the ERP? Fix entities.${entity.name}.fields.${name}.column, then re-drive the dead letters (erp-delta dlq replay).`,
    );
  }
  return undefined;
}

function describeVersion(source: DeltaSource): string {
  if (source.connector === null || source.position === null) return `${source.topic}-${source.partition}@${source.offset}`;
  return `${describeSourcePosition({ connector: source.connector as SourceConnector, order: source.position })} (${source.topic}-${source.partition}@${source.offset})`;
}
