import type { Readiness } from '../admin/readiness.js';
import type { WrittenAssignment } from '../assignment/assignment-topic.js';
import type { CaptureHealth } from '../capture/capture-health.js';
import type { RefreshRequest } from '../refresh/refresh-record.js';
import type { RefreshStatus } from '../refresh/refresh-status.js';
import type { DeltaHistory } from '../model/delta-history.js';
import type { EntityCounters } from './counter-history.js';

/**
 * What the status page and /readyz see of the running tracker. The Tracker class implements it,
 * and cli/watched-tracker.ts adds the capture's health and readiness reasons to it when the
 * capture is watched; it is declared here, apart from the class, so that status/ and admin/ import
 * no part of the tracker's runtime and the tracker owes them no more than these members.
 */
export interface TrackerView {
  entityNames(): string[];
  entityCounters(): Promise<Record<string, EntityCounters>>;
  consumerLag(): Promise<Record<string, number>>;
  readiness(): Promise<Readiness>;
  refreshStatus(): RefreshStatus;
  /** The mapping as this instance's table holds it; null without an assignment join. */
  assignmentMapping(): AssignmentMapping | null;
  /** Per entity: its source epoch and what the tracker found about source positions. */
  sourcePositions(): Record<string, PositionStatus & { epoch: number }>;
  /** The capture's health (issue 19): connectors, tasks, heartbeats, slots; null when not watched. */
  captureHealth?(): CaptureHealth | null;
}

/** What the status page does through the tracker: its few writes, and a key's history. */
export interface TrackerActions {
  requestRefresh(trigger: string): Promise<RefreshRequest>;
  assign(repCode: string, userId: string | null): Promise<WrittenAssignment>;
  deltaHistory(entity: string, key: string): Promise<DeltaHistory>;
}

export interface AssignmentMapping {
  topic: string;
  entity: string;
  mapping: Array<{ repCode: string; userId: string }>;
}

/** What the status page shows of an entity's source positions. */
export interface PositionStatus {
  /** Versions held back since the process started because their position is before the loaded one. */
  behind: number;
  /** The last of them: the key and both positions in the database's notation. */
  lastBehind: { key: string; partition: number; record: string; loaded: string; atMs: number } | null;
  /** Records without a usable source position (ordered by Kafka offset instead). */
  withoutPosition: number;
}
