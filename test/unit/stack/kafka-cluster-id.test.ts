import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newClusterId } from '../../../src/stack/components/kafka.js';

describe('Kafka cluster id', () => {
  it('is a base64url 16-byte UUID that the storage tool cannot take for an option', () => {
    // 1 in 64 random ids start with "-": 5,000 draws would show one about 78 times.
    for (let draw = 0; draw < 5_000; draw += 1) {
      const id = newClusterId();
      assert.match(id, /^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
      assert.equal(Buffer.from(id, 'base64url').length, 16);
    }
  });
});
