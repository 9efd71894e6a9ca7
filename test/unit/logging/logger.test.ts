import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger, REDACTED } from '../../../src/logging/logger.js';

/** A logger at info writing its lines into an array. */
function capture() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(
        ...chunk
          .toString()
          .split('\n')
          .filter((line) => line !== ''),
      );
      done();
    },
  });
  return { logger: createLogger('test', 'info', sink), lines: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe('logger: a secret never appears in a log line', () => {
  it("writes a password, a token, header values and SASL's password as [redacted], wherever the config sits in the object", () => {
    const { logger, lines } = capture();
    const config = {
      kafka: { brokers: ['kafka-1:9093'], sasl: { mechanism: 'scram-sha-512', username: 'svc', password: 'kafka-secret-1' }, ssl: { key: 'PEM-KEY-2' } },
      registry: { url: 'https://r:8081', auth: { username: 'svc', password: 'registry-secret-3' } },
      delivery: { headers: { Authorization: 'Bearer tok-4', 'X-Tenant': 'tenant-5' }, tls: { key: 'PEM-KEY-6' } },
      capture: { connect: { user: 'u', password: 'connect-secret-7' }, database: { password: 'db-secret-8' } },
    };
    logger.info({ config }, 'the whole config');
    logger.info(config, 'the config as the object');
    logger.info({ kafka: config.kafka, sasl: config.kafka.sasl, headers: config.delivery.headers }, 'sections');
    logger.info({ password: 'top-9', user: { token: 'nested-10', name: 'kept' }, authorization: 'Basic 11' }, 'names');
    const text = JSON.stringify(lines());
    for (const secret of ['kafka-secret-1', 'PEM-KEY-2', 'registry-secret-3', 'tok-4', 'tenant-5', 'PEM-KEY-6', 'connect-secret-7', 'db-secret-8', 'top-9', 'nested-10', 'Basic 11']) {
      assert.ok(!text.includes(secret), `${secret} is not logged: ${text}`);
    }
    // biome-ignore lint/suspicious/noExplicitAny: reaching into logged JSON
    const [whole, , sections, names] = lines() as Array<Record<string, any>>;
    assert.equal(whole?.['config'].kafka.sasl.password, REDACTED);
    assert.equal(whole?.['config'].kafka.sasl.username, 'svc', 'what is not secret stays');
    assert.deepEqual(whole?.['config'].kafka.brokers, ['kafka-1:9093']);
    assert.equal(sections?.['sasl'].password, REDACTED);
    assert.deepEqual(sections?.['headers'], { Authorization: REDACTED, 'X-Tenant': REDACTED });
    assert.equal(names?.['user'].name, 'kept');
    assert.equal(names?.['password'], REDACTED);
  });
});
