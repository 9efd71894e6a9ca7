import type { TrackerConfig } from '../config/tracker-config.js';
import type { RequestedKind } from './refresh-record.js';

const KIND_ORDER: readonly RequestedKind[] = ['replay', 'compare'];

/** One refresh the schedule requests: its kind, the entities it covers, and its id for a due time. */
export interface ScheduledRun {
  kind: RequestedKind;
  entities: string[];
  id: string;
}

/**
 * What one firing of `refresh.schedule` runs, in order (one refresh at a time per group, so each
 * is requested once the one before completed): a replay of the entities whose kinds include it,
 * then a compare of those whose kinds include that. The replay keeps the id it always had (the
 * due minute), so every instance of the group requests the same refreshes.
 */
export function scheduledRuns(config: TrackerConfig, due: Date): ScheduledRun[] {
  const schedule = config.refresh.schedule;
  if (!schedule) return [];
  const base = `scheduled-${due.toISOString().slice(0, 16).replace(/[-:]/g, '')}`;
  return KIND_ORDER.flatMap((kind) => {
    const entities = Object.keys(config.entities).filter((name) => (schedule.entities[name] ?? schedule.kinds).includes(kind));
    return entities.length === 0 ? [] : [{ kind, entities, id: kind === 'replay' ? base : `${base}-${kind}` }];
  });
}

/** The run after `id` of the same firing, if any. */
export function nextScheduledRun(runs: readonly ScheduledRun[], id: string): ScheduledRun | undefined {
  const index = runs.findIndex((run) => run.id === id);
  return index < 0 ? undefined : runs[index + 1];
}
