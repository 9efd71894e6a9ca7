import type { SourceChange, SourceRow } from './source-change.js';

/**
 * The tracker reads three things of a Debezium envelope: `after`, `op` and `source.ts_ms`. Yet
 * JSON.parse of a whole envelope builds the `source` block too (fifteen members or so, most of them
 * strings), which is most of the parse's time and of what it allocates (bench/RESULTS.md). This
 * reads the envelope as Kafka Connect's JsonConverter writes it without schemas, and as nearly
 * every CDC record of a PostgreSQL table with REPLICA IDENTITY DEFAULT looks:
 *
 *   {"before":null,"after":{…row…},"source":{…flat…},"transaction":null,"op":"u","ts_ms":…}
 *
 * by parsing only the row, and checking the rest against a regular expression (native code) that
 * accepts only JSON: the source block an object of scalars, then members with scalar values.
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
  SOURCE_AND_TAIL.lastIndex = rowEnd;
  const rest = SOURCE_AND_TAIL.exec(text);
  if (rest === null) return undefined;
  const [, source = '', tail = ''] = rest;
  // Members that JSON.parse would let a later duplicate in the tail override.
  if (tail.includes('"after":') || tail.includes('"before":') || tail.includes('"source":')) return undefined;
  const op = opOf(tail);
  const sourceTsMs = tsMsOf(source);
  if (op === undefined || sourceTsMs === undefined) return undefined;
  let after: unknown;
  try {
    after = JSON.parse(text.slice(ROW_START.length - 1, rowEnd));
  } catch {
    return undefined;
  }
  if (typeof after !== 'object' || after === null || Array.isArray(after)) return undefined;
  return { kind: 'change', op, key, before: null, after: after as SourceRow, sourceTsMs };
}

const ROW_START = '{"before":null,"after":{';
const SOURCE_START = ',"source":{';

// JSON's own grammar for strings and numbers (RFC 8259), unrolled so that a string is one run.
const STRING = String.raw`"[^"\\\x00-\x1f]*(?:\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})[^"\\\x00-\x1f]*)*"`;
const NUMBER = String.raw`-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?`;
const SCALAR = `(?:${STRING}|${NUMBER}|true|false|null)`;
const MEMBER = `${STRING}:${SCALAR}`;
/** `,"source":{…}` with scalar members, then the envelope's remaining members, all scalars, to its end. */
const SOURCE_AND_TAIL = new RegExp(`,"source":(\\{(?:${MEMBER}(?:,${MEMBER})*)?\\})((?:,${MEMBER})*)\\}$`, 'y');

/**
 * The op, when the tail names it exactly once, as one of the ops that carry a row. The tail's
 * members are scalars and its strings escape their quotes, so `"op":` there is a member's name.
 */
function opOf(tail: string): 'c' | 'u' | 'r' | undefined {
  const at = tail.indexOf(OP_MEMBER);
  if (at < 0 || tail.lastIndexOf(OP_MEMBER) !== at) return undefined;
  const op = tail.slice(at + OP_MEMBER.length, at + OP_MEMBER.length + 3);
  return op === '"c"' || op === '"u"' || op === '"r"' ? (op[1] as 'c' | 'u' | 'r') : undefined;
}

/** source.ts_ms, the last one as JSON.parse keeps it, when it is an integer. */
function tsMsOf(source: string): number | undefined {
  const at = source.lastIndexOf(TS_MS_MEMBER);
  if (at < 0) return undefined;
  const start = at + TS_MS_MEMBER.length;
  let end = source.indexOf(',', start);
  if (end < 0) end = source.length - 1;
  const tsMs = Number(source.slice(start, end));
  return Number.isSafeInteger(tsMs) && source.charCodeAt(start) !== QUOTE ? tsMs : undefined;
}

const OP_MEMBER = '"op":';
const TS_MS_MEMBER = '"ts_ms":';
const QUOTE = 34;
