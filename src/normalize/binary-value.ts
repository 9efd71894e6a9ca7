/**
 * How a connector writes a binary value as text: Kafka Connect's JsonConverter writes every BYTES
 * value as base64, and Debezium's `binary.handling.mode` can send bytea/binary/varbinary/blob
 * columns as base64, base64-url-safe or hex text itself (Debezium PostgreSQL connector, "Basic
 * types", BYTEA; "Connector properties", binary.handling.mode).
 */
export type BinaryEncoding = 'base64' | 'base64-url-safe' | 'hex';

// Strict: Node's own decoders skip characters they do not know, which would turn a value that is
// not binary at all into some bytes instead of a dead letter.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
// Java's URL-safe encoder pads; a value that went through another tool may have lost the padding.
const BASE64_URL_SAFE = /^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2}(?:==)?|[A-Za-z0-9_-]{3}=?)?$/;
const HEX = /^(?:[0-9A-Fa-f]{2})*$/;

/** JSON.stringify of a Node Buffer: what the Avro decoder's bytes become once round-tripped through JSON. */
interface SerializedBuffer {
  type: 'Buffer';
  data: number[];
}

/**
 * The bytes of a binary value: text in `encoding`, or a Buffer as the Avro path hands it over
 * (source-decoder.ts round-trips avsc's output through JSON, so a Buffer arrives as
 * {"type":"Buffer","data":[...]}), whatever `encoding` says. Undefined for anything else.
 */
export function bytesOf(raw: unknown, encoding: BinaryEncoding): Buffer | undefined {
  if (typeof raw === 'string') {
    if (encoding === 'hex') return HEX.test(raw) ? Buffer.from(raw, 'hex') : undefined;
    if (encoding === 'base64-url-safe') return BASE64_URL_SAFE.test(raw) ? Buffer.from(raw, 'base64url') : undefined;
    return BASE64.test(raw) ? Buffer.from(raw, 'base64') : undefined;
  }
  return isSerializedBuffer(raw) ? Buffer.from(raw.data) : undefined;
}

function isSerializedBuffer(raw: unknown): raw is SerializedBuffer {
  if (typeof raw !== 'object' || raw === null) return false;
  const candidate = raw as { type?: unknown; data?: unknown };
  return candidate.type === 'Buffer' && Array.isArray(candidate.data) && (candidate.data as unknown[]).every((byte) => typeof byte === 'number' && Number.isInteger(byte) && byte >= 0 && byte <= 255);
}
