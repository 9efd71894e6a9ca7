import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import type { TrackerConfig } from '../config/tracker-config.js';
import { ErpDeltaError } from '../errors/erp-delta-error.js';
import type { Delta } from './delta.js';
import { confluentHeader, isRegistryUnreachable } from './confluent-wire-format.js';
import { deltaSchemaFor } from './delta-schema.js';

/**
 * Deltas as Avro in the Confluent wire format. Each entity's schema is registered at start-up under
 * `<deltaTopic>-value`; the registry's compatibility rule refuses a schema that would break the
 * readers of a topic, and that stops erp-delta before it writes anything.
 */
export class DeltaCodec {
  private constructor(
    private readonly registry: SchemaRegistry,
    private readonly writers: ReadonlyMap<string, DeltaWriter>,
  ) {}

  static async register(config: TrackerConfig): Promise<DeltaCodec> {
    const registry = new SchemaRegistry({ host: config.registry.url });
    const writers = new Map<string, DeltaWriter>();
    for (const entity of Object.values(config.entities)) {
      const subject = `${entity.deltaTopic}-value`;
      const schema = deltaSchemaFor(entity, config.assignment?.entity === entity.name);
      const register = () => registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(schema) }, { subject });
      try {
        // Two instances registering a new subject at once both set its compatibility rule, and
        // Apicurio refuses the second ("already exists"); the retry finds the rule in place.
        const { id } = await register().catch((error: unknown) => {
          if (/already exists/i.test((error as Error).message)) return register();
          throw error;
        });
        writers.set(entity.name, await deltaWriter(registry, id));
      } catch (error) {
        const message = (error as Error).message;
        const unreachable = isRegistryUnreachable(error);
        throw new ErpDeltaError(unreachable ? 'REGISTRY_UNAVAILABLE' : 'SCHEMA_REJECTED', unreachable
          ? `The schema registry at ${config.registry.url} cannot be reached: ${message}`
          : `The registry refused the delta schema of entity "${entity.name}" under subject ${subject}: ${message}`, {
          retriable: unreachable,
          cause: error,
          hint: unreachable ? 'Check registry.url in the config, and that the registry runs.' : 'A schema change must stay backward compatible for the readers of the delta topic.',
        });
      }
    }
    return new DeltaCodec(registry, writers);
  }

  /** Synchronous: on the hot path, a promise per delta costs more than the encoding itself. */
  encode(entityName: string, delta: Delta): Buffer {
    const writer = this.writers.get(entityName);
    if (writer === undefined) throw new Error(`no delta schema registered for entity ${entityName}`);
    return Buffer.concat([writer.header, writer.type.toBuffer(delta)]);
  }

  /** Reads a delta back (restoring a store from its changelog); any registered version decodes. */
  async decode(value: Buffer): Promise<Delta> {
    return (await this.registry.decode(value)) as Delta;
  }
}

/** An entity's registered schema: its Confluent wire-format header and the Avro type to write. */
interface DeltaWriter {
  header: Buffer;
  type: { toBuffer(value: unknown): Buffer };
}

async function deltaWriter(registry: SchemaRegistry, id: number): Promise<DeltaWriter> {
  const header = confluentHeader(id);
  const type = (await registry.getSchema(id)) as unknown as DeltaWriter['type'];
  return { header, type };
}
