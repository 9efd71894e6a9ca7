import { DELTA_REASONS, type DeltaReason } from '../model/delta.js';

/** The counters of one entity at one moment (totals since the process started). */
export interface EntityCounters {
  seen: number;
  suppressed: number;
  deadLettered: number;
  emitted: Record<DeltaReason, number>;
}

/** Per-minute rates of one entity between two samples; `atMs` is the end of the interval. */
export interface RatePoint {
  atMs: number;
  seen: number;
  suppressed: number;
  emitted: number;
  deadLettered: number;
}

interface Sample {
  atMs: number;
  counters: Record<string, EntityCounters>;
}

/** An entity's counters before anything happened. */
export function emptyCounters(): EntityCounters {
  return { seen: 0, suppressed: 0, deadLettered: 0, emitted: Object.fromEntries(DELTA_REASONS.map((reason) => [reason, 0])) as Record<DeltaReason, number> };
}

export function totalEmitted(counters: EntityCounters): number {
  return Object.values(counters.emitted).reduce((sum, count) => sum + count, 0);
}

/**
 * The last hour of the tracker's counters, sampled at intervals, for the status page's small
 * charts. Counters only grow within a process, so a rate is the difference of two samples over
 * their distance; a point is per minute because an operator reads "records a minute" at a glance.
 * Memory is bounded: samples older than the window are dropped.
 */
export class CounterHistory {
  private readonly samples: Sample[] = [];

  constructor(private readonly windowMs = 60 * 60 * 1000) {}

  record(atMs: number, counters: Record<string, EntityCounters>): void {
    const last = this.samples.at(-1);
    if (last && atMs <= last.atMs) return;
    this.samples.push({ atMs, counters: structuredClone(counters) });
    // One sample just outside the window stays: the first point of the window needs its start.
    while (this.samples.length > 2 && (this.samples[1]?.atMs ?? atMs) <= atMs - this.windowMs) this.samples.shift();
  }

  /**
   * Rates per entity, oldest first, up to `now` given as the live counters: the last point covers
   * the time since the last sample, so a chart moves before the next sample is taken.
   */
  rates(now?: Sample): Record<string, RatePoint[]> {
    const samples = now && (this.samples.at(-1)?.atMs ?? -Infinity) < now.atMs ? [...this.samples, now] : this.samples;
    const rates: Record<string, RatePoint[]> = {};
    for (let index = 1; index < samples.length; index += 1) {
      const before = samples[index - 1] as Sample;
      const after = samples[index] as Sample;
      const minutes = (after.atMs - before.atMs) / 60_000;
      for (const [entity, counters] of Object.entries(after.counters)) {
        const previous = before.counters[entity];
        const perMinute = (value: number, old: number | undefined): number => Math.max(0, value - (old ?? 0)) / minutes;
        (rates[entity] ??= []).push({
          atMs: after.atMs,
          seen: perMinute(counters.seen, previous?.seen),
          suppressed: perMinute(counters.suppressed, previous?.suppressed),
          emitted: perMinute(totalEmitted(counters), previous && totalEmitted(previous)),
          deadLettered: perMinute(counters.deadLettered, previous?.deadLettered),
        });
      }
    }
    return rates;
  }
}
