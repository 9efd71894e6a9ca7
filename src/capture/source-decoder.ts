import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { ErpDeltaError, isErpDeltaError } from '../errors/erp-delta-error.js';
import { isRow, isTruncateEnvelope, sourceChangeFromEnvelope, sourceTruncateFromEnvelope } from './debezium-envelope.js';
import { decodeDebeziumJson, decodeKeyColumns } from './decode-debezium-json.js';
import { isRegistryUnreachable } from '../registry/registry-client.js';
import { isConfluentFramed } from '../registry/confluent-wire-format.js';
import { decodeFailed, type DecodedSourceRecord, type SourceRow } from '../model/source-change.js';

/**
 * Decodes CDC records whatever converter Connect used: JSON (with or without the schema part) or
 * Avro in the Confluent wire format, read through the registry. Throws DECODE_FAILED for a record
 * that cannot be read (dead-lettered), and a retriable REGISTRY_UNAVAILABLE when the registry
 * cannot be asked (the batch is retried: the record is not at fault).
 */
export class SourceDecoder {
  constructor(private readonly registry: SchemaRegistry) {}

  /**
   * JSON, the common case, decodes synchronously: a promise per record would cost more on the hot
   * path than the decoding. Only a record that needs the registry (Avro) returns a promise.
   */
  decode(key: Buffer | null, value: Buffer | null): DecodedSourceRecord | Promise<DecodedSourceRecord> {
    if (!isConfluentFramed(key) && !isConfluentFramed(value)) return decodeDebeziumJson(key, value);
    return this.decodeWithRegistry(key, value);
  }

  private async decodeWithRegistry(key: Buffer | null, value: Buffer | null): Promise<DecodedSourceRecord> {
    const avroKey = isConfluentFramed(key);
    const avroValue = isConfluentFramed(value);
    if ((key === null || key.length === 0) && avroValue) {
      // Debezium's truncate event has no key.
      const envelope = await this.decodeAvro(value as Buffer, 'value');
      if (isRow(envelope) && isTruncateEnvelope(envelope)) return sourceTruncateFromEnvelope(envelope);
    }
    const keyColumns = avroKey ? await this.decodeAvro(key as Buffer, 'key') : decodeKeyColumns(key);
    if (!isRow(keyColumns) || Object.keys(keyColumns).length === 0) throw decodeFailed('the key is not a record of key columns');
    if (value === null) return { kind: 'tombstone', key: keyColumns };
    if (!avroValue) return decodeDebeziumJson(key, value);
    return sourceChangeFromEnvelope(await this.decodeAvro(value, 'value'), keyColumns as SourceRow);
  }

  private async decodeAvro(bytes: Buffer, part: 'key' | 'value'): Promise<unknown> {
    try {
      // avsc yields class instances; the decisions work on plain rows.
      return JSON.parse(JSON.stringify(await this.registry.decode(bytes)));
    } catch (error) {
      if (isErpDeltaError(error)) throw error;
      const message = (error as Error).message;
      if (isRegistryUnreachable(error)) {
        throw new ErpDeltaError('REGISTRY_UNAVAILABLE', `The schema registry could not be asked for the ${part}'s schema: ${message}`, { retriable: true, cause: error });
      }
      throw decodeFailed(`the ${part} is in the Confluent wire format but cannot be decoded: ${message.replace(/\.$/, '')}`, error);
    }
  }
}
