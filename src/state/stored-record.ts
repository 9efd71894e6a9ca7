import type { LoadedRecord } from '../tracker/loaded-record.js';
import type { SourcePosition } from '../tracker/delta.js';

/**
 * The compact form stored per key: the record and the source position it came from, as JSON in
 * this member order. `d` first and `s` last let a read take either end without parsing the rest
 * (StoredLoadedRecord).
 *
 * No hash of the record (DESIGN's compare mentions one): the stored text of `d` is compared with
 * the desired record's JSON instead, which is exact and costs no hashing per event, and a hash
 * nobody read cost a SHA-256 per delta and a third of each stored record. Stores written before
 * (`{"d":…,"h":"<hash>","s":…}`) are still read; their hash is ignored.
 */
interface StoredForm {
  d: LoadedRecord['data'];
  s: [string, number, number];
}

const DATA_START = '{"d":';
const SOURCE_MEMBER = ',"s":';
/** The member that stores written before had between `d` and `s`. */
const LEGACY_HASH_MEMBER = ',"h":"';

export function encodeLoadedRecord(record: LoadedRecord): string {
  const stored: StoredForm = { d: record.data, s: [record.source.topic, record.source.partition, record.source.offset] };
  return JSON.stringify(stored);
}

export function decodeLoadedRecord(key: string, text: string): LoadedRecord {
  const stored = JSON.parse(text) as StoredForm;
  return { key, data: stored.d, source: { topic: stored.s[0], partition: stored.s[1], offset: stored.s[2] } };
}

/**
 * A loaded record as the tracker's batch lookup reads it: parsed only as far as it is used. Most
 * changes the tracker sees are noise, and for those it needs the source position (a small parse of
 * the tail) and whether the desired record equals this one, which `dataJson` answers without
 * parsing: it is the stored text of `data`, exactly JSON.stringify(data). The whole record is
 * parsed when something reads `data`. (Measured: parsing every looked-up record was 6 %
 * of the tracker's CPU and 5 % of what it allocated.)
 */
export class StoredLoadedRecord implements LoadedRecord {
  private parsed: LoadedRecord | undefined;
  private position: SourcePosition | undefined;

  constructor(readonly key: string, private readonly text: string) {}

  get data(): LoadedRecord['data'] {
    return this.record().data;
  }

  get source(): SourcePosition {
    this.position ??= storedPosition(this.text);
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
 * The source position at the end of a stored record, `,"s":["topic",partition,offset]}`, read
 * without JSON.parse: it is read for every change of a loaded key. A Kafka topic name is made of
 * letters, digits, ".", "_" and "-" only, so its JSON is the name in quotes.
 */
function storedPosition(text: string): SourcePosition {
  const close = text.length - 2;
  const offsetAt = text.lastIndexOf(',', close);
  const partitionAt = text.lastIndexOf(',', offsetAt - 1);
  const topicAt = text.lastIndexOf(SOURCE_MEMBER, partitionAt) + SOURCE_MEMBER.length + 1;
  const position = { topic: text.slice(topicAt + 1, partitionAt - 1), partition: Number(text.slice(partitionAt + 1, offsetAt)), offset: Number(text.slice(offsetAt + 1, close)) };
  if (text.charCodeAt(close) !== CLOSE_BRACKET || text.charCodeAt(topicAt) !== QUOTE || !Number.isSafeInteger(position.partition) || !Number.isSafeInteger(position.offset)) {
    const [topic, partition, offset] = JSON.parse(text.slice(text.lastIndexOf(SOURCE_MEMBER) + SOURCE_MEMBER.length, -1)) as StoredForm['s'];
    return { topic, partition, offset };
  }
  return position;
}

const CLOSE_BRACKET = 93;
const QUOTE = 34;
