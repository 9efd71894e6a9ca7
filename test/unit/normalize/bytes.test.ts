import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isErpDeltaError } from '../../../src/errors/erp-delta-error.js';
import { bytesNormalizer, type BytesSpec } from '../../../src/normalize/bytes.js';

function bytes(encoding: BytesSpec['encoding'] = 'base64'): (raw: unknown) => unknown {
  return bytesNormalizer('signature', { normalizer: 'bytes', encoding });
}

describe('bytes normalizer', () => {
  it('reads bytea in every binary.handling.mode as the same lowercase hex', () => {
    // The PostgreSQL connector's test: E'\\001\\002\\003'::bytea. binary.handling.mode "bytes" (the default:
    // JsonConverter writes BYTES as base64) and "base64" give "AQID", "hex" gives "010203".
    assert.equal(bytes()('AQID'), '010203');
    assert.equal(bytes('hex')('010203'), '010203');
    assert.equal(bytes('hex')('0A0b'), '0a0b');
    assert.equal(bytes('base64-url-safe')('AQID'), '010203');
  });

  it('tells the base64 alphabets apart', () => {
    assert.equal(bytes()('+/8='), 'fbff');
    assert.equal(bytes('base64-url-safe')('-_8='), 'fbff');
    assert.equal(bytes('base64-url-safe')('-_8'), 'fbff');
  });

  it('reads bit(n > 1) as the bytes Debezium sends (io.debezium.data.Bits, little-endian)', () => {
    // The PostgreSQL connector's test: '11'::bit(2) is the bytes {3}; '000000110000001000000001'::bit(24) is {1, 2, 3}.
    assert.equal(bytes()('Aw=='), '03');
    assert.equal(bytes()('AQID'), '010203');
  });

  it('reads bytes as the Avro decoder hands them over, whatever the encoding', () => {
    assert.equal(bytes('hex')({ type: 'Buffer', data: [1, 2, 255] }), '0102ff');
  });

  it('keeps an empty value apart from null', () => {
    assert.equal(bytes()(''), '');
    assert.equal(bytes()(null), null);
  });

  it('refuses what is not binary data in its encoding, naming field and value', () => {
    for (const [encoding, raw] of [
      ['base64', 'AQI'],
      ['base64', 'A?=='],
      ['base64', ' AQID'],
      ['base64', '-_8='],
      ['hex', 'abc'],
      ['hex', 'zz'],
      ['base64', 42],
      ['base64', { type: 'Buffer', data: [256] }],
    ] as const) {
      assert.throws(
        () => bytes(encoding)(raw),
        (error) => isErpDeltaError(error, 'NORMALIZE_FAILED') && error.message.includes('"signature"') && error.message.endsWith(`is not binary data in ${encoding}.`),
        `for ${JSON.stringify(raw)}`,
      );
    }
  });
});
