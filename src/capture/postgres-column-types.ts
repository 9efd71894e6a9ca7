import type { ConnectorModes } from './connector-modes.js';
import type { ColumnChoice, NormalizerChoice } from './entity-draft.js';

/** A column as PostgreSQL's information_schema.columns describes it (domains by their base type). */
export interface PostgresColumn {
  name: string;
  /** information_schema's data_type: `numeric`, `timestamp without time zone`, `ARRAY`, `USER-DEFINED`. */
  dataType: string;
  /** The type's own name: `int4`, `timestamptz`, `_int4` for an array of int4, the enum's or extension's name. */
  udtName: string;
  /** format_type(): the type as declared (`numeric(12,2)`, `character varying(40)`, a domain's name). */
  declaredType: string;
  numericScale: number | null;
  datetimePrecision: number | null;
  /** bit(n), varbit(n), char(n), varchar(n): n. */
  characterMaximumLength: number | null;
  /** The labels of an enum type, in order; undefined for any other type. */
  enumLabels: string[] | undefined;
}

/**
 * A numeric without a declared scale keeps whatever digits were written, and the decimal
 * normalizer needs one scale: this is a placeholder the draft says to replace.
 */
export const UNSCALED_NUMERIC_SCALE = 6;

/** The zone drafted for a timestamp without time zone: a placeholder, since only the ERP knows its zone. */
export const PLACEHOLDER_ZONE = 'UTC';

export const LOCAL_TIMESTAMP_NOTE = `a timestamp without time zone: Debezium sends its wall-clock reading, and erp-delta reads it in \`zone\`. ${PLACEHOLDER_ZONE} is a placeholder: set the IANA zone the ERP writes local time in (for example Europe/Berlin)`;

export const UNSCALED_NUMERIC_NOTE = `numeric without a scale keeps the digits as written: scale ${UNSCALED_NUMERIC_SCALE} is a placeholder; set the fraction digits the target needs (more are rounded half up)`;

/**
 * The normalizer for a PostgreSQL column, with the parameters the connector's modes call for:
 * what the Debezium PostgreSQL connector sends for each type ("Data type mappings") is what the
 * normalizers' doc comments say they read.
 */
export function postgresColumnChoice(column: PostgresColumn, modes: ConnectorModes): ColumnChoice {
  const sourceType = column.declaredType;
  const choose = (normalizer: NormalizerChoice, ...notes: string[]): ColumnChoice => ({ normalizer, sourceType, notes });

  if (column.enumLabels !== undefined) {
    return choose({ normalizer: 'text' }, `enum ${column.udtName} (${column.enumLabels.join(', ')}): Debezium sends the label as text`);
  }
  if (column.dataType === 'ARRAY' || column.udtName.startsWith('_')) {
    return choose(
      { normalizer: 'json' },
      `array of ${column.udtName.replace(/^_/, '')}: Debezium sends a JSON array of its elements, compared as one document (its elements are not normalized one by one)`,
    );
  }

  switch (column.udtName) {
    case 'int2':
    case 'int4':
    case 'int8':
    case 'oid':
      return choose({ normalizer: 'integer' });
    case 'bool':
      return choose({ normalizer: 'boolean' });
    case 'bit':
    case 'varbit':
      // Debezium sends bit(1) as a BOOLEAN, longer bit strings as bytes (io.debezium.data.Bits).
      if (column.characterMaximumLength === 1) return choose({ normalizer: 'boolean' });
      // Debezium writes them as BYTES whatever binary.handling.mode says: base64 through JsonConverter.
      return choose({ normalizer: 'bytes' }, 'a bit string: Debezium sends its bits as bytes (io.debezium.data.Bits), compared as their hex');
    case 'text':
    case 'varchar':
    case 'bpchar':
    case 'char':
    case 'name':
      return choose({ normalizer: 'text' });
    case 'citext':
      return choose({ normalizer: 'text' }, 'citext compares without case in the ERP: add `case: lower` if a change of case alone should not be a change');
    case 'numeric':
      if (column.numericScale === null) return choose(decimalChoice(UNSCALED_NUMERIC_SCALE, modes), UNSCALED_NUMERIC_NOTE, ...decimalNotes(modes));
      return choose(decimalChoice(column.numericScale, modes), ...decimalNotes(modes));
    case 'money':
      return choose(decimalChoice(modes.moneyFractionDigits, modes), `money: sent with the connector's money.fraction.digits (${modes.moneyFractionDigits})`, ...decimalNotes(modes));
    case 'float4':
    case 'float8':
      return choose({ normalizer: 'text' }, `${column.declaredType} is a floating-point number: tracked as the text of its value; a decimal with a scale would ignore differences below it`);
    case 'date':
      return choose({ normalizer: 'date' });
    case 'timestamp':
      return choose({ normalizer: 'timestamp', ...epochUnitOf(column.datetimePrecision, modes), zone: PLACEHOLDER_ZONE }, LOCAL_TIMESTAMP_NOTE);
    case 'timestamptz':
      // io.debezium.time.ZonedTimestamp, ISO text in UTC, whatever time.precision.mode says.
      return choose({ normalizer: 'timestamp' });
    case 'time':
      return choose({ normalizer: 'time', ...timeUnitOf(column.datetimePrecision, modes) });
    case 'timetz':
      // io.debezium.time.ZonedTime, ISO text in UTC, whatever time.precision.mode says.
      return choose({ normalizer: 'time' });
    case 'json':
    case 'jsonb':
      return choose({ normalizer: 'json' });
    case 'hstore':
      return choose({ normalizer: 'json' }, 'hstore: Debezium sends it as a JSON object (hstore.handling.mode json or map)');
    case 'uuid':
      return choose({ normalizer: 'uuid' });
    case 'bytea':
      return choose(bytesChoice(modes));
    case 'point':
    case 'geometry':
    case 'geography':
      return choose({ normalizer: 'json' }, `${column.udtName}: Debezium sends a struct (io.debezium.data.geometry), compared as its JSON`);
    case 'interval':
      return choose({ normalizer: 'text' }, 'interval: Debezium sends microseconds (interval.handling.mode numeric) or ISO 8601 text (string), compared as they come');
    default:
      return choose(
        { normalizer: 'text' },
        `PostgreSQL type ${column.declaredType} has no normalizer of its own: tracked as text; check what Debezium sends for it (a type it does not know is left out unless include.unknown.datatypes is set)`,
      );
  }
}

function decimalChoice(scale: number, modes: ConnectorModes): NormalizerChoice {
  // precise: org.apache.kafka.connect.data.Decimal, the unscaled value as base64 bytes. A numeric
  // without a scale comes as io.debezium.data.VariableScaleDecimal, read whatever the encoding.
  return modes.decimalHandling === 'precise' ? { normalizer: 'decimal', scale, encoding: 'base64' } : { normalizer: 'decimal', scale };
}

function decimalNotes(modes: ConnectorModes): string[] {
  return modes.decimalHandling === 'double' ? ["decimal.handling.mode double: digits beyond a double's 15-17 were rounded by the connector already"] : [];
}

function bytesChoice(modes: ConnectorModes): NormalizerChoice {
  switch (modes.binaryHandling) {
    case 'hex':
      return { normalizer: 'bytes', encoding: 'hex' };
    case 'base64-url-safe':
      return { normalizer: 'bytes', encoding: 'base64-url-safe' };
    // bytes: JsonConverter writes Connect BYTES as base64, the normalizer's default.
    case 'bytes':
    case 'base64':
      return { normalizer: 'bytes' };
  }
}

/**
 * Epoch numbers are millis for TIMESTAMP(0-3) and micros for TIMESTAMP(4-6) in the adaptive
 * modes, millis in connect mode; isostring sends text, which needs no unit. The unit is set
 * rather than left to `auto`, which misreads micros of 1970-1973.
 */
function epochUnitOf(precision: number | null, modes: ConnectorModes): { epochUnit?: 'millis' | 'micros' } {
  switch (modes.timePrecision) {
    case 'isostring':
      return {};
    case 'connect':
      return { epochUnit: 'millis' };
    case 'adaptive':
    case 'adaptive_time_microseconds':
      return { epochUnit: (precision ?? 6) <= 3 ? 'millis' : 'micros' };
  }
}

/** io.debezium.time.Time (millis) for TIME(0-3), MicroTime for TIME(4-6); connect: millis; adaptive_time_microseconds: micros. */
function timeUnitOf(precision: number | null, modes: ConnectorModes): { unit?: 'millis' | 'micros' } {
  switch (modes.timePrecision) {
    case 'isostring':
      return {};
    case 'connect':
      return { unit: 'millis' };
    case 'adaptive_time_microseconds':
      return { unit: 'micros' };
    case 'adaptive':
      return { unit: (precision ?? 6) <= 3 ? 'millis' : 'micros' };
  }
}
