import type { TrackerConfig } from '../config/tracker-config.js';
import { entityCompareProgress, type EntityCompareProgress } from './compare-progress.js';
import type { RefreshBoard } from './refresh-board.js';
import { replayRanges, type RefreshKind, type RefreshProgress, type RefreshRequest } from './refresh-record.js';

export interface EntityRefreshStatus {
  entity: string;
  replayed: number;
  total: number;
  emitted: number;
  reconciled: number;
  /**
   * A replay's loaded keys checked by the reconcile that follows it (its tasks', summed); absent
   * until a task of the entity has replayed its whole range.
   */
  reconcileChecked?: number | undefined;
  /** Replayed records per second since the entity's first task started. */
  recordsPerSecond: number;
  etaSeconds: number | null;
  done: boolean;
  /**
   * A compare's: snapshot rows compared against the table's row estimate, changed, deleted, rate
   * and ETA. (`replayed`/`total` are then the keys of the window marked, which come after.)
   */
  compare?: EntityCompareProgress | undefined;
}

export interface RefreshSummary {
  id: string;
  /** `replay` for requests written before the full compare existed. */
  kind: RefreshKind;
  trigger: string;
  requestedAt: string;
  completedAt?: string | undefined;
  /** A compare's also: snapshot rows compared, and those that differed. */
  totals: { replayed: number; total: number; emitted: number; reconciled: number; reconcileChecked?: number; compared?: number; changed?: number };
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

/** The full compare running now, else the last one completed: what the compare metrics show. */
export function latestCompare(board: RefreshBoard, config: TrackerConfig | undefined, nowMs: number): RefreshSummary | undefined {
  const running = board.running();
  const request = running?.kind === 'compare' ? running : board.lastCompleted('compare');
  return request && summarize(board, request, config, nowMs);
}

function summarize(board: RefreshBoard, request: RefreshRequest, config: TrackerConfig | undefined, nowMs: number): RefreshSummary {
  const topicOf = (name: string): string | undefined => config?.entities[name]?.topic;
  const topics = Object.keys(request.ends);
  const entities = request.entities.map((entity, index): EntityRefreshStatus => {
    const topic = topicOf(entity) ?? topics[index] ?? '';
    const ranges = replayRanges(request).filter((range) => range.topic === topic);
    const reports = ranges.map((range) => board.progressOf(request.id, topic, range.partition));
    // A compare's range is its window, whose end each task learns once the snapshot of its table is through.
    const total = request.kind === 'compare' ? reports.reduce((sum, report) => sum + (report?.total ?? 0), 0) : ranges.reduce((sum, range) => sum + Math.max(0, range.end - range.start), 0);
    const replayed = reports.reduce((sum, report) => sum + (report?.replayed ?? 0), 0);
    const startedAtMs = Math.min(...reports.map((report) => report?.startedAtMs ?? nowMs));
    const done = ranges.length === 0 || reports.every((report) => report?.done === true);
    const seconds = Math.max(0.001, ((request.status === 'completed' ? (request.completedAtMs ?? nowMs) : nowMs) - startedAtMs) / 1000);
    const recordsPerSecond = Math.round(replayed / seconds);
    const reconciled = reports.reduce((sum, report) => sum + (report?.reconciled ?? 0), 0);
    const reconciling = reports.filter((report) => report?.reconcileChecked !== undefined);
    return {
      entity,
      replayed,
      total,
      emitted: reports.reduce((sum, report) => sum + (report?.emitted ?? 0), 0),
      reconciled,
      ...(request.kind !== 'compare' && reconciling.length > 0 ? { reconcileChecked: reconciling.reduce((sum, report) => sum + (report?.reconcileChecked ?? 0), 0) } : {}),
      recordsPerSecond,
      etaSeconds: done ? 0 : recordsPerSecond > 0 ? Math.round((total - replayed) / recordsPerSecond) : null,
      done,
      ...(request.kind === 'compare' ? { compare: compareOf(board, request, topic, reports, { done, reconciled, nowMs }) } : {}),
    };
  });
  const sum = (pick: (entity: EntityRefreshStatus) => number): number => entities.reduce((total, entity) => total + pick(entity), 0);
  return {
    id: request.id,
    kind: request.kind ?? 'replay',
    trigger: request.trigger,
    requestedAt: new Date(request.requestedAtMs).toISOString(),
    completedAt: request.completedAtMs === undefined ? undefined : new Date(request.completedAtMs).toISOString(),
    totals: {
      replayed: sum((entity) => entity.replayed),
      total: sum((entity) => entity.total),
      emitted: sum((entity) => entity.emitted),
      reconciled: sum((entity) => entity.reconciled),
      ...(entities.some((entity) => entity.reconcileChecked !== undefined) ? { reconcileChecked: sum((entity) => entity.reconcileChecked ?? 0) } : {}),
      ...(request.kind === 'compare' ? { compared: sum((entity) => entity.compare?.compared ?? 0), changed: sum((entity) => entity.compare?.changed ?? 0) } : {}),
    },
    entities,
  };
}

/** An entity's compare progress from its tasks' reports, the request's row estimate and where its snapshot ended. */
function compareOf(
  board: RefreshBoard,
  request: RefreshRequest,
  topic: string,
  reports: ReadonlyArray<RefreshProgress | undefined>,
  state: { done: boolean; reconciled: number; nowMs: number },
): EntityCompareProgress {
  const snapshotEnd = board.snapshotEndOf(request.id, topic);
  const firsts = reports.flatMap((report) => (report?.comparedSinceMs === undefined ? [] : [report.comparedSinceMs]));
  return entityCompareProgress({
    compared: reports.reduce((sum, report) => sum + (report?.compared ?? 0), 0),
    changed: reports.reduce((sum, report) => sum + (report?.changed ?? 0), 0),
    deleted: state.reconciled,
    estimate: request.estimates?.[topic],
    estimateUnknown: request.estimatesUnknown?.[topic],
    snapshotThrough: snapshotEnd !== undefined,
    done: state.done,
    firstAtMs: firsts.length === 0 ? undefined : Math.min(...firsts),
    // The rate is the snapshot's: it stops when the table is through, not when the sweep is.
    untilMs: snapshotEnd?.atMs ?? (request.status === 'completed' ? (request.completedAtMs ?? state.nowMs) : state.nowMs),
  });
}

/** One entity's compare, as `refresh status` prints it. */
export function describeEntityCompare(compare: EntityCompareProgress): string {
  const rows =
    compare.estimate === null
      ? `${compare.compared} rows compared (estimate unknown: ${compare.estimateUnknown ?? 'not read'})`
      : `${compare.compared}/${compare.estimate} rows compared (${compare.percent ?? 0}%)`;
  const pace =
    compare.phase === 'done'
      ? 'done'
      : `${compare.rowsPerSecond} rows/s${compare.etaSeconds === null ? '' : `, ETA ${compare.etaSeconds} s`}${compare.phase === 'sweep' ? ', snapshot through: marking and sweeping' : ''}`;
  return `${rows}, ${compare.changed} changed, ${compare.deleted} deleted, ${pace}`;
}

/**
 * A running compare's progress bar: while a table is still being re-read, the rows compared
 * against the estimates (at most 99%), with the rate and ETA; once every table is through, the
 * keys of the window marked, and the loaded keys deleted so far.
 */
export function compareBar(summary: RefreshSummary): { ratio: number; text: string } {
  const compares = summary.entities.flatMap((entity) => (entity.compare ? [entity.compare] : []));
  const compared = compares.reduce((sum, compare) => sum + compare.compared, 0);
  const changed = compares.reduce((sum, compare) => sum + compare.changed, 0);
  const deleted = compares.reduce((sum, compare) => sum + compare.deleted, 0);
  if (compares.length > 0 && compares.every((compare) => compare.phase === 'done')) {
    return { ratio: 1, text: `${compared} rows compared, ${changed} changed, ${deleted} deleted` };
  }
  const reading = compares.filter((compare) => compare.phase === 'snapshot');
  if (reading.length === 0) {
    const { replayed, total } = summary.totals;
    return {
      ratio: total === 0 ? 0.99 : Math.min(0.99, replayed / total),
      text: `snapshot through (${compared} rows compared, ${changed} changed): ${replayed}/${total} keys marked, ${deleted} deleted`,
    };
  }
  const estimated = compares.every((compare) => compare.estimate !== null);
  const estimate = compares.reduce((sum, compare) => sum + (compare.estimate ?? 0), 0);
  const rate = reading.reduce((sum, compare) => sum + compare.rowsPerSecond, 0);
  const remaining = reading.reduce((sum, compare) => sum + Math.max(0, (compare.estimate ?? 0) - compare.compared), 0);
  const eta = estimated && rate > 0 && remaining > 0 ? `, ETA ${Math.round(remaining / rate)} s` : '';
  const rows = estimated ? `${compared}/${estimate} rows compared` : `${compared} rows compared (estimate unknown)`;
  const ratio = estimated ? (estimate === 0 ? 0 : Math.min(0.99, compared / estimate)) : (compares.length - reading.length) / compares.length;
  return { ratio, text: `${rows}, ${changed} changed, ${deleted} deleted, ${rate} rows/s${eta}` };
}

/**
 * A replay's progress in words and as a ratio, for `refresh --wait`: records replayed, then the
 * reconcile's loaded keys checked. Below 1 until the refresh has completed: a replay whose range
 * is through still has its reconcile to run, which at millions of keys takes a minute or more.
 */
export function replayProgress(totals: RefreshSummary['totals'], completed: boolean): { ratio: number; text: string } {
  const { replayed, total, emitted, reconciled, reconcileChecked } = totals;
  const reconciling = !completed && reconcileChecked !== undefined ? `; reconciling: ${reconcileChecked} loaded keys checked, ${reconciled} deleted` : '';
  const ratio = completed ? 1 : total === 0 ? 0 : Math.min(replayed / total, 0.999);
  return { ratio, text: `${replayed}/${total} replayed, ${emitted} emitted${reconciling}` };
}
