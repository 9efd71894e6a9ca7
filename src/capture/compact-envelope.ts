import { POSITION_MEMBERS, postgresqlPosition, postgresqlPositionOf, snapshotKind, sourcePositionOf } from './source-position.js';
import { SOURCE_CONNECTORS, type SourceConnector, type SourcePosition } from '../model/source-position.js';
import { parseExactJson, rowHoldsInexactInteger } from './exact-json.js';
import type { SourceChange, SourceRow } from '../model/source-change.js';

/**
 * The tracker reads four things of a Debezium envelope: `after`, `op`, `source.ts_ms` and the few
 * members of `source` that make its source position. Yet JSON.parse of a whole envelope builds the
 * `source` block whole (fifteen members or so, most of them strings), which is most of the parse's
 * time and of what it allocates (bench/HISTORY.md). This
 * reads the envelope as Kafka Connect's JsonConverter writes it without schemas, and as nearly
 * every CDC record of a PostgreSQL table with REPLICA IDENTITY DEFAULT looks:
 *
 *   {"before":null,"after":{…row…},"source":{…flat…},"transaction":null,"op":"u","ts_ms":…}
 *
 * by parsing only the row, and checking the rest with regular expressions (native code) that
 * accept only JSON: the source block an object of scalars, then members with scalar values. Of the
 * source block, only the position's members are read (positionSource). The row is read as the full
 * parse reads it: an integer beyond 2^53 in it exactly, as a bigint (exact-json.ts); the source
 * block as JSON.parse reads it.
 *
 * It returns undefined for anything else (a `before` row, a delete, transaction metadata, the
 * schema part, another member order, a duplicated member, a malformed record) and the caller then
 * parses the whole envelope, so a record is decoded to the same change, or fails with the same
 * reason, either way (test/unit/capture/compact-envelope.test.ts checks that on mutated records).
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
  const rowText = text.slice(ROW_START.length - 1, rowEnd);
  let after: unknown;
  try {
    after = JSON.parse(rowText);
    if (typeof after !== 'object' || after === null || Array.isArray(after)) return undefined;
    // A bigint column beyond 2^53 lost digits in JSON.parse: such a row, rare, is read again exactly.
    if (rowHoldsInexactInteger(after as SourceRow)) after = parseExactJson(rowText);
  } catch {
    return undefined;
  }
  const { position, snapshot } = positionIn(text, sourceStart, sourceEnd);
  return { kind: 'change', op, key, before: null, after: after as SourceRow, sourceTsMs, position, snapshot: snapshotKind(snapshot) };
}

/**
 * The change's source position and `snapshot` member, read off the source block text[start, end).
 * A PostgreSQL block, nearly every event, is read member by member into postgresqlPosition; any
 * other connector's through a small object of its position's members.
 */
function positionIn(text: string, start: number, end: number): { position: SourcePosition | undefined; snapshot: unknown } {
  const connectorAt = memberAt(text, start, start, end, 'connector');
  const connector = connectorAt < 0 ? undefined : scalarValue(text, connectorAt + 'connector'.length + 3, end);
  if (connector === 'postgresql') {
    // Each member searched from the one before, in Debezium's order.
    const snapshotAt = memberAt(text, connectorAt, start, end, 'snapshot');
    const sequenceAt = memberAt(text, Math.max(snapshotAt, connectorAt), start, end, 'sequence');
    const txIdAt = memberAt(text, Math.max(sequenceAt, connectorAt), start, end, 'txId');
    const lsnAt = memberAt(text, Math.max(txIdAt, sequenceAt, connectorAt), start, end, 'lsn');
    const snapshot = valueAt(text, snapshotAt, 'snapshot', end);
    const lsn = valueAt(text, lsnAt, 'lsn', end);
    const txId = valueAt(text, txIdAt, 'txId', end);
    const sequence = sequenceAt < 0 ? undefined : usualSequence(text, sequenceAt + 'sequence'.length + 3);
    const position = sequence !== undefined ? postgresqlPositionOf(snapshot, sequence[0], sequence[1], lsn, txId) : postgresqlPosition(snapshot, valueAt(text, sequenceAt, 'sequence', end), lsn, txId);
    return { position, snapshot };
  }
  const source = positionSource(text, start, end);
  return { position: sourcePositionOf(source), snapshot: source === undefined ? scalarMember(text, start, end, 'snapshot') : source['snapshot'] };
}

/**
 * PostgreSQL's `sequence` as Debezium writes it, `"[\"<last commit>\",\"<lsn>\"]"` or with
 * `null` first (or `null` whole), read as numbers off the text at `at`; undefined for any other
 * form, which postgresqlPosition then reads as a string.
 */
function usualSequence(text: string, at: number): [number | undefined, number | undefined] | undefined {
  if (text.startsWith('null', at)) return [undefined, undefined];
  if (!text.startsWith(SEQUENCE_OPEN, at)) return undefined;
  let index = at + SEQUENCE_OPEN.length;
  let lastCommit: number | undefined;
  if (text.startsWith('null,', index)) {
    index += 5;
  } else {
    const read = quotedDigits(text, index);
    if (read === undefined || text.charCodeAt(read.end) !== COMMA) return undefined;
    lastCommit = read.value;
    index = read.end + 1;
  }
  const lsn = quotedDigits(text, index);
  if (lsn === undefined || !text.startsWith(SEQUENCE_CLOSE, lsn.end)) return undefined;
  return [lastCommit, lsn.value];
}

/** `\"<up to 15 digits>\"` at `at`: its number and where it ends. */
function quotedDigits(text: string, at: number): { value: number; end: number } | undefined {
  if (!text.startsWith(ESCAPED_QUOTE, at)) return undefined;
  let value = 0;
  let index = at + ESCAPED_QUOTE.length;
  const digitsAt = index;
  for (; index - digitsAt <= MAX_SAFE_DIGITS; index += 1) {
    const digit = text.charCodeAt(index) - ZERO;
    if (digit < 0 || digit > 9) break;
    value = value * 10 + digit;
  }
  if (index === digitsAt || index - digitsAt > MAX_SAFE_DIGITS || !text.startsWith(ESCAPED_QUOTE, index)) return undefined;
  return { value, end: index + ESCAPED_QUOTE.length };
}

const SEQUENCE_OPEN = '"[';
const SEQUENCE_CLOSE = ']"';

/** The value of the member found at `at` (memberAt), or undefined when it was not found. */
function valueAt(text: string, at: number, name: string, end: number): ReturnType<typeof scalarValue> {
  return at < 0 ? undefined : scalarValue(text, at + name.length + 3, end);
}

/**
 * The members of the source block (text[start, end)) that its connector's position is made of, as
 * a small object for sourcePositionOf. The block was checked to be an object of scalar members, so
 * an unescaped `"name":` in it is a member's name, never part of a string.
 */
function positionSource(text: string, start: number, end: number): SourceRow | undefined {
  const connectorAt = memberAt(text, start, start, end, 'connector');
  const connector = connectorAt < 0 ? undefined : scalarValue(text, connectorAt + 'connector'.length + 3, end);
  if (typeof connector !== 'string' || !(SOURCE_CONNECTORS as readonly string[]).includes(connector)) return undefined;
  const source: SourceRow = { connector };
  // Searched in Debezium's order, each from the one before: a search from the block's start for
  // each costs as much as the rest of the decode (indexOf meets a quote every few characters).
  let from = connectorAt;
  for (const name of POSITION_MEMBERS[connector as SourceConnector]) {
    const at = memberAt(text, from, start, end, name);
    if (at < 0) continue;
    from = at;
    const value = scalarValue(text, at + name.length + 3, end);
    if (value !== undefined) source[name] = value;
  }
  return source;
}

/** Where the member `name` starts in the block [start, end): searched from `from` on, then from the start. */
function memberAt(text: string, from: number, start: number, end: number, name: string): number {
  const needle = memberNeedle(name);
  let at = text.indexOf(needle, from);
  if (at < 0 || at >= end) at = from === start ? -1 : text.indexOf(needle, start);
  return at >= 0 && at < end ? at : -1;
}

/**
 * A scalar member's value as JSON.parse gives it, so that both decoders read the same position.
 * A string without escapes (nearly every one) is sliced rather than parsed: this runs for a few
 * members of every event.
 */
function scalarMember(text: string, start: number, end: number, name: string): string | number | boolean | null | undefined {
  const at = memberAt(text, start, start, end, name);
  return at < 0 ? undefined : scalarValue(text, at + name.length + 3, end);
}

/** The scalar value at `valueAt` (the block's expression accepted it), as JSON.parse gives it. */
function scalarValue(text: string, valueAt: number, end: number): string | number | boolean | null | undefined {
  if (text.charCodeAt(valueAt) === QUOTE) {
    let index = valueAt + 1;
    // Escapes seen: \" (PostgreSQL's sequence is a JSON array in a string) and any other.
    let escapedQuotes = false;
    let otherEscapes = false;
    for (let code = text.charCodeAt(index); code !== QUOTE; code = text.charCodeAt(index)) {
      if (code === BACKSLASH) {
        index += 1;
        if (text.charCodeAt(index) === QUOTE) escapedQuotes = true;
        else otherEscapes = true;
      }
      if (index >= end) return undefined;
      index += 1;
    }
    // The block's expression accepted it, so it is a JSON string ending at `index`.
    if (otherEscapes) return JSON.parse(text.slice(valueAt, index + 1)) as string;
    const value = text.slice(valueAt + 1, index);
    return escapedQuotes ? value.replaceAll(ESCAPED_QUOTE, '"') : value;
  }
  // A plain integer of up to 15 digits (an LSN, a txId), digit by digit; anything else by expression.
  let integer = 0;
  let index = valueAt;
  for (; index - valueAt <= MAX_SAFE_DIGITS; index += 1) {
    const digit = text.charCodeAt(index) - ZERO;
    if (digit < 0 || digit > 9) break;
    integer = integer * 10 + digit;
  }
  const next = text.charCodeAt(index);
  if (index > valueAt && index - valueAt <= MAX_SAFE_DIGITS && (next === COMMA || next === CLOSE_BRACE) && (text.charCodeAt(valueAt) !== ZERO || index === valueAt + 1)) return integer;
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
/** `"name":` for each member name asked for: no string built per event. */
const MEMBER_NEEDLES = new Map<string, string>();

function memberNeedle(name: string): string {
  let needle = MEMBER_NEEDLES.get(name);
  if (needle === undefined) {
    needle = `"${name}":`;
    MEMBER_NEEDLES.set(name, needle);
  }
  return needle;
}

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
const BACKSLASH = 92;
const ESCAPED_QUOTE = '\\"';
const ZERO = 48;
const MINUS = 45;
const COMMA = 44;
const CLOSE_BRACE = 125;
