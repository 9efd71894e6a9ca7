import { ErpDeltaError } from '../errors/erp-delta-error.js';

/**
 * The states of a task (DESIGN "task"), after Kafka Streams' Task.State:
 *
 * - CREATED: assigned here; its store and its transactional producer are opening (the producer
 *   fences the task's predecessor elsewhere).
 * - RESTORING: its store is catching up with its changelog; it processes nothing yet.
 * - RUNNING: restored; it processes batches, refresh pages and re-checks.
 * - SUSPENDED: it takes no new work and its helpers are stopped, but its store and producer are
 *   still open: on the way to CLOSED, or back to RESTORING when its partition comes back first.
 * - CLOSED: store and producer released. A corrupted task goes from here to CREATED again, with its
 *   store wiped (task-manager.ts).
 */
export type TaskState = 'CREATED' | 'RESTORING' | 'RUNNING' | 'SUSPENDED' | 'CLOSED';

export const TASK_STATES: readonly TaskState[] = ['CREATED', 'RESTORING', 'RUNNING', 'SUSPENDED', 'CLOSED'];

/**
 * Every state a task may go to from each state; nothing else is allowed. A task is closed only
 * once suspended, so that closing always stops its helpers first, whatever state it was in.
 */
const NEXT_STATES: Readonly<Record<TaskState, readonly TaskState[]>> = {
  CREATED: ['RESTORING', 'SUSPENDED'],
  RESTORING: ['RUNNING', 'SUSPENDED'],
  RUNNING: ['SUSPENDED'],
  SUSPENDED: ['RESTORING', 'CLOSED'],
  CLOSED: ['CREATED'],
};

export function isAllowedTransition(from: TaskState, to: TaskState): boolean {
  return NEXT_STATES[from].includes(to);
}

/** The state `to`, when a task in state `from` may go there; otherwise an ILLEGAL_TASK_TRANSITION error naming the task and both states. */
export function nextTaskState(taskId: string, from: TaskState, to: TaskState): TaskState {
  if (!isAllowedTransition(from, to)) {
    throw new ErpDeltaError('ILLEGAL_TASK_TRANSITION', `Task ${taskId} cannot go from ${from} to ${to} (allowed from ${from}: ${NEXT_STATES[from].join(', ')}).`);
  }
  return to;
}

/** The states a task passes through to close from `from`: closing always goes through SUSPENDED. */
export function pathToClosed(from: TaskState): TaskState[] {
  if (from === 'CLOSED') return [];
  if (from === 'SUSPENDED') return ['CLOSED'];
  return ['SUSPENDED', 'CLOSED'];
}

/** A task's changelog, as its restore starts: the store's checkpoint and the partition's end. */
export interface ChangelogPosition {
  /** The store's checkpoint: one past the last delta it holds ('0' for an empty store). */
  checkpoint: string;
  /** The changelog partition's end (its last stable offset), read after the task's producer fenced its predecessor. */
  end: string;
}

/**
 * What a task's restore must do: nothing (caught up), read the changelog from the checkpoint on, or
 * nothing it can do with the store it has: the checkpoint is past the changelog's end, so the
 * store holds deltas the changelog no longer has (the delta topic was deleted and created again),
 * and it must be wiped and restored from the start.
 */
export type RestoreStart = { kind: 'caught-up' } | { kind: 'from'; offset: string } | { kind: 'past-end' };

export function restoreStart({ checkpoint, end }: ChangelogPosition): RestoreStart {
  const gap = BigInt(end) - BigInt(checkpoint);
  if (gap < 0n) return { kind: 'past-end' };
  // The checkpoint is one past the last delta the store saw; the commit marker of that transaction
  // follows it. One record left is that marker: any other transaction adds at least a record and
  // its own marker.
  return gap > 1n ? { kind: 'from', offset: checkpoint } : { kind: 'caught-up' };
}

/** A task's id, also its store's folder name: its input topic and partition, e.g. `erp.public.customers-2`. */
export function taskId(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}
