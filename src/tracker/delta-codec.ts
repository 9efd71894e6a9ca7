import { setTimeout as sleep } from 'node:timers/promises';
import { type SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import avro, { type Schema, type Type as AvroType } from 'avsc';
import type { TrackerConfig } from '../config/tracker-config.js';
import { ErpDeltaError, isErpDeltaError } from '../errors/erp-delta-error.js';
import type { Logger } from '../logging/logger.js';
import { isRegistryUnreachable } from '../registry/registry-client.js';
import { exactLongTypeHook } from '../registry/exact-long.js';
import type { Delta } from '../model/delta.js';
import { loadedStateOf, type DeletedRecord, type LoadedRecord } from '../model/loaded-record.js';
import { confluentHeader, schemaIdOf, WireFormatWriter, wireFormatBody, type AvroWriterType } from '../registry/confluent-wire-format.js';
import { type AvroField, deltaSchemaFor, fieldsMissingFrom, incompatibleChanges } from './delta-schema.js';
import { trackedEntity } from '../model/tracked-entity.js';

/** How long a start-up waits for a registry that cannot be reached before it gives up. */
const REGISTRY_STARTUP_WAIT_MS = 60_000;

/**
 * Deltas as Avro in the Confluent wire format. Each entity's schema is registered at start-up under
 * `<deltaTopic>-value`; the registry's compatibility rule refuses a schema that would break the
 * readers of a topic, and that stops erp-delta before it writes anything.
 */
export class DeltaCodec {
  private readonly output = new WireFormatWriter();
  /** Per schema id: what a restore reads a value written with it by (decodeLoadedState). */
  private readonly restoreReaders = new Map<number, RestoreReader>();

  private constructor(
    private readonly registry: SchemaRegistry,
    private readonly writers: ReadonlyMap<string, DeltaWriter>,
  ) {}

  /**
   * Registers every entity's delta schema with `registry`, the client the codec then decodes with.
   * It stops start-up (DESIGN guarantee 8) when the registry refuses a schema, naming the fields
   * that make it incompatible, and when the schema it would write with lacks a tracked field.
   */
  static async register(config: TrackerConfig, registry: SchemaRegistry, logger: Logger): Promise<DeltaCodec> {
    const writers = new Map<string, DeltaWriter>();
    const waitUntil = Date.now() + REGISTRY_STARTUP_WAIT_MS;
    for (const entity of Object.values(config.entities)) {
      const subject = `${entity.deltaTopic}-value`;
      const schema = deltaSchemaFor(entity, config.assignment?.entity === entity.name);
      const register = () => registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(schema) }, { subject });
      const writer = await whileRegistryUnreachable(subject, waitUntil, logger, async () => {
        // Two instances registering a new subject at once both set its compatibility rule, and
        // Apicurio refuses the second ("already exists"); the retry finds the rule in place.
        const { id } = await register().catch((error: unknown) => {
          if (/already exists/i.test((error as Error).message)) return register();
          throw error;
        });
        return deltaWriter(registry, id);
      }).catch(async (error: unknown) => {
        throw registrationFailed(config, entity.name, subject, error, await registeredChanges(registry, subject, schema));
      });
      const missing = fieldsMissingFrom(writer.schema, trackedEntity(entity, config.assignment).recordFields);
      if (missing.length > 0) {
        throw new ErpDeltaError(
          'SCHEMA_REJECTED',
          `The delta schema of entity "${entity.name}" that the registry holds under subject ${subject} has no field ${missing.map((name) => `"${name}"`).join(', ')}: erp-delta would drop ${missing.length === 1 ? 'it' : 'them'} from every delta.`,
          {
            hint: 'The registry answered the registration with a schema other than the one erp-delta sent: check that registry.url points at a Confluent-compatible API.',
          },
        );
      }
      writers.set(entity.name, writer);
    }
    return new DeltaCodec(registry, writers);
  }

  /**
   * Synchronous: on the hot path, a promise per delta costs more than the encoding itself. The
   * value is a view of a buffer shared with the deltas encoded before and after it (WireFormatWriter).
   */
  encode(entityName: string, delta: Delta): Buffer {
    const writer = this.writers.get(entityName);
    if (writer === undefined) throw new Error(`no delta schema registered for entity ${entityName}`);
    return this.output.write(writer.header, writer.type, delta);
  }

  /**
   * What a changelog record leaves in the store, for a restore: the loaded record of an UPSERT, or
   * where a DELETE deleted its key (loadedStateOf). `key` is the Kafka record's key, which the
   * tracker writes equal to the delta's. Read with a reader of the fields the store keeps
   * (restoreReaderFor): avsc skips the delta's key, reason, changedFields and emittedAtMs instead
   * of building strings and an array per record that the restore would drop.
   *
   * Any registered version decodes. Synchronous once the version a value was written with has been
   * read here: the registry client takes several promises per value, which cost a restore of
   * millions of records more than the Avro decoding itself. The first value of each version goes
   * through the client, which fetches and checks its schema.
   */
  decodeLoadedState(value: Buffer, key: string): LoadedRecord | DeletedRecord | Promise<LoadedRecord | DeletedRecord> {
    const restore = this.restoreReaders.get(schemaIdOf(value) ?? -1);
    if (restore === undefined) return this.decodeFirstLoadedState(value);
    const { op, data, source } = restore.type.fromBuffer(wireFormatBody(value), restore.resolver) as RestoredFields;
    return loadedStateOf({ key, op, data, source });
  }

  private async decodeFirstLoadedState(value: Buffer): Promise<LoadedRecord | DeletedRecord> {
    const delta = (await this.registry.decode(value)) as Delta;
    const id = schemaIdOf(value);
    if (id !== undefined) this.restoreReaders.set(id, restoreReaderFor((await this.registry.getSchema(id)) as unknown as AvroType));
    return loadedStateOf(delta);
  }
}

/** The fields of a delta that a restore keeps (loadedStateOf); its key is the Kafka record's. */
const RESTORED_FIELDS = ['op', 'data', 'source'] as const;

type RestoredFields = Pick<Delta, (typeof RESTORED_FIELDS)[number]>;

/** An Avro type to read a delta's restored fields with, and its resolver of the schema the delta was written with. */
export interface RestoreReader {
  type: AvroType;
  resolver: ReturnType<AvroType['createResolver']> | undefined;
}

/**
 * How a restore reads deltas written with `writer`: by the writer's own schema cut down to
 * RESTORED_FIELDS, which Avro's schema resolution reads while it skips the other fields (a
 * delta's changedFields name every field of a new key: most of a restore's records). A schema it
 * cannot be cut from (a named type of a dropped field used by a kept one) is read whole.
 */
export function restoreReaderFor(writer: AvroType): RestoreReader {
  const schema = writer.schema({ exportAttrs: true }) as { fields?: Array<{ name: string }> };
  const kept = (schema.fields ?? []).filter((field) => (RESTORED_FIELDS as readonly string[]).includes(field.name));
  if (kept.length !== RESTORED_FIELDS.length) return { type: writer, resolver: undefined };
  try {
    const type = avro.Type.forSchema({ ...schema, fields: kept } as Schema, { typeHook: exactLongTypeHook });
    return { type, resolver: type.createResolver(writer) };
  } catch {
    return { type: writer, resolver: undefined };
  }
}

/** An entity's registered schema: its Confluent wire-format header, the Avro type to write, and its JSON. */
interface DeltaWriter {
  header: Buffer;
  type: AvroWriterType;
  schema: RegisteredSchema;
}

type RegisteredSchema = { name?: string; fields?: AvroField[] };

async function deltaWriter(registry: SchemaRegistry, id: number): Promise<DeltaWriter> {
  const header = confluentHeader(id);
  const type = await registry.getSchema(id);
  return { header, type: type as unknown as AvroWriterType, schema: schemaOf(type) };
}

/** The JSON of an Avro schema as the registry client holds it (an avsc type), defaults included. */
function schemaOf(registered: unknown): RegisteredSchema {
  return (registered as AvroType).schema({ exportAttrs: true }) as RegisteredSchema;
}

/**
 * Registering is idempotent (the same schema gets the same id), so a registry that is restarting,
 * or that lost one answer, is asked again until `waitUntil` rather than ending the start-up.
 */
async function whileRegistryUnreachable<T>(subject: string, waitUntil: number, logger: Logger, attempt: () => Promise<T>): Promise<T> {
  for (let attempts = 1; ; attempts += 1) {
    try {
      return await attempt();
    } catch (error) {
      if (!isRegistryUnreachable(error) || Date.now() >= waitUntil) throw error;
      const retryInMs = Math.min(1_000 * 2 ** (attempts - 1), 5_000);
      logger.warn({ subject, attempt: attempts, retryInMs, err: error }, 'the schema registry did not answer; registering the delta schema again');
      await sleep(retryInMs);
    }
  }
}

/**
 * What makes `schema` incompatible with the subject's latest registered version, field by field;
 * empty when that cannot be told (no version yet, or the registry cannot say).
 */
async function registeredChanges(registry: SchemaRegistry, subject: string, schema: object): Promise<string[]> {
  try {
    return incompatibleChanges(schemaOf(await registry.getSchema(await registry.getLatestSchemaId(subject))), schema);
  } catch {
    return [];
  }
}

function registrationFailed(config: TrackerConfig, entityName: string, subject: string, error: unknown, changes: readonly string[]): ErpDeltaError {
  // The registry client's own (credentials refused, a certificate not trusted) says it best.
  if (isErpDeltaError(error)) return error;
  const message = (error as Error).message;
  if (isRegistryUnreachable(error)) {
    return new ErpDeltaError('REGISTRY_UNAVAILABLE', `The schema registry at ${config.registry.url} cannot be reached: ${message}`, {
      retriable: true,
      cause: error,
      hint: 'Check registry.url in the config, and that the registry runs.',
    });
  }
  const named = changes.length > 0 ? `${changes.join('; ')}. ` : '';
  return new ErpDeltaError('SCHEMA_REJECTED', `The registry refused the delta schema of entity "${entityName}" under subject ${subject}: ${named}The registry said: ${message}`, {
    retriable: false,
    cause: error,
    hint: "A config change must evolve the delta schema compatibly for the readers of the delta topic: add or remove optional fields, keep each field's type and the key fields. For anything else, give the entity a new deltaTopic (and re-load the target from it).",
  });
}
