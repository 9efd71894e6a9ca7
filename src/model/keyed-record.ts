import { ErpDeltaError, isErpDeltaError } from '../errors/erp-delta-error.js';
import type { DeltaSource, KafkaPosition } from './delta.js';
import { entityKey } from './entity-key.js';
import type { DecodedSourceRecord, SourceChange, SourceTruncate } from './source-change.js';
import type { TrackedEntity } from './tracked-entity.js';

/** One fetched CDC record after decoding: its change, or why it could not be read. */
export interface DecodedRecord {
  position: KafkaPosition;
  raw: { key: Buffer | null; value: Buffer | null };
  decoded: DecodedSourceRecord | ErpDeltaError;
}

/** A decoded record with its entity key, ready for the store lookup. */
export type KeyedRecord =
  | { kind: 'change'; record: DecodedRecord; change: SourceChange; key: string }
  | { kind: 'tombstone'; record: DecodedRecord; key: string }
  | { kind: 'truncate'; record: DecodedRecord; truncate: SourceTruncate }
  | { kind: 'dead'; record: DecodedRecord; error: ErpDeltaError };

/** The entity key of a record that names a row; undefined for a dead letter or a truncate. */
export function rowKeyOf(record: KeyedRecord): string | undefined {
  return record.kind === 'change' || record.kind === 'tombstone' ? record.key : undefined;
}

/** First pass: the entity key of each record, so that the whole batch is looked up at once. */
export function keyRecords(entity: TrackedEntity, records: readonly DecodedRecord[]): KeyedRecord[] {
  return records.map((record): KeyedRecord => {
    if (record.decoded instanceof ErpDeltaError) return { kind: 'dead', record, error: record.decoded };
    if (record.decoded.kind === 'truncate') return { kind: 'truncate', record, truncate: record.decoded };
    try {
      const key = entityKey(entity, record.decoded.key);
      return record.decoded.kind === 'tombstone' ? { kind: 'tombstone', record, key } : { kind: 'change', record, change: record.decoded, key };
    } catch (error) {
      if (isErpDeltaError(error)) return { kind: 'dead', record, error };
      throw error;
    }
  });
}

/** The source of a delta answering `change`, read at `position` in the entity's epoch `epoch`. */
export function changeSource(position: KafkaPosition, change: SourceChange | SourceTruncate, epoch: number): DeltaSource {
  return {
    topic: position.topic,
    partition: position.partition,
    offset: position.offset,
    tsMs: change.sourceTsMs,
    connector: change.position?.connector ?? null,
    position: change.position?.order ?? null,
    epoch,
  };
}
