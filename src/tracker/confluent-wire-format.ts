/**
 * The Confluent wire format, as registry clients write it: byte 0, the schema id as a big-endian
 * int32, then the Avro binary. CDC records in it need the registry to decode; deltas are written in it.
 */
export const CONFLUENT_MAGIC_BYTE = 0;
const HEADER_BYTES = 5;

export function isConfluentFramed(bytes: Buffer | null): boolean {
  return bytes !== null && bytes.length >= HEADER_BYTES && bytes[0] === CONFLUENT_MAGIC_BYTE;
}

export function confluentHeader(schemaId: number): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt8(CONFLUENT_MAGIC_BYTE, 0);
  header.writeInt32BE(schemaId, 1);
  return header;
}
