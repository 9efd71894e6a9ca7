import { setTimeout as sleep } from 'node:timers/promises';
import { type SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import type { TrackerConfig } from '../config/tracker-config.js';
import { ErpDeltaError } from '../errors/erp-delta-error.js';
import type { Logger } from '../logging/logger.js';
import { isRegistryUnreachable } from '../registry/registry-client.js';
import type { Delta } from './delta.js';
import { confluentHeader, WireFormatWriter, type AvroWriterType } from './confluent-wire-format.js';
import { deltaSchemaFor } from './delta-schema.js';

/** How long a start-up waits for a registry that cannot be reached before it gives up. */
const REGISTRY_STARTUP_WAIT_MS = 60_000;

/**
 * Deltas as Avro in the Confluent wire format. Each entity's schema is registered at start-up under
 * `<deltaTopic>-value`; the registry's compatibility rule refuses a schema that would break the
 * readers of a topic, and that stops erp-delta before it writes anything.
 */
export class DeltaCodec {
  private readonly output = new WireFormatWriter();

  private constructor(
    private readonly registry: SchemaRegistry,
    private readonly writers: ReadonlyMap<string, DeltaWriter>,
  ) {}

  /** Registers every entity's delta schema with `registry`, the client the codec then decodes with. */
  static async register(config: TrackerConfig, registry: SchemaRegistry, logger: Logger): Promise<DeltaCodec> {
    const writers = new Map<string, DeltaWriter>();
    const waitUntil = Date.now() + REGISTRY_STARTUP_WAIT_MS;
    for (const entity of Object.values(config.entities)) {
      const subject = `${entity.deltaTopic}-value`;
      const schema = JSON.stringify(deltaSchemaFor(entity, config.assignment?.entity === entity.name));
      const register = () => registry.register({ type: SchemaType.AVRO, schema }, { subject });
      const writer = await whileRegistryUnreachable(subject, waitUntil, logger, async () => {
        // Two instances registering a new subject at once both set its compatibility rule, and
        // Apicurio refuses the second ("already exists"); the retry finds the rule in place.
        const { id } = await register().catch((error: unknown) => {
          if (/already exists/i.test((error as Error).message)) return register();
          throw error;
        });
        return deltaWriter(registry, id);
      }).catch((error: unknown) => {
        throw registrationFailed(config, entity.name, subject, error);
      });
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

  /** Reads a delta back (restoring a store from its changelog); any registered version decodes. */
  async decode(value: Buffer): Promise<Delta> {
    return (await this.registry.decode(value)) as Delta;
  }
}

/** An entity's registered schema: its Confluent wire-format header and the Avro type to write. */
interface DeltaWriter {
  header: Buffer;
  type: AvroWriterType;
}

async function deltaWriter(registry: SchemaRegistry, id: number): Promise<DeltaWriter> {
  const header = confluentHeader(id);
  const type = (await registry.getSchema(id)) as unknown as DeltaWriter['type'];
  return { header, type };
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

function registrationFailed(config: TrackerConfig, entityName: string, subject: string, error: unknown): ErpDeltaError {
  const message = (error as Error).message;
  if (isRegistryUnreachable(error)) {
    return new ErpDeltaError('REGISTRY_UNAVAILABLE', `The schema registry at ${config.registry.url} cannot be reached: ${message}`, {
      retriable: true,
      cause: error,
      hint: 'Check registry.url in the config, and that the registry runs.',
    });
  }
  return new ErpDeltaError('SCHEMA_REJECTED', `The registry refused the delta schema of entity "${entityName}" under subject ${subject}: ${message}`, {
    retriable: false,
    cause: error,
    hint: 'A schema change must stay backward compatible for the readers of the delta topic.',
  });
}
