import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isErpDeltaError } from '../../../src/errors/erp-delta-error.js';
import { booleanNormalizer } from '../../../src/normalize/boolean.js';

describe('boolean normalizer', () => {
  const flag = booleanNormalizer('active', { normalizer: 'boolean' });

  it('reads every spelling of true', () => {
    for (const raw of [true, 1, 'true', 'TRUE', 't', 'T', 'Y', 'y', 'yes', '1', ' Y ']) assert.equal(flag(raw), true, `for ${String(raw)}`);
  });

  it('reads every spelling of false', () => {
    for (const raw of [false, 0, 'false', 'False', 'f', 'F', 'N', 'n', 'no', '0']) assert.equal(flag(raw), false, `for ${String(raw)}`);
  });

  it('makes null and blank null', () => {
    assert.equal(flag(null), null);
    assert.equal(flag(''), null);
  });

  it('refuses anything else, naming field and value', () => {
    for (const raw of ['maybe', 2, 'J']) {
      assert.throws(() => flag(raw), (error) => isErpDeltaError(error, 'NORMALIZE_FAILED') && error.message.includes('"active"') && error.message.includes(JSON.stringify(raw)));
    }
  });
});
