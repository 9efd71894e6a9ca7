/**
 * `delivery.maxBodyBytes`: the parts, in order, that a batch is sent in so that each request's
 * JSON body stays within `maxBytes` (UTF-8). A JSON array is `[`, its items joined by `,`, and `]`,
 * so a body's size is that of the body without items, plus each item's, plus a comma between two:
 * counted exactly, without serializing a candidate body again and again.
 *
 * An item larger than the limit on its own goes alone, in a part of its own: the loader sends it
 * and lets the target answer. A target that takes it was more generous than the config; one that
 * refuses it (413) has it dead-lettered with its answer, as any refused delta, and nothing after
 * it waits. Guessing on the loader's side instead would dead-letter a delta the target may take.
 */
export function bodyParts<T>(items: readonly T[], itemBytes: (item: T) => number, emptyBodyBytes: number, maxBytes: number | undefined): T[][] {
  if (maxBytes === undefined || items.length === 0) return items.length === 0 ? [] : [[...items]];
  const parts: T[][] = [];
  let part: T[] = [];
  let size = emptyBodyBytes;
  for (const item of items) {
    const bytes = itemBytes(item);
    const grown = size + bytes + (part.length > 0 ? 1 : 0);
    if (part.length > 0 && grown > maxBytes) {
      parts.push(part);
      part = [item];
      size = emptyBodyBytes + bytes;
    } else {
      part.push(item);
      size = grown;
    }
  }
  parts.push(part);
  return parts;
}

/** The UTF-8 size of a value's JSON, as JSON.stringify writes it in a body. */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}
