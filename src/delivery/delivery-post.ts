import { fetch } from 'undici';
import type { TrackerConfig } from '../config/tracker-config.js';
import { deletePath } from './delete-path.js';
import { classifyResponse, type DeliveryRequest, type PostOutcome } from './delivery-request.js';
import { targetTransport } from './target-transport.js';

/** Where the time of one request went: waiting for a slot of `maxRequestsPerSecond`, and for the target's answer. */
export interface RequestTiming {
  rateLimitWaitMs: number;
  answerMs: number;
}

export interface PostHooks {
  /** Ends a wait for a request slot (the loader stops); a request already sent is answered first. */
  signal?: AbortSignal | undefined;
  onTiming?: ((timing: RequestTiming) => void) | undefined;
}

/**
 * One request of deltas to the target, classified: what the loader does for each batch and
 * `dlq replay --target` for each rejected delta, so that the target cannot tell them apart. A POST
 * of the batch to `delivery.paths.<entity>`; or, for an entity with `delivery.deletes` and a body
 * of its one DELETE delta, an HTTP DELETE on the key's path (delete-path.ts), to which a 404 or
 * 410 counts as delivered: the record is not at the target, which is what the delete asks for,
 * and a DELETE sent again after a lost answer meets exactly that.
 */
export async function postDelivery(target: string, config: TrackerConfig, body: DeliveryRequest, idempotencyKey: string, hooks: PostHooks = {}): Promise<PostOutcome> {
  const { delivery } = config;
  const transport = targetTransport(delivery);
  const only = body.deltas.length === 1 ? body.deltas[0] : undefined;
  const deletes = delivery.deletes[body.entity];
  let method = 'POST';
  let path = delivery.paths[body.entity] ?? `/${body.entity}`;
  let requestKey = idempotencyKey;
  if (deletes !== undefined && only?.op === 'DELETE') {
    const keyPath = deletePath(deletes.path, only.key, config.entities[body.entity]?.keyFields ?? []);
    if (keyPath === undefined) {
      return { kind: 'rejected', status: 0, body: `not sent: key ${only.key} does not hold the placeholders of delivery.deletes.${body.entity}.path (${deletes.path})` };
    }
    method = deletes.method;
    path = keyPath;
    // A DELETE carries one delta: its key is the delta's own, as in a batch.
    requestKey = only.idempotencyKey;
  }
  let rateLimitWaitMs = 0;
  if (transport.rate !== undefined) {
    const waited = await transport.rate.take(hooks.signal);
    if (waited === undefined) return { kind: 'retry', reason: 'the loader is stopping' };
    rateLimitWaitMs = waited;
  }
  const sentAt = performance.now();
  try {
    const response = await fetch(new URL(path, target), {
      method,
      headers: { ...transport.headers, ...(method === 'POST' ? { 'content-type': 'application/json' } : {}), 'idempotency-key': requestKey },
      ...(method === 'POST' ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(delivery.timeoutMs),
      dispatcher: transport.dispatcher,
    });
    const text = await response.text();
    if (method === 'DELETE' && (response.status === 404 || response.status === 410)) return { kind: 'delivered' };
    return classifyResponse(response.status, text, response.headers.get('retry-after'));
  } catch (error) {
    const cause = (error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message;
    return { kind: 'retry', reason: (error as Error).name === 'TimeoutError' ? `no answer within ${delivery.timeoutMs} ms` : cause };
  } finally {
    hooks.onTiming?.({ rateLimitWaitMs, answerMs: performance.now() - sentAt });
  }
}
