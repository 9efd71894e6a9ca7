import type { TrackerConfig } from '../config/tracker-config.js';
import type { RefreshBoard } from './refresh-board.js';
import { replayRanges, type RefreshRequest } from './refresh-record.js';

export interface EntityRefreshStatus {
  entity: string;
  replayed: number;
  total: number;
  emitted: number;
  reconciled: number;
  /** Replayed records per second since the entity's first task started. */
  recordsPerSecond: number;
  etaSeconds: number | null;
  done: boolean;
}

export interface RefreshSummary {
  id: string;
  trigger: string;
  requestedAt: string;
  completedAt?: string | undefined;
  totals: { replayed: number; total: number; emitted: number; reconciled: number };
  entities: EntityRefreshStatus[];
}

export interface RefreshStatus {
  running?: RefreshSummary | undefined;
  last?: RefreshSummary | undefined;
}

/**
 * What `refresh status` shows: per entity of the running refresh, replayed/total (each partition's
 * replay range, fixed at the request), emitted, rate and ETA from the tasks' progress reports;
 * and the last completed refresh. With `id`, that refresh only.
 */
export function refreshStatus(board: RefreshBoard, config: TrackerConfig | undefined, nowMs: number, id?: string): RefreshStatus {
  const chosen = id === undefined ? undefined : board.request(id);
  const running = id === undefined ? board.running() : chosen?.status === 'running' ? chosen : undefined;
  const last = id === undefined ? board.lastCompleted() : chosen?.status === 'completed' ? chosen : undefined;
  return { running: running && summarize(board, running, config, nowMs), last: last && summarize(board, last, config, nowMs) };
}

function summarize(board: RefreshBoard, request: RefreshRequest, config: TrackerConfig | undefined, nowMs: number): RefreshSummary {
  const topicOf = (name: string): string | undefined => config?.entities[name]?.topic;
  const topics = Object.keys(request.ends);
  const entities = request.entities.map((entity, index): EntityRefreshStatus => {
    const topic = topicOf(entity) ?? topics[index] ?? '';
    const ranges = replayRanges(request).filter((range) => range.topic === topic);
    const reports = ranges.map((range) => board.progressOf(request.id, topic, range.partition));
    const total = ranges.reduce((sum, range) => sum + Math.max(0, range.end - range.start), 0);
    const replayed = reports.reduce((sum, report) => sum + (report?.replayed ?? 0), 0);
    const startedAtMs = Math.min(...reports.map((report) => report?.startedAtMs ?? nowMs));
    const done = ranges.length === 0 || reports.every((report) => report?.done === true);
    const seconds = Math.max(0.001, ((request.status === 'completed' ? request.completedAtMs ?? nowMs : nowMs) - startedAtMs) / 1000);
    const recordsPerSecond = Math.round(replayed / seconds);
    return {
      entity, replayed, total,
      emitted: reports.reduce((sum, report) => sum + (report?.emitted ?? 0), 0),
      reconciled: reports.reduce((sum, report) => sum + (report?.reconciled ?? 0), 0),
      recordsPerSecond,
      etaSeconds: done ? 0 : recordsPerSecond > 0 ? Math.round((total - replayed) / recordsPerSecond) : null,
      done,
    };
  });
  const sum = (pick: (entity: EntityRefreshStatus) => number): number => entities.reduce((total, entity) => total + pick(entity), 0);
  return {
    id: request.id,
    trigger: request.trigger,
    requestedAt: new Date(request.requestedAtMs).toISOString(),
    completedAt: request.completedAtMs === undefined ? undefined : new Date(request.completedAtMs).toISOString(),
    totals: { replayed: sum((entity) => entity.replayed), total: sum((entity) => entity.total), emitted: sum((entity) => entity.emitted), reconciled: sum((entity) => entity.reconciled) },
    entities,
  };
}
