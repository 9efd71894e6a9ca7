import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Why the loader waited before a request: `delivery.maxRequestsPerSecond`, the target's Retry-After, or its own backoff after a failure. */
export type DeliveryWait = 'rate_limit' | 'retry_after' | 'backoff';

/** One entity's delivery since the loader started, for the status page. */
export interface EntityDelivery {
  delivered: number;
  retried: number;
  /** Refused by the target and sent to the dead-letter topic. */
  refused: number;
  requests: number;
  /** The target's answers added up: with `requests`, how slow it is. */
  answerMs: number;
  waitedMs: Record<DeliveryWait, number>;
  lastDeliveredAtMs: number | null;
}

/** What the status page shows of the loader besides its lag. */
export interface DeliveryStatus {
  entities: Record<string, EntityDelivery>;
  /** The last failure: a request retried (with the target's reason) or deltas refused. */
  lastError: { atMs: number; entity: string; message: string } | null;
  /** The target's last Retry-After: what it asked, and what the loader waited (cut to retryAfterMaxMs). */
  lastRetryAfter: { atMs: number; entity: string; askedMs: number; waitedMs: number } | null;
}

function emptyEntity(): EntityDelivery {
  return { delivered: 0, retried: 0, refused: 0, requests: 0, answerMs: 0, waitedMs: { rate_limit: 0, retry_after: 0, backoff: 0 }, lastDeliveredAtMs: null };
}

/**
 * The loader's counters (issue 6: delivery latency, retries and errors; issue 20: why it lags), for
 * /metrics and the status page. A slow or limited target shows as lag growing together with one
 * of: the answer time (`erp_delta_delivery_request_seconds`), the time waited on the configured
 * rate (`..._wait_seconds_total{cause="rate_limit"}`), or on the target's Retry-After or failures.
 */
export class DeliveryMetrics {
  readonly registry = new Registry();
  /** Set by the loader: its consumer group's lag per entity, read when scraped. */
  lagSource: (() => Promise<Record<string, number>>) | undefined;
  private readonly state: DeliveryStatus = { entities: {}, lastError: null, lastRetryAfter: null };
  private readonly deltas = new Counter({
    name: 'erp_delta_delivery_deltas_total',
    help: 'deltas handed to the target, by outcome (delivered, rejected: sent to the DLQ)',
    labelNames: ['entity', 'outcome'],
    registers: [this.registry],
  });
  private readonly retries = new Counter({
    name: 'erp_delta_delivery_retries_total',
    help: 'requests retried after a 5xx, 408, 429, a timeout or a connection error',
    labelNames: ['entity'],
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: 'erp_delta_delivery_latency_seconds',
    help: "from a delta's emission to the target's acknowledgement",
    labelNames: ['entity'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });
  private readonly requestTime = new Histogram({
    name: 'erp_delta_delivery_request_seconds',
    help: 'how long the target took to answer one request',
    labelNames: ['entity'],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  private readonly waited = new Counter({
    name: 'erp_delta_delivery_wait_seconds_total',
    help: "time requests waited before being sent: cause rate_limit (delivery.maxRequestsPerSecond), retry_after (the target's Retry-After), backoff (after a failure)",
    labelNames: ['entity', 'cause'],
    registers: [this.registry],
  });
  private readonly lastRetryAfter = new Gauge({ name: 'erp_delta_delivery_last_retry_after_seconds', help: 'the wait the target asked for in its last Retry-After', registers: [this.registry] });
  private readonly lastErrorAt = new Gauge({
    name: 'erp_delta_delivery_last_error_timestamp_seconds',
    help: 'when a request last failed or deltas were last refused (Unix time)',
    registers: [this.registry],
  });
  private readonly lag = new Gauge({
    name: 'erp_delta_delivery_lag',
    help: 'deltas the loader group has not delivered yet (end offsets of the delta topics minus its committed offsets)',
    labelNames: ['entity'],
    registers: [this.registry],
    collect: async () => {
      const lags = await this.lagSource?.().catch(() => undefined);
      for (const [entity, value] of Object.entries(lags ?? {})) this.lag.set({ entity }, value);
    },
  });

  recordDelivered(entity: string, emittedAtMs: readonly number[], nowMs: number): void {
    this.deltas.inc({ entity, outcome: 'delivered' }, emittedAtMs.length);
    for (const at of emittedAtMs) this.latency.observe({ entity }, Math.max(0, (nowMs - at) / 1000));
    const counts = this.entity(entity);
    counts.delivered += emittedAtMs.length;
    counts.lastDeliveredAtMs = nowMs;
  }

  recordRejected(entity: string, count: number, message: string, nowMs: number): void {
    this.deltas.inc({ entity, outcome: 'rejected' }, count);
    this.entity(entity).refused += count;
    this.recordError(entity, message, nowMs);
  }

  recordRetry(entity: string, reason: string, nowMs: number): void {
    this.retries.inc({ entity });
    this.entity(entity).retried += 1;
    this.recordError(entity, reason, nowMs);
  }

  recordRequest(entity: string, answerMs: number): void {
    this.requestTime.observe({ entity }, answerMs / 1000);
    const counts = this.entity(entity);
    counts.requests += 1;
    counts.answerMs += answerMs;
  }

  recordWait(entity: string, cause: DeliveryWait, ms: number): void {
    if (ms <= 0) return;
    this.waited.inc({ entity, cause }, ms / 1000);
    this.entity(entity).waitedMs[cause] += ms;
  }

  recordRetryAfter(entity: string, askedMs: number, waitedMs: number, nowMs: number): void {
    this.lastRetryAfter.set(askedMs / 1000);
    this.state.lastRetryAfter = { atMs: nowMs, entity, askedMs, waitedMs };
  }

  /** A copy of the counters, for the status page. */
  status(entities: readonly string[]): DeliveryStatus {
    for (const name of entities) this.entity(name);
    return structuredClone(this.state);
  }

  private recordError(entity: string, message: string, nowMs: number): void {
    this.lastErrorAt.set(nowMs / 1000);
    this.state.lastError = { atMs: nowMs, entity, message };
  }

  private entity(name: string): EntityDelivery {
    return (this.state.entities[name] ??= emptyEntity());
  }
}
