import { Counter, Histogram, Registry } from 'prom-client';

/** The loader's counters (issue 6: delivery latency, retries and errors), for /metrics. */
export class DeliveryMetrics {
  readonly registry = new Registry();
  private readonly deltas = new Counter({ name: 'erp_delta_delivery_deltas_total', help: 'deltas handed to the target, by outcome (delivered, rejected: sent to the DLQ)', labelNames: ['entity', 'outcome'], registers: [this.registry] });
  private readonly retries = new Counter({ name: 'erp_delta_delivery_retries_total', help: 'POSTs retried after a 5xx, a timeout or a connection error', labelNames: ['entity'], registers: [this.registry] });
  private readonly latency = new Histogram({
    name: 'erp_delta_delivery_latency_seconds', help: 'from a delta\'s emission to the target\'s acknowledgement', labelNames: ['entity'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300], registers: [this.registry],
  });

  recordDelivered(entity: string, emittedAtMs: readonly number[], nowMs: number): void {
    this.deltas.inc({ entity, outcome: 'delivered' }, emittedAtMs.length);
    for (const at of emittedAtMs) this.latency.observe({ entity }, Math.max(0, (nowMs - at) / 1000));
  }

  recordRejected(entity: string, count: number): void {
    this.deltas.inc({ entity, outcome: 'rejected' }, count);
  }

  recordRetry(entity: string): void {
    this.retries.inc({ entity });
  }
}
