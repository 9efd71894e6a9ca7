import { ErpDeltaError } from '../errors/erp-delta-error.js';
import type { ColumnChoice, NormalizerChoice, SourceColumn } from './entity-draft.js';
import { LOCAL_TIMESTAMP_NOTE, PLACEHOLDER_ZONE, UNSCALED_NUMERIC_NOTE, UNSCALED_NUMERIC_SCALE } from './postgres-column-types.js';

/** A Kafka Connect schema as JsonConverter writes it with schemas.enable=true. */
export interface ConnectSchema {
  type: string;
  optional?: boolean;
  /** The member's name inside its struct: the column name. */
  field?: string;
  /** The logical type: io.debezium.time.Date, org.apache.kafka.connect.data.Decimal, ... */
  name?: string;
  parameters?: Record<string, string>;
  fields?: ConnectSchema[];
}

/** What one record of a CDC topic says about its table. */
export interface CdcRecordShape {
  /** source.schema and source.table of the record, when it has them. */
  schema: string | undefined;
  table: string | undefined;
  columns: SourceColumn[];
  keyColumns: string[];
  /** What the reader should check about the record's schema as a whole. */
  notes: string[];
}

/** JsonConverter's BYTES are base64 text, so a Connect bytes field is read with the default encoding. */
const BYTES: NormalizerChoice = { normalizer: 'bytes' };

/**
 * The columns of a CDC record's table, from the schema part Kafka Connect's JsonConverter writes
 * with schemas.enable=true (the value is {schema, payload}): the fields of the envelope's `after`
 * struct, and the key columns from the key's schema (else from its members). A record without a
 * schema part cannot tell its columns' types: that is TOPIC_SCHEMA_MISSING, naming the topic.
 */
export function cdcRecordShape(topic: string, key: Buffer | null, value: Buffer): CdcRecordShape {
  const missing = (why: string): ErpDeltaError =>
    new ErpDeltaError('TOPIC_SCHEMA_MISSING', `The records of CDC topic ${topic} ${why}, so they do not tell the columns' types.`, {
      hint: "Read the columns from the ERP database instead: leave out --from-topic (the connector file's connection, or --database-url).",
    });
  if (value[0] === 0) throw missing('are Avro in the Confluent wire format (their schema is in the registry, not in the record)');
  const parsed = parseJson(value);
  if (!isConnectRecord(parsed)) throw missing("have no schema part (Kafka Connect's JsonConverter runs with schemas.enable=false)");
  const after = parsed.schema.fields?.find((field) => field.field === 'after');
  if (after?.type !== 'struct' || after.fields === undefined) throw missing('are not Debezium change events (their schema has no `after` struct)');

  const source = isObject(parsed.payload) && isObject(parsed.payload['source']) ? parsed.payload['source'] : {};
  const columns = after.fields.filter((field) => field.field !== undefined).map((field) => ({ name: field.field ?? '', choice: connectFieldChoice(field) }));
  const plainStrings = columns.filter((column) => column.choice.sourceType === 'string').map((column) => column.name);
  return {
    schema: typeof source['schema'] === 'string' ? source['schema'] : undefined,
    table: typeof source['table'] === 'string' ? source['table'] : undefined,
    columns,
    keyColumns: key === null ? [] : keyColumnsOf(parseJson(key)),
    notes:
      plainStrings.length === 0
        ? []
        : [
            `Check ${plainStrings.join(', ')}: a plain string in a record's schema is a text column, or a numeric under decimal.handling.mode=string; a numeric is tracked as decimal with its scale (reading the columns from the database tells them apart).`,
          ],
  };
}

function keyColumnsOf(key: unknown): string[] {
  if (isConnectRecord(key)) {
    const fields = key.schema.fields?.map((field) => field.field).filter((name): name is string => name !== undefined);
    if (fields !== undefined && fields.length > 0) return fields;
    return isObject(key.payload) ? Object.keys(key.payload) : [];
  }
  return isObject(key) ? Object.keys(key) : [];
}

/**
 * The normalizer for a column of a Connect schema. The logical name says how Debezium encoded the
 * value, so the parameters follow from it (a Decimal's scale, an epoch's unit) without knowing the
 * connector's modes. What it cannot say: under decimal.handling.mode=string a numeric is a plain
 * string like any text column, unless the connector propagates source types
 * (column.propagate.source.type), whose `__debezium.source.column.*` parameters are read here.
 */
export function connectFieldChoice(field: ConnectSchema): ColumnChoice {
  const parameters = field.parameters ?? {};
  const sourceType = describeConnectType(field);
  const choose = (normalizer: NormalizerChoice, ...notes: string[]): ColumnChoice => ({ normalizer, sourceType, notes });
  const localTimestamp = (epochUnit?: 'millis' | 'micros' | 'nanos'): ColumnChoice =>
    choose({ normalizer: 'timestamp', ...(epochUnit === undefined ? {} : { epochUnit }), zone: PLACEHOLDER_ZONE }, LOCAL_TIMESTAMP_NOTE);

  switch (field.name) {
    case 'io.debezium.time.Date':
    case 'io.debezium.time.IsoDate':
    case 'org.apache.kafka.connect.data.Date':
      return choose({ normalizer: 'date' });
    case 'io.debezium.time.Timestamp':
    case 'org.apache.kafka.connect.data.Timestamp':
      return localTimestamp('millis');
    case 'io.debezium.time.MicroTimestamp':
      return localTimestamp('micros');
    case 'io.debezium.time.NanoTimestamp':
      return localTimestamp('nanos');
    case 'io.debezium.time.IsoTimestamp':
      return localTimestamp();
    case 'io.debezium.time.ZonedTimestamp':
      return choose({ normalizer: 'timestamp' });
    case 'io.debezium.time.Time':
    case 'org.apache.kafka.connect.data.Time':
      return choose({ normalizer: 'time', unit: 'millis' });
    case 'io.debezium.time.MicroTime':
      return choose({ normalizer: 'time', unit: 'micros' });
    case 'io.debezium.time.NanoTime':
      return choose({ normalizer: 'time', unit: 'nanos' });
    case 'io.debezium.time.IsoTime':
    case 'io.debezium.time.ZonedTime':
      return choose({ normalizer: 'time' });
    case 'org.apache.kafka.connect.data.Decimal': {
      const scale = Number(parameters['scale']);
      if (Number.isInteger(scale) && scale >= 0) return choose({ normalizer: 'decimal', scale, encoding: 'base64' });
      return choose({ normalizer: 'decimal', scale: UNSCALED_NUMERIC_SCALE, encoding: 'base64' }, `the schema gives no scale: ${UNSCALED_NUMERIC_NOTE}`);
    }
    case 'io.debezium.data.VariableScaleDecimal':
      return choose({ normalizer: 'decimal', scale: UNSCALED_NUMERIC_SCALE }, UNSCALED_NUMERIC_NOTE);
    case 'io.debezium.data.Json':
      return choose({ normalizer: 'json' });
    case 'io.debezium.data.Uuid':
      return choose({ normalizer: 'uuid' });
    case 'io.debezium.data.Enum':
    case 'io.debezium.data.EnumSet':
      return choose({ normalizer: 'text' }, `enum${parameters['allowed'] === undefined ? '' : ` (${parameters['allowed']})`}: Debezium sends the label as text`);
    case 'io.debezium.time.MicroDuration':
    case 'io.debezium.time.Interval':
      return choose({ normalizer: 'text' }, 'an interval: compared as Debezium sends it (microseconds, or ISO 8601 text)');
    case 'io.debezium.data.Bits':
      return choose(BYTES, 'a bit string: Debezium sends its bits as bytes, compared as their hex');
    default:
      break;
  }
  if (field.name?.startsWith('io.debezium.data.geometry.')) return choose({ normalizer: 'json' }, `${field.name}: a struct, compared as its JSON`);

  switch (field.type) {
    case 'int8':
    case 'int16':
    case 'int32':
    case 'int64':
      return choose({ normalizer: 'integer' }, ...(field.name === undefined ? [] : [`${field.name} is a count: check that the column is a number, not a duration or time`]));
    case 'boolean':
      return choose({ normalizer: 'boolean' });
    case 'bytes':
      return choose(BYTES);
    case 'float32':
    case 'float64':
      return choose({ normalizer: 'text' }, `${field.type} is a floating-point number: tracked as the text of its value; a decimal with a scale would ignore differences below it`);
    case 'array':
    case 'map':
    case 'struct':
      return choose({ normalizer: 'json' }, `a Connect ${field.type}: compared as one JSON document`);
    case 'string':
      return stringChoice(field, choose);
    default:
      return choose({ normalizer: 'text' }, `Connect type ${sourceType} has no normalizer of its own: tracked as text; check what the topic holds for it`);
  }
}

/** A string: text, unless the propagated source type says it is a numeric sent as text. */
function stringChoice(field: ConnectSchema, choose: (normalizer: NormalizerChoice, ...notes: string[]) => ColumnChoice): ColumnChoice {
  const parameters = field.parameters ?? {};
  const sourceColumnType = parameters['__debezium.source.column.type']?.toUpperCase();
  if (sourceColumnType === 'NUMERIC' || sourceColumnType === 'DECIMAL') {
    const scale = Number(parameters['__debezium.source.column.scale']);
    if (Number.isInteger(scale) && scale >= 0) return choose({ normalizer: 'decimal', scale });
    return choose({ normalizer: 'decimal', scale: UNSCALED_NUMERIC_SCALE }, UNSCALED_NUMERIC_NOTE);
  }
  if (sourceColumnType === 'MONEY') return choose({ normalizer: 'decimal', scale: 2 }, 'money: scale 2, unless the connector sets money.fraction.digits');
  if (field.name !== undefined && field.name !== '') {
    return choose({ normalizer: 'text' }, `${field.name} has no normalizer of its own: tracked as text`);
  }
  return choose({ normalizer: 'text' });
}

function describeConnectType(field: ConnectSchema): string {
  const sourceColumnType = field.parameters?.['__debezium.source.column.type'];
  const logical = field.name ?? field.type;
  return sourceColumnType === undefined ? logical : `${logical} (${sourceColumnType.toLowerCase()})`;
}

function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isConnectRecord(value: unknown): value is { schema: ConnectSchema; payload: unknown } {
  if (!isObject(value) || !('payload' in value) || !isObject(value['schema'])) return false;
  return typeof value['schema']['type'] === 'string';
}
