/**
 * Debezium change records as Kafka Connect's JsonConverter writes them for the sample ERP's tables,
 * with the schema part (schemas.enable=true) or without it. Shaped after real output of the
 * PostgreSQL connector (pgoutput, decimal.handling.mode=string, REPLICA IDENTITY DEFAULT).
 */
import type { DecodedSourceRecord, SourceChange, SourceOp, SourceTombstone } from '../../src/model/source-change.js';

type Row = Record<string, unknown>;

interface ConnectField {
  field: string;
  type: string;
  optional: boolean;
  name?: string;
  version?: number;
}

/** Column types of the sample ERP tables, as the connector describes them. */
const TABLE_COLUMNS: Record<string, ConnectField[]> = {
  customers: [
    { field: 'code', type: 'string', optional: false },
    { field: 'name', type: 'string', optional: true },
    { field: 'address', type: 'string', optional: true },
    { field: 'city', type: 'string', optional: true },
    { field: 'sales_rep_code', type: 'string', optional: true },
    { field: 'credit_limit', type: 'string', optional: true },
    { field: 'updated_at', type: 'string', optional: true, name: 'io.debezium.time.ZonedTimestamp', version: 1 },
  ],
  products: [
    { field: 'code', type: 'string', optional: false },
    { field: 'description', type: 'string', optional: true },
    { field: 'unit_price', type: 'string', optional: true },
    { field: 'active', type: 'boolean', optional: true },
    { field: 'updated_at', type: 'string', optional: true, name: 'io.debezium.time.ZonedTimestamp', version: 1 },
  ],
  stock_levels: [
    { field: 'product_code', type: 'string', optional: false },
    { field: 'warehouse_code', type: 'string', optional: false },
    { field: 'quantity', type: 'string', optional: true },
    { field: 'updated_at', type: 'string', optional: true, name: 'io.debezium.time.ZonedTimestamp', version: 1 },
  ],
};

const KEY_COLUMNS: Record<string, string[]> = {
  customers: ['code'],
  products: ['code'],
  stock_levels: ['product_code', 'warehouse_code'],
};

export interface ChangeInput {
  table: keyof typeof TABLE_COLUMNS & string;
  op: SourceOp;
  before?: Row | null;
  after?: Row | null;
  /** source.ts_ms: when the database made the change. */
  tsMs?: number;
  /**
   * Where PostgreSQL wrote the change (source.lsn, source.sequence's last commit LSN, txId). Without
   * it the record has no source position, and the tracker orders it by Kafka offset: the hand-made
   * records of decode and normalize cases need no order of their own.
   */
  position?: { lsn: number; lastCommitLsn?: number | null; txId?: number } | undefined;
  withSchema: boolean;
}

const DEFAULT_TS_MS = 1_709_280_000_000;

function columnsOf(table: string): ConnectField[] {
  const columns = TABLE_COLUMNS[table];
  if (!columns) throw new Error(`no such sample table: ${table}`);
  return columns;
}

function keyColumnsOf(table: string): string[] {
  const columns = KEY_COLUMNS[table];
  if (!columns) throw new Error(`no such sample table: ${table}`);
  return columns;
}

function valueStruct(table: string, fieldName: string): object {
  return { type: 'struct', fields: columnsOf(table), optional: true, name: `erp.public.${table}.Value`, field: fieldName };
}

const SOURCE_SCHEMA = {
  type: 'struct',
  fields: [
    { type: 'string', optional: false, field: 'version' },
    { type: 'string', optional: false, field: 'connector' },
    { type: 'string', optional: false, field: 'name' },
    { type: 'int64', optional: false, field: 'ts_ms' },
    { type: 'string', optional: true, name: 'io.debezium.data.Enum', version: 1, field: 'snapshot' },
    { type: 'string', optional: false, field: 'db' },
    { type: 'string', optional: true, field: 'sequence' },
    { type: 'string', optional: false, field: 'schema' },
    { type: 'string', optional: false, field: 'table' },
    { type: 'int64', optional: true, field: 'txId' },
    { type: 'int64', optional: true, field: 'lsn' },
    { type: 'int64', optional: true, field: 'xmin' },
  ],
  optional: false,
  name: 'io.debezium.connector.postgresql.Source',
  field: 'source',
};

export function envelope(input: Omit<ChangeInput, 'withSchema'>): Row {
  const tsMs = input.tsMs ?? DEFAULT_TS_MS;
  const { position } = input;
  const lastCommitLsn = position?.lastCommitLsn ?? null;
  return {
    before: input.before ?? null,
    after: input.after ?? null,
    source: {
      version: '3.0.8.Final',
      connector: 'postgresql',
      name: 'erp',
      ts_ms: tsMs,
      snapshot: input.op === 'r' ? 'true' : 'false',
      db: 'erp',
      sequence: position ? JSON.stringify([lastCommitLsn === null ? null : String(lastCommitLsn), String(position.lsn)]) : null,
      schema: 'public',
      table: input.table,
      txId: position?.txId ?? null,
      lsn: position?.lsn ?? null,
      xmin: null,
    },
    transaction: null,
    op: input.op,
    ts_ms: tsMs + 12,
  };
}

/** The value bytes of a change record. */
export function changeValue(input: ChangeInput): Buffer {
  const payload = envelope(input);
  if (!input.withSchema) return json(payload);
  const schema = {
    type: 'struct',
    fields: [valueStruct(input.table, 'before'), valueStruct(input.table, 'after'), SOURCE_SCHEMA, { type: 'string', optional: false, field: 'op' }, { type: 'int64', optional: true, field: 'ts_ms' }],
    optional: false,
    name: `erp.public.${input.table}.Envelope`,
    version: 2,
  };
  return json({ schema, payload });
}

/** The key bytes of a record of `table`: its primary key columns, taken from `row`. */
export function changeKey(table: string, row: Row, withSchema: boolean): Buffer {
  const keyColumns = keyColumnsOf(table);
  const payload = Object.fromEntries(keyColumns.map((column) => [column, row[column]]));
  if (!withSchema) return json(payload);
  const fields = columnsOf(table).filter((field) => keyColumns.includes(field.field));
  return json({ schema: { type: 'struct', fields, optional: false, name: `erp.public.${table}.Key` }, payload });
}

export function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

/** A decoded record that names a row (a change or a tombstone): the test fails on a truncate. */
export function rowRecord(decoded: DecodedSourceRecord): SourceChange | SourceTombstone {
  if (decoded.kind === 'truncate') throw new Error("expected a row's record, got a truncate");
  return decoded;
}
