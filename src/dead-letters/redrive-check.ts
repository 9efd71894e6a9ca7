import { ErpDeltaError, isErpDeltaError } from '../errors/erp-delta-error.js';
import { keyRecords } from '../model/keyed-record.js';
import { desiredRecord } from '../model/desired-record.js';
import type { SourceDecoder } from '../capture/source-decoder.js';
import type { TrackedEntity } from '../model/tracked-entity.js';

/**
 * Why a dead CDC record would be dead-lettered again under the config at hand, if it would: the
 * tracker's own decode, key and normalize steps. A record that is still bad is not re-driven, or
 * every replay would write one more copy of it to the CDC topic, and the tracker one more dead
 * letter. (The running tracker may still have the old config: then it dead-letters it again.)
 */
export async function failureUnderConfig(entity: TrackedEntity, decoder: SourceDecoder, raw: { key: Buffer | null; value: Buffer | null }): Promise<ErpDeltaError | undefined> {
  let decoded;
  try {
    decoded = await decoder.decode(raw.key, raw.value);
  } catch (error) {
    if (!isErpDeltaError(error) || error.retriable) throw error;
    return error;
  }
  const [keyed] = keyRecords(entity, [{ position: { topic: entity.topic, partition: 0, offset: 0 }, raw, decoded }]);
  if (keyed?.kind === 'dead') return keyed.error;
  if (keyed?.kind !== 'change' || keyed.change.after === null) return undefined;
  let absent;
  try {
    absent = desiredRecord(entity, keyed.change.after).absentColumns;
  } catch (error) {
    if (isErpDeltaError(error)) return error;
    throw error;
  }
  // The tracker tells a column not added yet from one dropped by what the partition's rows had
  // before (column-sightings.ts), which this check cannot see. A dead letter without a tracked
  // column is most likely one of a dropped or renamed column, and would come back: not re-driven.
  const field = absent?.[0];
  if (field === undefined) return undefined;
  const column = entity.fields.find((tracked) => tracked.name === field)?.column ?? field;
  return new ErpDeltaError('NORMALIZE_FAILED', `Cannot normalize field "${field}": the source row of entity "${entity.name}" has no column "${column}".`);
}
