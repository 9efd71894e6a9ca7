import { POSITION_MEMBERS, sourcePositionOf } from '../capture/source-position.js';
import { SOURCE_CONNECTORS, type SourceConnector } from '../model/source-position.js';
import { snapshotKind, type SourceChange, type SourceRow } from './source-change.js';

/**
 * The tracker reads four things of a Debezium envelope: `after`, `op`, `source.ts_ms` and the few
 * members of `source` that make its source position. Yet JSON.parse of a whole envelope builds the
 * `source` block whole (fifteen members or so, most of them strings), which is most of the parse's
 * time and of what it allocates (bench/RESULTS.md). This
 * reads the envelope as Kafka Connect's JsonConverter writes it without schemas, and as nearly
 * every CDC record of a PostgreSQL table with REPLICA IDENTITY DEFAULT looks:
 *
 *   {"before":null,"after":{…row…},"source":{…flat…},"transaction":null,"op":"u","ts_ms":…}
 *
 * by parsing only the row, and checking the rest with regular expressions (native code) that
 * accept only JSON: the source block an object of scalars, then members with scalar values. Of the
 * source block, only the position's members are read (positionSource).
 *
 * It returns undefined for anything else (a `before` row, a delete, transaction metadata, the
 * schema part, another member order, a duplicated member, a malformed record) and the caller then
 * parses the whole envelope, so a record is decoded to the same change, or fails with the same
 * reason, either way (test/unit/tracker/compact-envelope.test.ts checks that on mutated records).
 */
export function readCompactEnvelope(text: string, key: SourceRow): SourceChange | undefined {
  if (!text.startsWith(ROW_START)) return undefined;
  // The first `,"source":{` after the row's start: inside the row's strings it would be escaped, so
  // either it ends the row or it is inside a nested value of the row, and then the row's text is
  // not balanced JSON and its parse fails.
  const rowEnd = text.indexOf(SOURCE_START, ROW_START.length);
  if (rowEnd < 0) return undefined;
  // Sticky expressions tested in turn: where one ends (lastIndex) the next starts, and no match
  // array or captured text is built for every event.
  const sourceStart = rowEnd + SOURCE_MEMBER_NAME.length;
  SOURCE_OBJECT.lastIndex = sourceStart;
  if (!SOURCE_OBJECT.test(text)) return undefined;
  const sourceEnd = SOURCE_OBJECT.lastIndex;
  TAIL_MEMBERS.lastIndex = sourceEnd;
  if (!TAIL_MEMBERS.test(text)) return undefined;
  // Members that JSON.parse would let a later duplicate in the tail override.
  if (text.includes('"after":', sourceEnd) || text.includes('"before":', sourceEnd) || text.includes('"source":', sourceEnd)) return undefined;
  const op = opOf(text, sourceEnd);
  const sourceTsMs = tsMsOf(text, sourceStart, sourceEnd);
  if (op === undefined || sourceTsMs === undefined) return undefined;
  let after: unknown;
  try {
    after = JSON.parse(text.slice(ROW_START.length - 1, rowEnd));
  } catch {
    return undefined;
  }
  if (typeof after !== 'object' || after === null || Array.isArray(after)) return undefined;
  return {
    kind: 'change', op, key, before: null, after: after as SourceRow, sourceTsMs,
    position: sourcePositionOf(positionSource(text, sourceStart, sourceEnd)), snapshot: snapshotKind(scalarMember(text, sourceStart, sourceEnd, 'snapshot')),
  };
}

/**
 * The members of the source block (text[start, end)) that its connector's position is made of, as
 * a small object for sourcePositionOf. The block was checked to be an object of scalar members, so
 * an unescaped `"name":` in it is a member's name, never part of a string.
 */
function positionSource(text: string, start: number, end: number): SourceRow | undefined {
  const connector = scalarMember(text, start, end, 'connector');
  if (typeof connector !== 'string' || !(SOURCE_CONNECTORS as readonly string[]).includes(connector)) return undefined;
  const source: SourceRow = { connector };
  for (const name of POSITION_MEMBERS[connector as SourceConnector]) {
    const value = scalarMember(text, start, end, name);
    if (value !== undefined) source[name] = value;
  }
  return source;
}

/** A scalar member's value as JSON.parse gives it, so that both decoders read the same position. */
function scalarMember(text: string, start: number, end: number, name: string): string | number | boolean | null | undefined {
  const at = text.indexOf(`"${name}":`, start);
  if (at < 0 || at >= end) return undefined;
  const valueAt = at + name.length + 3;
  if (text.charCodeAt(valueAt) === QUOTE) {
    STRING_VALUE.lastIndex = valueAt;
    if (!STRING_VALUE.test(text)) return undefined;
    return JSON.parse(text.slice(valueAt, STRING_VALUE.lastIndex)) as string;
  }
  SCALAR_VALUE.lastIndex = valueAt;
  if (!SCALAR_VALUE.test(text)) return undefined;
  const value = text.slice(valueAt, SCALAR_VALUE.lastIndex);
  return value === 'true' ? true : value === 'false' ? false : value === 'null' ? null : Number(value);
}

const ROW_START = '{"before":null,"after":{';
const SOURCE_MEMBER_NAME = ',"source":';
const SOURCE_START = `${SOURCE_MEMBER_NAME}{`;
const OP_MEMBER = '"op":';
const TS_MS_MEMBER = '"ts_ms":';

// JSON's own grammar for strings and numbers (RFC 8259), unrolled so that a string is one run.
const STRING = String.raw`"[^"\\\x00-\x1f]*(?:\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})[^"\\\x00-\x1f]*)*"`;
const NUMBER = String.raw`-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?`;
const SCALAR = `(?:${STRING}|${NUMBER}|true|false|null)`;
const MEMBER = `${STRING}:${SCALAR}`;
const STRING_VALUE = new RegExp(STRING, 'y');
const SCALAR_VALUE = new RegExp(`${NUMBER}|true|false|null`, 'y');
/** The source block: an object of scalar members. */
const SOURCE_OBJECT = new RegExp(`\\{(?:${MEMBER}(?:,${MEMBER})*)?\\}`, 'y');
/** The envelope's members after the source block, all scalars, to its end. */
const TAIL_MEMBERS = new RegExp(`(?:,${MEMBER})*\\}$`, 'y');

/**
 * The op, when the tail (from `tailStart`) names it exactly once, as one of the ops that carry a
 * row. The tail's members are scalars and its strings escape their quotes, so `"op":` there is a
 * member's name.
 */
function opOf(text: string, tailStart: number): 'c' | 'u' | 'r' | undefined {
  const at = text.indexOf(OP_MEMBER, tailStart);
  if (at < 0 || text.lastIndexOf(OP_MEMBER) !== at) return undefined;
  const valueAt = at + OP_MEMBER.length;
  if (text.charCodeAt(valueAt) !== QUOTE || text.charCodeAt(valueAt + 2) !== QUOTE) return undefined;
  const op = text[valueAt + 1];
  return op === 'c' || op === 'u' || op === 'r' ? op : undefined;
}

/**
 * source.ts_ms, the last one as JSON.parse keeps it, when it is written as an integer; the source
 * block is text[start, end). Read digit by digit: this runs for every event.
 */
function tsMsOf(text: string, start: number, end: number): number | undefined {
  const at = text.lastIndexOf(TS_MS_MEMBER, end);
  if (at < start) return undefined;
  let index = at + TS_MS_MEMBER.length;
  const negative = text.charCodeAt(index) === MINUS;
  if (negative) index += 1;
  let tsMs = 0;
  let digits = 0;
  for (; digits <= MAX_SAFE_DIGITS; index += 1, digits += 1) {
    const digit = text.charCodeAt(index) - ZERO;
    if (digit < 0 || digit > 9) break;
    tsMs = tsMs * 10 + digit;
  }
  // Not a number, a fraction, an exponent or too many digits: left to the full parse. (The
  // regular expression let only JSON's numbers through: no leading zeros.)
  const next = text.charCodeAt(index);
  if (digits === 0 || digits > MAX_SAFE_DIGITS || (next !== COMMA && next !== CLOSE_BRACE)) return undefined;
  return negative ? -tsMs : tsMs;
}

/** Every integer of up to 15 digits is safe (2^53 has 16). */
const MAX_SAFE_DIGITS = 15;
const QUOTE = 34;
const ZERO = 48;
const MINUS = 45;
const COMMA = 44;
const CLOSE_BRACE = 125;
