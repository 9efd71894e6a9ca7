import { SOURCE_CONNECTORS, type SourceConnector } from '../model/source-position.js';
import type { DeltaSource } from '../model/delta.js';
import { deltaSourceOf, type DeletedRecord, type LoadedRecord } from '../model/loaded-record.js';

/**
 * The compact form stored per key: the record (null for a deleted key) and the source record it
 * came from, as JSON in this member order. `d` first and `s` last let a read take either end
 * without parsing the rest (StoredLoadedRecord).
 *
 *   {"d":{…record…},"s":[topic,partition,offset,tsMs,epoch,connector,position]}
 *   {"d":null,"s":[…]}                      a key deleted by the delta from that source record
 *
 * Stores written before keep `s` as [topic,partition,offset] (no source position: those keys are
 * ordered by Kafka offset until their next delta), some with a hash member `h` between `d` and `s`
 * that is ignored.
 */
interface StoredForm {
  d: LoadedRecord['data'] | null;
  s: StoredSource;
}

type StoredSource = [string, number, number] | [string, number, number, number, number, SourceConnector | null, string | null];

const DATA_START = '{"d":';
const DELETED_START = '{"d":null,';
const SOURCE_MEMBER = ',"s":';
/** The member that stores written before had between `d` and `s`. */
const LEGACY_HASH_MEMBER = ',"h":"';

export function encodeLoadedRecord(record: LoadedRecord | DeletedRecord): string {
  const { topic, partition, offset, tsMs, epoch, connector, position } = record.source;
  const stored: StoredForm = { d: 'deleted' in record ? null : record.data, s: [topic, partition, offset, tsMs, epoch, connector, position] };
  return JSON.stringify(stored);
}

export function decodeStoredState(key: string, text: string): LoadedRecord | DeletedRecord {
  const stored = JSON.parse(text) as StoredForm;
  const source = sourceOf(stored.s);
  return stored.d === null ? { key, deleted: true, source } : { key, data: stored.d, source };
}

/** A stored text's loaded record; throws for a deleted key's (callers skip those: isDeletedText). */
export function decodeLoadedRecord(key: string, text: string): LoadedRecord {
  const state = decodeStoredState(key, text);
  if ('deleted' in state) throw new Error(`key ${key} is stored as deleted, not as a loaded record`);
  return state;
}

export function isDeletedText(text: string): boolean {
  return text.startsWith(DELETED_START);
}

/** A stored text as the tracker's batch lookup reads it: a lazily parsed loaded record, or a deleted key. */
export function storedState(key: string, text: string): LoadedRecord | DeletedRecord {
  return isDeletedText(text) ? { key, deleted: true, source: storedSource(text) } : new StoredLoadedRecord(key, text);
}

/**
 * A loaded record as the tracker's batch lookup reads it: parsed only as far as it is used. Most
 * changes the tracker sees are noise, and for those it needs the source (a small parse of the
 * tail) and whether the desired record equals this one, which `dataJson` answers without
 * parsing: it is the stored text of `data`, exactly JSON.stringify(data). The whole record is
 * parsed when something reads `data`. (Measured: parsing every looked-up record was 6 %
 * of the tracker's CPU and 5 % of what it allocated.)
 */
export class StoredLoadedRecord implements LoadedRecord {
  private parsed: LoadedRecord | undefined;
  private position: DeltaSource | undefined;

  constructor(
    readonly key: string,
    private readonly text: string,
  ) {}

  get data(): LoadedRecord['data'] {
    return this.record().data;
  }

  get source(): DeltaSource {
    this.position ??= storedSource(this.text);
    return this.position;
  }

  get dataJson(): string | undefined {
    if (!this.text.startsWith(DATA_START)) return undefined;
    // `s` holds no `,"s":`, so the last one is the member's own. The data is an object and ends
    // with "}"; a quote there ends a legacy hash (base64url: its own `,"h":"` is the last one).
    const sourceAt = this.text.lastIndexOf(SOURCE_MEMBER);
    const dataEnd = this.text.charCodeAt(sourceAt - 1) === QUOTE ? this.text.lastIndexOf(LEGACY_HASH_MEMBER, sourceAt) : sourceAt;
    return this.text.slice(DATA_START.length, dataEnd);
  }

  private record(): LoadedRecord {
    this.parsed ??= decodeLoadedRecord(this.key, this.text);
    return this.parsed;
  }
}

/**
 * The `s` array at the end of a stored text, read alone and from its end: it is read for every
 * change of a loaded key, the record in front of it only when it differs. Its text holds no `,"s":`
 * and no comma inside a value (topic names, connector names and positions have no quotes or
 * commas in them), so the last `,"s":` starts it and its values lie between its commas. A
 * connector's name is the constant, not a new string. Anything unusual is left to JSON.parse.
 */
function storedSource(text: string): DeltaSource {
  const arrayAt = text.lastIndexOf(SOURCE_MEMBER) + SOURCE_MEMBER.length;
  const close = text.length - 2;
  const positionAt = text.lastIndexOf(',', close) + 1;
  const connectorAt = text.lastIndexOf(',', positionAt - 2) + 1;
  const epochAt = text.lastIndexOf(',', connectorAt - 2) + 1;
  const tsMsAt = text.lastIndexOf(',', epochAt - 2) + 1;
  const offsetAt = text.lastIndexOf(',', tsMsAt - 2) + 1;
  const partitionAt = text.lastIndexOf(',', offsetAt - 2) + 1;
  const connector = storedConnector(text, connectorAt, positionAt - 1);
  if (connector !== undefined && text.charCodeAt(arrayAt) === OPEN_BRACKET && text.charCodeAt(close) === CLOSE_BRACKET && partitionAt - 1 > arrayAt && text.charCodeAt(arrayAt + 1) === QUOTE) {
    const source: DeltaSource = {
      topic: text.slice(arrayAt + 2, partitionAt - 2),
      partition: Number(text.slice(partitionAt, offsetAt - 1)),
      offset: Number(text.slice(offsetAt, tsMsAt - 1)),
      tsMs: Number(text.slice(tsMsAt, epochAt - 1)),
      epoch: Number(text.slice(epochAt, connectorAt - 1)),
      connector,
      position: text.startsWith('null', positionAt) ? null : text.slice(positionAt + 1, close - 1),
    };
    const wellFormed =
      Number.isSafeInteger(source.partition)
      && Number.isSafeInteger(source.offset)
      && Number.isSafeInteger(source.tsMs)
      && Number.isSafeInteger(source.epoch)
      && text.charCodeAt(partitionAt - 2) === QUOTE;
    if (wellFormed) return source;
  }
  return sourceOf(JSON.parse(text.slice(arrayAt, -1)) as StoredSource);
}

/** The connector between `start` and `end` (quoted, or null), as one of the known names; undefined if it is none. */
function storedConnector(text: string, start: number, end: number): SourceConnector | null | undefined {
  if (end - start === 4 && text.startsWith('null', start)) return null;
  for (const connector of SOURCE_CONNECTORS) {
    if (end - start === connector.length + 2 && text.startsWith(connector, start + 1)) return connector;
  }
  return undefined;
}

const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;

function sourceOf(stored: StoredSource): DeltaSource {
  const [topic, partition, offset, tsMs, epoch, connector, position] = stored;
  return deltaSourceOf({ topic, partition, offset, tsMs, epoch, connector, position });
}

const QUOTE = 34;
