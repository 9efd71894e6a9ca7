import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isErpDeltaError } from '../../../src/errors/erp-delta-error.js';
import { uuidNormalizer } from '../../../src/normalize/uuid.js';

describe('uuid normalizer', () => {
  const uuid = uuidNormalizer('customerId', { normalizer: 'uuid' });

  it('keeps PostgreSQL uuid text (io.debezium.data.Uuid) as it is', () => {
    assert.equal(uuid('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'), 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
  });

  it('lowercases SQL Server uniqueidentifier text', () => {
    // The SQL Server connector's test: uniqueidentifier '6F9619FF-8B86-D011-B42D-00C04FC964FF' arrives as that STRING.
    assert.equal(uuid('6F9619FF-8B86-D011-B42D-00C04FC964FF'), '6f9619ff-8b86-d011-b42d-00c04fc964ff');
  });

  it('reads the spellings of UUIDs kept in CHAR columns as the same value', () => {
    for (const raw of ['{6F9619FF-8B86-D011-B42D-00C04FC964FF}', '6f9619ff8b86d011b42d00c04fc964ff', ' 6f9619ff-8b86-d011-b42d-00c04fc964ff ']) {
      assert.equal(uuid(raw), '6f9619ff-8b86-d011-b42d-00c04fc964ff', `for ${raw}`);
    }
  });

  it('makes null and blank null', () => {
    assert.equal(uuid(null), null);
    assert.equal(uuid(''), null);
  });

  it('refuses what is not a UUID, naming field and value', () => {
    for (const raw of [
      'not-a-uuid',
      '{6f9619ff-8b86-d011-b42d-00c04fc964ff',
      '6f9619ff8b86-d011-b42d-00c04fc964ff',
      '6f9619ff-8b86-d011-b42d-00c04fc964f',
      'g f9619ff-8b86-d011-b42d-00c04fc964ff',
      42,
    ]) {
      assert.throws(
        () => uuid(raw),
        (error) => isErpDeltaError(error, 'NORMALIZE_FAILED') && error.message === `Cannot normalize field "customerId": ${typeof raw === 'number' ? raw : JSON.stringify(raw)} is not a UUID.`,
        `for ${raw}`,
      );
    }
  });
});
