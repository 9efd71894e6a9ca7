import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assignedUser, assignmentJoin, type AssignmentLookup } from '../../../src/assignment/assigned-user.js';
import { reassignmentDeltas } from '../../../src/assignment/reassign.js';
import type { LoadedRecord } from '../../../src/model/loaded-record.js';
import { defaultEntity } from '../../support/default-entities.js';

function lookup(reps: Record<string, string>, manual: Record<string, string> = {}): AssignmentLookup {
  return { userOfRep: (rep) => reps[rep], manualUserOf: (key) => manual[key] };
}

const table = lookup({ SAL001: 'u-1', SAL002: 'u-2' }, { C9: 'u-manual' });

describe('assigned user (the join)', () => {
  it('gives a customer the user of its rep, or null when the rep is unassigned or missing', () => {
    assert.equal(assignedUser(table, 'SAL001', 'C1', false), 'u-1');
    assert.equal(assignedUser(table, 'SAL003', 'C1', false), null);
    assert.equal(assignedUser(table, null, 'C1', false), null);
  });

  it('lets the mapping win over a manual assignment by default, as the batch integration does', () => {
    assert.equal(assignedUser(table, 'SAL001', 'C9', false), 'u-1');
  });

  it('lets a manual assignment win with respectManual, and the mapping apply without one', () => {
    assert.equal(assignedUser(table, 'SAL001', 'C9', true), 'u-manual');
    assert.equal(assignedUser(table, null, 'C9', true), 'u-manual');
    assert.equal(assignedUser(table, 'SAL002', 'C1', true), 'u-2');
  });
});

describe('re-check after an assignment change', () => {
  const customers = defaultEntity('customers');
  const source = { topic: 'erp.public.customers', partition: 2, offset: 41, tsMs: 0, connector: null, position: null, epoch: 0 };
  function loaded(key: string, rep: string | null, user: string | null): LoadedRecord {
    const data = { code: key, name: 'N', address: null, city: null, salesRepCode: rep, creditLimit: '1.00', assignedUserId: user };
    return { key, data, source };
  }

  it('emits ASSIGNMENT upserts with [assignedUserId] for exactly the customers whose user differs', () => {
    const join = assignmentJoin(lookup({ SAL001: 'u-new' }), { repField: 'salesRepCode', respectManual: false });
    const deltas = reassignmentDeltas(
      customers,
      join,
      [loaded('C1', 'SAL001', 'u-old'), loaded('C2', 'SAL001', 'u-new'), loaded('C3', 'SAL002', null), loaded('C4', 'SAL002', 'u-gone')],
      5_000,
      6_000,
    );
    assert.deepEqual(
      deltas.map((delta) => [delta.key, delta.op, delta.reason, delta.changedFields, delta.data?.['assignedUserId']]),
      [
        ['C1', 'UPSERT', 'ASSIGNMENT', ['assignedUserId'], 'u-new'],
        ['C4', 'UPSERT', 'ASSIGNMENT', ['assignedUserId'], null],
      ],
    );
    const [first] = deltas;
    assert.deepEqual(first?.source, { ...source, tsMs: 5_000 }, 'the source row version stays; the time is the assignment change');
    assert.equal(first?.data?.['name'], 'N', 'the whole record is sent');
  });

  it('leaves a manually assigned customer alone with respectManual', () => {
    const join = assignmentJoin(lookup({ SAL001: 'u-new' }, { C1: 'u-hand' }), { repField: 'salesRepCode', respectManual: true });
    assert.deepEqual(reassignmentDeltas(customers, join, [loaded('C1', 'SAL001', 'u-hand')], 1, 2), []);
    assert.deepEqual(
      reassignmentDeltas(customers, join, [loaded('C1', 'SAL001', 'u-old')], 1, 2).map((delta) => delta.data?.['assignedUserId']),
      ['u-hand'],
    );
  });
});
