import { Gauge, type Registry } from 'prom-client';
import type { EntityCompareProgress } from '../refresh/compare-progress.js';
import type { RefreshSummary } from '../refresh/refresh-status.js';

/**
 * The full compare's progress per entity as Prometheus gauges: the running compare's, else the
 * last completed one's, read from the refresh topic when scraped. They are the consumer group's
 * numbers (every task reports to that topic), so every instance shows the same values: aggregate
 * them with max(), not sum(). A series is absent when it is not known (no estimate, no ETA).
 */
export function registerCompareMetrics(registry: Registry, latest: () => RefreshSummary | undefined): void {
  const gauge = (name: string, help: string, value: (compare: EntityCompareProgress) => number | null): void => {
    const created: Gauge = new Gauge({
      name,
      help,
      labelNames: ['entity'],
      registers: [registry],
      collect: () => {
        created.reset();
        for (const entity of latest()?.entities ?? []) {
          const measured = entity.compare && value(entity.compare);
          if (measured !== undefined && measured !== null) created.set({ entity: entity.entity }, measured);
        }
      },
    });
  };
  gauge('erp_delta_compare_rows_compared', "snapshot rows (op r) of the entity's table the full compare has compared with what was loaded", (compare) => compare.compared);
  gauge('erp_delta_compare_rows_estimate', "PostgreSQL's row estimate of the entity's table when the full compare was requested; absent when it could not be read", (compare) => compare.estimate);
  gauge('erp_delta_compare_progress_ratio', "rows compared / row estimate, at most 0.99 until the entity's compare is done, then 1; absent without an estimate", (compare) =>
    compare.percent === null ? null : compare.percent / 100,
  );
  gauge('erp_delta_compare_rows_changed', 'snapshot rows that differed from what was loaded: UPSERTs with reason CHANGE', (compare) => compare.changed);
  gauge('erp_delta_compare_keys_deleted', 'loaded keys the table no longer holds: DELETEs with reason RECONCILE', (compare) => compare.deleted);
  gauge('erp_delta_compare_rows_per_second', "snapshot rows compared per second since the entity's first one (until its snapshot ended)", (compare) => compare.rowsPerSecond);
  gauge('erp_delta_compare_eta_seconds', 'seconds until the snapshot has compared the estimated rows at the rate so far (0 when done); absent while unknown', (compare) => compare.etaSeconds);
}
