import { Counter, Gauge, Registry } from 'prom-client';
import { emptyCounters, type EntityCounters } from '../status/counter-history.js';
import type { DeltaReason } from '../model/delta.js';
import { sumCompactionStats } from '../model/compaction-stats.js';
import type { TaskStore } from '../model/task-store.js';

/**
 * The tracker's counters per entity (issue 3: seen, suppressed, emitted by reason, dead-lettered).
 * prom-client keeps them so that the admin endpoint can serve them as Prometheus text as they are.
 */
export class TrackerMetrics {
  readonly registry = new Registry();
  private readonly seen = new Counter({ name: 'erp_delta_records_seen_total', help: 'CDC records read', labelNames: ['entity'], registers: [this.registry] });
  private readonly suppressed = new Counter({
    name: 'erp_delta_records_suppressed_total',
    help: 'CDC changes that left the loaded record as it was',
    labelNames: ['entity'],
    registers: [this.registry],
  });
  private readonly emitted = new Counter({ name: 'erp_delta_deltas_emitted_total', help: 'deltas committed to the delta topics', labelNames: ['entity', 'reason', 'op'], registers: [this.registry] });
  private readonly deadLettered = new Counter({ name: 'erp_delta_records_dead_lettered_total', help: 'records sent to the dead-letter topic', labelNames: ['entity'], registers: [this.registry] });
  private readonly rechecked = new Counter({
    name: 'erp_delta_records_rechecked_total',
    help: 'loaded records re-checked against the assignment table',
    labelNames: ['entity'],
    registers: [this.registry],
  });
  private readonly replayed = new Counter({ name: 'erp_delta_refresh_records_replayed_total', help: 'CDC records replayed by refreshes', labelNames: ['entity'], registers: [this.registry] });
  private readonly refreshProgress = new Gauge({
    name: 'erp_delta_refresh_progress_ratio',
    help: "share of the running refresh's replay range this task has replayed (1 when done)",
    labelNames: ['entity', 'partition'],
    registers: [this.registry],
  });
  /** Set by the tracker: the lag of its consumer group per entity, read when scraped. */
  lagSource: (() => Promise<Record<string, number>>) | undefined;
  private readonly lag = new Gauge({
    name: 'erp_delta_consumer_lag',
    help: 'CDC records not yet processed by the consumer group (end offsets minus committed offsets)',
    labelNames: ['entity'],
    registers: [this.registry],
    collect: async () => {
      const lags = await this.lagSource?.().catch(() => undefined);
      for (const [entity, value] of Object.entries(lags ?? {})) this.lag.set({ entity }, value);
    },
  });
  private readonly alreadyApplied = new Counter({
    name: 'erp_delta_records_already_applied_total',
    help: 'CDC records at or before the loaded version by source position (re-sent, re-read): nothing emitted',
    labelNames: ['entity'],
    registers: [this.registry],
  });
  private readonly superseded = new Counter({
    name: 'erp_delta_records_superseded_total',
    help: 'CDC changes replaced by a later change of the same key in the same source transaction',
    labelNames: ['entity'],
    registers: [this.registry],
  });
  private readonly positionsBehind = new Counter({
    name: 'erp_delta_source_positions_behind_total',
    help: "CDC changes made after the loaded version but with an earlier source position (the source's positions started over): not applied",
    labelNames: ['entity'],
    registers: [this.registry],
  });
  private readonly withoutPosition = new Counter({
    name: 'erp_delta_records_without_source_position_total',
    help: 'CDC changes without a usable source position, ordered by Kafka offset instead',
    labelNames: ['entity'],
    registers: [this.registry],
  });
  private readonly absentColumns = new Counter({
    name: 'erp_delta_columns_absent_total',
    help: "CDC records whose row lacks a tracked field's column (written before the column was added, or a column the table lacks): the field kept its loaded value",
    labelNames: ['entity', 'field'],
    registers: [this.registry],
  });
  private readonly restored = new Counter({
    name: 'erp_delta_changelog_records_restored_total',
    help: 'changelog records applied to state stores',
    labelNames: ['entity'],
    registers: [this.registry],
  });
  private readonly restoreLeft = new Gauge({
    name: 'erp_delta_restore_offsets_left',
    help: "changelog offsets this instance has still to read to restore the partition's state store (0 once restored): an upper bound of the records left",
    labelNames: ['entity', 'partition'],
    registers: [this.registry],
  });
  private readonly restoreRate = new Gauge({
    name: 'erp_delta_restore_records_per_second',
    help: 'changelog records (keys) applied to state stores per second over the last 10 s of the restore under way; 0 when none runs',
    registers: [this.registry],
  });
  private readonly groupJoins = new Counter({
    name: 'erp_delta_group_joins_total',
    help: 'times this instance joined its consumer group: one at start, one per rebalance (a restore must not add any)',
    registers: [this.registry],
  });
  /** Set by the tracker: its running tasks' state stores, whose memory and compactions are read when scraped. */
  runningStoresSource: (() => ReadonlyArray<Pick<TaskStore, 'memoryBytes' | 'compactionStats'>>) | undefined;
  private readonly storesMemory = new Gauge({
    name: 'erp_delta_state_store_memory_bytes',
    help: "memory the running tasks' state stores hold by LevelDB's own estimate (write buffers, block caches; not the index and filter blocks of open tables)",
    registers: [this.registry],
    collect: () => {
      const stores = this.runningStoresSource?.();
      if (stores) this.storesMemory.set(stores.reduce((sum, store) => sum + store.memoryBytes(), 0));
    },
  });
  private readonly compactionSeconds = new Gauge({
    name: 'erp_delta_state_store_compaction_seconds',
    help: "seconds LevelDB's background thread spent compacting the running tasks' state stores since they opened (whole seconds per store and level)",
    registers: [this.registry],
    collect: () => this.collectCompactions(),
  });
  private readonly compactionWritten = new Gauge({
    name: 'erp_delta_state_store_compaction_written_bytes',
    help: "bytes LevelDB's compactions (memtable flushes included) wrote for the running tasks' state stores since they opened",
    registers: [this.registry],
  });
  private readonly level0Files = new Gauge({
    name: 'erp_delta_state_store_level0_files',
    help: "table files at level 0 of the running task's state store that has most: from 8 LevelDB delays each write by 1 ms, from 12 it stops writes until compaction catches up",
    registers: [this.registry],
  });

  private collectCompactions(): void {
    const stores = this.runningStoresSource?.();
    if (!stores) return;
    const stats = sumCompactionStats(stores.map((store) => store.compactionStats()));
    this.compactionSeconds.set(stats.seconds);
    this.compactionWritten.set(stats.writtenBytes);
    this.level0Files.set(stats.level0Files);
  }

  /** Per entity: the source time (ts_ms) of the newest change read: the capture's freshness (issue 19). */
  readonly newestSourceChangeMs = new Map<string, number>();
  private readonly sourceChangeAge = new Gauge({
    name: 'erp_delta_source_change_age_seconds',
    help: "seconds since the newest change read from the entity's CDC topic was made in the ERP database (its source ts_ms); absent until this instance read one",
    labelNames: ['entity'],
    registers: [this.registry],
    collect: () => {
      for (const [entity, tsMs] of this.newestSourceChangeMs) this.sourceChangeAge.set({ entity }, Math.max(0, (Date.now() - tsMs) / 1000));
    },
  });

  recordBatch(entity: string, counts: { seen: number; suppressed: number; deadLettered: number; emitted: ReadonlyArray<{ reason: DeltaReason; op: string }> }): void {
    this.seen.inc({ entity }, counts.seen);
    if (counts.suppressed > 0) this.suppressed.inc({ entity }, counts.suppressed);
    if (counts.deadLettered > 0) this.deadLettered.inc({ entity }, counts.deadLettered);
    this.countEmitted(entity, counts.emitted);
  }

  recordPositions(entity: string, counts: { behind: number; withoutPosition: number; alreadyApplied: number; superseded: number }): void {
    if (counts.behind > 0) this.positionsBehind.inc({ entity }, counts.behind);
    if (counts.withoutPosition > 0) this.withoutPosition.inc({ entity }, counts.withoutPosition);
    if (counts.alreadyApplied > 0) this.alreadyApplied.inc({ entity }, counts.alreadyApplied);
    if (counts.superseded > 0) this.superseded.inc({ entity }, counts.superseded);
  }

  recordAbsentColumns(entity: string, recordsPerField: ReadonlyMap<string, number>): void {
    for (const [field, records] of recordsPerField) this.absentColumns.inc({ entity, field }, records);
  }

  recordRecheck(entity: string, counts: { checked: number; emitted: ReadonlyArray<{ reason: DeltaReason; op: string }> }): void {
    this.rechecked.inc({ entity }, counts.checked);
    this.countEmitted(entity, counts.emitted);
  }

  recordRefresh(entity: string, counts: { replayed: number; emitted: ReadonlyArray<{ reason: DeltaReason; op: string }> }): void {
    if (counts.replayed > 0) this.replayed.inc({ entity }, counts.replayed);
    this.countEmitted(entity, counts.emitted);
  }

  /** One increment per reason and op of a batch: prom-client hashes the labels of every call. */
  private countEmitted(entity: string, emitted: ReadonlyArray<{ reason: DeltaReason; op: string }>): void {
    const counts = new Map<string, { reason: DeltaReason; op: string; count: number }>();
    for (const { reason, op } of emitted) {
      const id = `${reason}:${op}`;
      const entry = counts.get(id);
      if (entry) entry.count += 1;
      else counts.set(id, { reason, op, count: 1 });
    }
    for (const { reason, op, count } of counts.values()) this.emitted.inc({ entity, reason, op }, count);
  }

  recordRefreshProgress(entity: string, partition: number, ratio: number): void {
    this.refreshProgress.set({ entity, partition: String(partition) }, ratio);
  }

  recordSourceChange(entity: string, tsMs: number): void {
    if (tsMs > (this.newestSourceChangeMs.get(entity) ?? 0)) this.newestSourceChangeMs.set(entity, tsMs);
  }

  recordRestored(entity: string, count: number): void {
    this.restored.inc({ entity }, count);
  }

  recordRestoreLeft(entity: string, partition: number, offsets: number): void {
    this.restoreLeft.set({ entity, partition: String(partition) }, offsets);
  }

  recordRestoreRate(recordsPerSecond: number): void {
    this.restoreRate.set(recordsPerSecond);
  }

  recordGroupJoin(): void {
    this.groupJoins.inc();
  }

  /** The counters of each named entity, zero where nothing happened yet: what the status page shows. */
  async entityCounters(entities: readonly string[]): Promise<Record<string, EntityCounters>> {
    const counters: Record<string, EntityCounters> = {};
    for (const entity of entities) counters[entity] = emptyCounters();
    const add = async (counter: Counter, onto: (entry: EntityCounters, value: number, labels: Partial<Record<string, string | number>>) => void): Promise<void> => {
      for (const { labels, value } of (await counter.get()).values) {
        const entry = counters[String(labels['entity'])];
        if (entry) onto(entry, value, labels);
      }
    };
    await add(this.seen, (entry, value) => {
      entry.seen = value;
    });
    await add(this.suppressed, (entry, value) => {
      entry.suppressed = value;
    });
    await add(this.deadLettered, (entry, value) => {
      entry.deadLettered = value;
    });
    await add(this.emitted, (entry, value, labels) => {
      entry.emitted[labels['reason'] as DeltaReason] += value;
    });
    return counters;
  }

  /** A flat snapshot for log lines and tests: `name{labels}` -> value. */
  async snapshot(): Promise<Record<string, number>> {
    const result: Record<string, number> = {};
    for (const metric of await this.registry.getMetricsAsJSON()) {
      for (const value of metric.values) {
        const labels = Object.entries(value.labels)
          .map(([key, label]) => `${key}=${String(label)}`)
          .join(',');
        result[`${metric.name}{${labels}}`] = value.value;
      }
    }
    return result;
  }
}
