import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isErpDeltaError } from '../../../src/errors/erp-delta-error.js';
import { createNormalizer, NORMALIZER_NAMES, normalizerSpec } from '../../../src/normalize/normalizer.js';

describe('normalizers', () => {
  it('are the ten the config documents', () => {
    assert.deepEqual([...NORMALIZER_NAMES].sort(), ['boolean', 'bytes', 'date', 'decimal', 'integer', 'json', 'text', 'time', 'timestamp', 'uuid']);
  });

  it('build the new ones from a config spec, defaults applied', () => {
    assert.equal(createNormalizer('opensAt', normalizerSpec.parse({ normalizer: 'time', unit: 'micros' }))(49890000000), '13:51:30.000');
    assert.equal(createNormalizer('attributes', normalizerSpec.parse({ normalizer: 'json' }))('{"b": 1, "a": 2}'), '{"a":2,"b":1}');
    assert.equal(createNormalizer('customerId', normalizerSpec.parse({ normalizer: 'uuid' }))('6F9619FF-8B86-D011-B42D-00C04FC964FF'), '6f9619ff-8b86-d011-b42d-00c04fc964ff');
    assert.equal(createNormalizer('signature', normalizerSpec.parse({ normalizer: 'bytes' }))('AQID'), '010203');
    assert.equal(createNormalizer('validFrom', normalizerSpec.parse({ normalizer: 'timestamp', zone: 'Europe/Berlin' }))('2024-01-15T09:00:00Z'), '2024-01-15T08:00:00.000Z');
    assert.equal(createNormalizer('price', normalizerSpec.parse({ normalizer: 'decimal', scale: 2, encoding: 'base64' }))('bg=='), '1.10');
  });

  it('refuse an unknown time zone at the zone key', () => {
    const parsed = normalizerSpec.safeParse({ normalizer: 'timestamp', zone: 'Europe/Atlantis' });
    assert.equal(parsed.success, false);
    assert.deepEqual(
      parsed.error?.issues.map((issue) => [issue.path.join('.'), issue.message]),
      [['zone', 'is not an IANA time zone such as UTC or Africa/Johannesburg']],
    );
  });

  it('are built from a config spec, defaults applied', () => {
    const normalize = createNormalizer('city', normalizerSpec.parse({ normalizer: 'text' }));
    assert.equal(normalize('  '), null);
    assert.equal(createNormalizer('price', normalizerSpec.parse({ normalizer: 'decimal', scale: 1 }))('2'), '2.0');
  });

  it('report the field they were built for', () => {
    const normalize = createNormalizer('unitPrice', { normalizer: 'decimal', scale: 2 });
    assert.throws(
      () => normalize('twelve'),
      (error) => isErpDeltaError(error, 'NORMALIZE_FAILED') && error.message === 'Cannot normalize field "unitPrice": "twelve" is not a decimal number.',
    );
  });

  it('shorten a long value in the error', () => {
    const normalize = createNormalizer('price', { normalizer: 'decimal', scale: 2 });
    assert.throws(
      () => normalize('x'.repeat(5000)),
      (error) => isErpDeltaError(error) && error.message.length < 300 && error.message.includes('5002 chars'),
    );
  });
});
