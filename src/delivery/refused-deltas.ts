/**
 * How the loader finds the deltas a target refused when it refuses a whole request (a 4xx other
 * than 408 and 429): only those go to the dead letters, the others are delivered, in order.
 */

/** The target's answer to one request, as far as finding refused deltas needs it. */
export type RequestAnswer =
  | { kind: 'delivered' }
  | { kind: 'rejected'; status: number; body: string }
  /** The loader is stopping: the chunk is left uncommitted and read again by the next loader. */
  | { kind: 'stopped' };

export type Rejection = Extract<RequestAnswer, { kind: 'rejected' }>;

export interface RefusedDelta<T> {
  item: T;
  status: number;
  /** The target's own words about this delta: its per-record answer, or its answer to the delta sent alone. */
  reason: string;
}

/**
 * How to read a target's per-record answer (config `delivery.refusedRecords`): a JSON pointer to
 * the list of refused records in the answer, and the member of each that names the delta, by its
 * idempotency key or by its position in the request.
 */
export interface RefusedRecordsSpec {
  list: string;
  idempotencyKey?: string | undefined;
  index?: string | undefined;
  reason?: string | undefined;
}

/**
 * Sends `items` around the ones the target refuses, after it refused them all together with
 * `rejection`. The target's per-record answer names the refused ones where `readAnswer` can read
 * one; otherwise (or when re-sending the rest is refused again) the request is split in halves,
 * each sent in order, and a refused half split again, down to single deltas: one refused delta
 * in n costs about 2·log2(n) requests. Every delivered delta goes in its original order, so per
 * partition the target sees the deltas it takes in the order they were written.
 *
 * `send` returns the target's final answer to a request (it retries 5xx and timeouts itself).
 */
export async function deliverAroundRefusals<T>(
  items: readonly T[],
  rejection: Rejection,
  send: (items: readonly T[]) => Promise<RequestAnswer>,
  readAnswer?: (items: readonly T[], rejection: Rejection) => ReadonlyMap<number, string> | undefined,
): Promise<{ refused: Array<RefusedDelta<T>>; stopped: boolean }> {
  const refused: Array<RefusedDelta<T>> = [];

  const isolate = async (part: readonly T[], answer: Rejection): Promise<boolean> => {
    const named = part.length > 1 ? readAnswer?.(part, answer) : undefined;
    if (named !== undefined && named.size > 0) {
      const rest = part.filter((_item, index) => !named.has(index));
      part.forEach((item, index) => {
        const reason = named.get(index);
        if (reason !== undefined) refused.push({ item, status: answer.status, reason });
      });
      if (rest.length === 0) return true;
      // The target may have taken none of the request: the rest goes again, each delta with its
      // own idempotency key, so a target that did take them drops the copies.
      const again = await send(rest);
      if (again.kind === 'rejected') return isolate(rest, again);
      return again.kind === 'delivered';
    }
    if (part.length === 1) {
      refused.push({ item: part[0] as T, status: answer.status, reason: answer.body });
      return true;
    }
    const middle = Math.ceil(part.length / 2);
    for (const half of [part.slice(0, middle), part.slice(middle)]) {
      const answerToHalf = await send(half);
      if (answerToHalf.kind === 'stopped') return false;
      if (answerToHalf.kind === 'rejected' && !(await isolate(half, answerToHalf))) return false;
    }
    return true;
  };

  const finished = await isolate(items, rejection);
  return { refused, stopped: !finished };
}

/**
 * The deltas a target's per-record answer names as refused, by their position in the request,
 * with the target's reason for each; undefined when the answer does not read as `spec` says (not
 * JSON, no list there, a record naming no delta of the request), and the loader splits instead.
 */
export function refusedByAnswer(body: string, spec: RefusedRecordsSpec, idempotencyKeys: readonly string[]): Map<number, string> | undefined {
  let answer: unknown;
  try {
    answer = JSON.parse(body);
  } catch {
    return undefined;
  }
  const list = atPointer(answer, spec.list);
  if (!Array.isArray(list)) return undefined;
  const refused = new Map<number, string>();
  for (const record of list) {
    if (typeof record !== 'object' || record === null) return undefined;
    const member = (name: string | undefined): unknown => (name === undefined ? undefined : (record as Record<string, unknown>)[name]);
    const index = spec.idempotencyKey !== undefined ? idempotencyKeys.indexOf(String(member(spec.idempotencyKey))) : Number(member(spec.index));
    if (!Number.isInteger(index) || index < 0 || index >= idempotencyKeys.length) return undefined;
    const reason = member(spec.reason);
    refused.set(index, reason === undefined ? JSON.stringify(record) : typeof reason === 'string' ? reason : JSON.stringify(reason));
  }
  return refused;
}

/** RFC 6901: `/errors/0/key`, with `~1` for "/" and `~0` for "~"; "" is the whole document. */
function atPointer(document: unknown, pointer: string): unknown {
  if (pointer === '') return document;
  let value = document;
  for (const token of pointer.slice(1).split('/')) {
    const name = token.replaceAll('~1', '/').replaceAll('~0', '~');
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[name];
  }
  return value;
}
