import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assignmentValue, parseAssignmentValue } from '../../../src/assignment/assignment-value.js';
import { isErpDeltaError } from '../../../src/errors/erp-delta-error.js';

const key = Buffer.from('SAL001');

function rejects(keyBytes: Buffer | null, value: string | null, pattern: RegExp): void {
  assert.throws(
    () => parseAssignmentValue(keyBytes, value === null ? null : Buffer.from(value)),
    (error: unknown) => {
      assert.ok(isErpDeltaError(error, 'INVALID_ASSIGNMENT'), String(error));
      assert.match(error.message, pattern);
      return true;
    },
  );
}

describe('assignment value', () => {
  it('reads the user of a rep, and ignores extra fields', () => {
    assert.deepEqual(parseAssignmentValue(key, Buffer.from('{"userId":"u-7","name":"Thandi","since":"2026-01-01"}')), { key: 'SAL001', userId: 'u-7' });
  });

  it('reads a tombstone as unassigned', () => {
    assert.deepEqual(parseAssignmentValue(key, null), { key: 'SAL001', userId: null });
  });

  it('reads back what the CLI writes', () => {
    assert.deepEqual(parseAssignmentValue(key, assignmentValue('user "x"')), { key: 'SAL001', userId: 'user "x"' });
  });

  it('refuses a record without a key, naming what the key should be', () => {
    rejects(null, '{"userId":"u"}', /no key \(a sales rep code/);
    rejects(Buffer.from('  '), '{"userId":"u"}', /no key/);
  });

  it('refuses values that are not a JSON object with a non-empty userId, naming the key', () => {
    rejects(key, 'u-7', /"SAL001" is not JSON/);
    rejects(key, '["u-7"]', /"SAL001" must be a JSON object/);
    rejects(key, 'null', /"SAL001" must be a JSON object/);
    rejects(key, '{"user":"u-7"}', /"SAL001" needs "userId" as a non-empty string .* got nothing/);
    rejects(key, '{"userId":7}', /got 7/);
    rejects(key, '{"userId":"  "}', /got "  "/);
  });
});
