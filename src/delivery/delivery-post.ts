import type { TrackerConfig } from '../config/tracker-config.js';
import { deliveryHeaders } from './delivery-headers.js';
import { classifyResponse, type DeliveryRequest, type PostOutcome } from './delivery-request.js';

/**
 * One POST of a delivery request to the target, classified: what the loader does for each batch
 * and `dlq replay --target` for each rejected delta, so that the target cannot tell them apart.
 */
export async function postDelivery(target: string, delivery: TrackerConfig['delivery'], body: DeliveryRequest, idempotencyKey: string): Promise<PostOutcome> {
  const path = delivery.paths[body.entity] ?? `/${body.entity}`;
  try {
    const response = await fetch(new URL(path, target), {
      method: 'POST',
      headers: { ...deliveryHeaders(delivery), 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(delivery.timeoutMs),
    });
    return classifyResponse(response.status, await response.text(), response.headers.get('retry-after'));
  } catch (error) {
    const cause = (error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message;
    return { kind: 'retry', reason: (error as Error).name === 'TimeoutError' ? `no answer within ${delivery.timeoutMs} ms` : cause };
  }
}
