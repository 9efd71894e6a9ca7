import type { CanonicalRecord } from '../normalize/canonical-value.js';
import type { Delta, DeltaSource } from './delta.js';

/**
 * What erp-delta last emitted for a key: what the target has or will have. Kept in the state store
 * and restorable from the changelog (the delta topic), since every UPSERT carries it whole.
 */
export interface LoadedRecord {
  key: string;
  data: CanonicalRecord;
  /** The source record it came from, so that an older version is never emitted after a newer one. */
  source: DeltaSource;
  /**
   * JSON.stringify(data), when the state store has it as text already: a desired record whose
   * JSON is the same has no changed field, which spares parsing the loaded one (compare.ts).
   */
  readonly dataJson?: string | undefined;
}

/**
 * A key whose last delta was a DELETE, with the source record of that delete. The store keeps it
 * so that a version of the key from before the delete, which Debezium re-sends after a crash,
 * is recognised as already applied instead of bringing the row back (DESIGN guarantee 7).
 */
export interface DeletedRecord {
  key: string;
  deleted: true;
  source: DeltaSource;
}

/** What the state store holds for a key: its loaded record, where it was deleted, or nothing. */
export type LoadedState = LoadedRecord | DeletedRecord | undefined;

export function isLoaded(state: LoadedState): state is LoadedRecord {
  return state !== undefined && !('deleted' in state);
}

/** The loaded record of a state, undefined for a deleted or unknown key. */
export function loadedOf(state: LoadedState): LoadedRecord | undefined {
  return isLoaded(state) ? state : undefined;
}

/**
 * The state a delta leaves behind once it is committed: the UPSERT's record, or the DELETE's
 * position. Used after emitting and when restoring from the changelog alike.
 */
export function loadedStateOf(delta: Pick<Delta, 'key' | 'op' | 'data' | 'source'>): LoadedRecord | DeletedRecord {
  const source = deltaSourceOf(delta.source);
  if (delta.op === 'DELETE' || delta.data === null) return { key: delta.key, deleted: true, source };
  return { key: delta.key, data: delta.data, source };
}

/** The loaded record an UPSERT leaves; undefined for a DELETE. */
export function loadedRecordOf(delta: Delta): LoadedRecord | undefined {
  return loadedOf(loadedStateOf(delta));
}

/**
 * A delta's source with every member set: deltas written before source positions existed decode
 * without connector, position and epoch (the registry decodes with the schema they were written
 * with), and mean "no source position, epoch 0".
 */
export function deltaSourceOf(source: Partial<DeltaSource> & Pick<DeltaSource, 'topic' | 'partition' | 'offset'>): DeltaSource {
  return {
    topic: source.topic,
    partition: source.partition,
    offset: source.offset,
    tsMs: source.tsMs ?? 0,
    connector: source.connector ?? null,
    position: source.position ?? null,
    epoch: source.epoch ?? 0,
  };
}
