/**
 * The Confluent wire format, as registry clients write it: byte 0, the schema id as a big-endian
 * int32, then the Avro binary. CDC records in it need the registry to decode; deltas are written in it.
 */
export const CONFLUENT_MAGIC_BYTE = 0;
const HEADER_BYTES = 5;

export function isConfluentFramed(bytes: Buffer | null): boolean {
  return bytes !== null && bytes.length >= HEADER_BYTES && bytes[0] === CONFLUENT_MAGIC_BYTE;
}

/** The schema id of a value in the Confluent wire format; undefined for anything else. */
export function schemaIdOf(value: Buffer): number | undefined {
  return value.length >= HEADER_BYTES && value[0] === CONFLUENT_MAGIC_BYTE ? value.readInt32BE(1) : undefined;
}

/** The Avro body of a value in the Confluent wire format (after its header). */
export function wireFormatBody(value: Buffer): Buffer {
  return value.subarray(HEADER_BYTES);
}

export function confluentHeader(schemaId: number): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt8(CONFLUENT_MAGIC_BYTE, 0);
  header.writeInt32BE(schemaId, 1);
  return header;
}

/** An Avro type as avsc has it: `encode` writes into `buf` at `pos` and returns where it ended, or minus the bytes missing. */
export interface AvroWriterType {
  encode(value: unknown, buf: Buffer, pos: number): number;
}

/** Room for a few hundred deltas: a batch's values take a handful of chunks. */
const CHUNK_BYTES = 64 * 1024;

/**
 * Writes values in the wire format one after another into a shared chunk, and returns each as a
 * view of its bytes: no buffer of its own per value, and no copy to put the header in front (as
 * avsc's toBuffer and a concat would do, for every delta). A chunk is never written again once
 * a later one is started, so a view stays valid as long as it is held; a chunk is freed with the
 * last view of it.
 */
export class WireFormatWriter {
  private chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  private position = 0;

  write(header: Buffer, type: AvroWriterType, value: unknown): Buffer {
    let needed = header.length;
    for (;;) {
      const start = this.position;
      if (this.chunk.length - start >= needed) {
        header.copy(this.chunk, start);
        const end = type.encode(value, this.chunk, start + header.length);
        if (end > 0) {
          this.position = end;
          return this.chunk.subarray(start, end);
        }
        // Short by -end bytes: the value needs everything after the header and that much more.
        needed = this.chunk.length - start - end;
      }
      this.chunk = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, needed));
      this.position = 0;
    }
  }
}
