import { snapshotKind, sourcePositionOf } from './source-position.js';
import { decodeFailed, type SourceChange, type SourceOp, type SourceRow, type SourceTruncate } from '../model/source-change.js';

export function isRow(value: unknown): value is SourceRow {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const OPS: ReadonlySet<string> = new Set<SourceOp>(['c', 'u', 'd', 'r']);

/**
 * Reads Debezium's change envelope ({before, after, source, op, ts_ms}) once it is a plain object,
 * whatever format carried it, so the JSON and Avro decoders agree on what a valid change is.
 */
export function sourceChangeFromEnvelope(envelope: unknown, key: SourceRow): SourceChange {
  if (!isRow(envelope)) throw decodeFailed('the value is not a Debezium envelope (an object with op, before, after and source)');
  const op = envelope['op'];
  if (op === undefined) throw decodeFailed('the envelope has no op');
  if (op === 't') throw decodeFailed('op "t" (a truncate) came with a key: Debezium writes a truncate without one');
  if (typeof op !== 'string' || !OPS.has(op)) throw decodeFailed(`the envelope has an unknown op ${JSON.stringify(op)} (expected c, u, d or r)`);

  const before = envelope['before'] ?? null;
  const after = envelope['after'] ?? null;
  if (before !== null && !isRow(before)) throw decodeFailed("the envelope's before is not a row");
  if (after !== null && !isRow(after)) throw decodeFailed("the envelope's after is not a row");
  if (op !== 'd' && after === null) throw decodeFailed(`op "${op}" has no after row`);

  const source = envelope['source'];
  return {
    kind: 'change',
    op: op as SourceOp,
    key,
    before,
    after: op === 'd' ? null : after,
    sourceTsMs: sourceTimestamp(envelope),
    position: sourcePositionOf(source),
    snapshot: isRow(source) ? snapshotKind(source['snapshot']) : undefined,
  };
}

/** Whether a record's value (any format, decoded) is Debezium's truncate event. */
export function isTruncateEnvelope(envelope: unknown): boolean {
  return isRow(envelope) && envelope['op'] === 't';
}

/** Debezium's truncate event: where the ERP truncated the table, and when. */
export function sourceTruncateFromEnvelope(envelope: SourceRow): SourceTruncate {
  return { kind: 'truncate', sourceTsMs: sourceTimestamp(envelope), position: sourcePositionOf(envelope['source']) };
}

/**
 * source.ts_ms is when the database made the change; the envelope's own ts_ms (when Debezium saw
 * it) is the fallback for producers that leave source out.
 */
function sourceTimestamp(envelope: SourceRow): number {
  const source = envelope['source'];
  const fromSource = isRow(source) ? source['ts_ms'] : undefined;
  const tsMs = fromSource ?? envelope['ts_ms'];
  if (typeof tsMs !== 'number' || !Number.isSafeInteger(tsMs)) throw decodeFailed('the envelope has neither source.ts_ms nor ts_ms');
  return tsMs;
}
