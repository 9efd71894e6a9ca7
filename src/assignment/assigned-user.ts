import { ASSIGNED_USER_FIELD, type AssignmentConfig } from '../config/tracker-config.js';
import type { CanonicalRecord } from '../normalize/canonical-value.js';

/** What the assignment join reads: the global table's current state. */
export interface AssignmentLookup {
  /** The user a sales rep code is assigned to; undefined when unassigned. */
  userOfRep(repCode: string): string | undefined;
  /** The user a customer is assigned to by hand; undefined when none. */
  manualUserOf(customerKey: string): string | undefined;
}

/**
 * The join of the desired record (DESIGN "Assignment join"): the user a customer gets. The mapping
 * of its sales rep wins, as the batch integration does today; with respectManual, a manual
 * assignment of that customer wins instead, and removing it returns the customer to the mapping.
 * A customer without a rep, or whose rep is unassigned, gets null.
 */
export function assignedUser(lookup: AssignmentLookup, repCode: unknown, customerKey: string, respectManual: boolean): string | null {
  if (respectManual) {
    const manual = lookup.manualUserOf(customerKey);
    if (manual !== undefined) return manual;
  }
  return typeof repCode === 'string' ? (lookup.userOfRep(repCode) ?? null) : null;
}

/** The join as the tracker applies it to the records of the assignment entity. */
export interface AssignmentJoin {
  /** The joined field of the desired record (assignedUserId). */
  readonly field: string;
  /** The field holding the sales rep code. */
  readonly repField: string;
  /** The user a record of the entity gets now. */
  userFor(record: CanonicalRecord, customerKey: string): string | null;
}

export function assignmentJoin(lookup: AssignmentLookup, config: Pick<AssignmentConfig, 'repField' | 'respectManual'>): AssignmentJoin {
  return {
    field: ASSIGNED_USER_FIELD,
    repField: config.repField,
    userFor: (record, customerKey) => assignedUser(lookup, record[config.repField], customerKey, config.respectManual),
  };
}
