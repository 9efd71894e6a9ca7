import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isErpDeltaError } from '../../../src/errors/erp-delta-error.js';
import { createNormalizer, NORMALIZER_NAMES, normalizerSpec } from '../../../src/normalize/normalizer.js';

describe('normalizers', () => {
  it('are the six the config documents', () => {
    assert.deepEqual([...NORMALIZER_NAMES].sort(), ['boolean', 'date', 'decimal', 'integer', 'text', 'timestamp']);
  });

  it('are built from a config spec, defaults applied', () => {
    const normalize = createNormalizer('city', normalizerSpec.parse({ normalizer: 'text' }));
    assert.equal(normalize('  '), null);
    assert.equal(createNormalizer('price', normalizerSpec.parse({ normalizer: 'decimal', scale: 1 }))('2'), '2.0');
  });

  it('report the field they were built for', () => {
    const normalize = createNormalizer('unitPrice', { normalizer: 'decimal', scale: 2 });
    assert.throws(() => normalize('twelve'), (error) => isErpDeltaError(error, 'NORMALIZE_FAILED')
      && error.message === 'Cannot normalize field "unitPrice": "twelve" is not a decimal number.');
  });

  it('shorten a long value in the error', () => {
    const normalize = createNormalizer('price', { normalizer: 'decimal', scale: 2 });
    assert.throws(() => normalize('x'.repeat(5000)), (error) => isErpDeltaError(error) && error.message.length < 300 && error.message.includes('5002 chars'));
  });
});
