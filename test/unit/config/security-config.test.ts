/**
 * Issue 21: `kafka.ssl`, `kafka.sasl`, `registry.auth`, `registry.tls` and
 * `capture.connect.tls`, as kafkajs names them, validated at start-up with messages that name the key.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isErpDeltaError } from '../../../src/errors/erp-delta-error.js';
import { parseConfig, type TrackerConfig } from '../../../src/config/tracker-config.js';

const ORIGIN = 'my-config.yaml';

function parse(sections: Record<string, unknown>): TrackerConfig {
  return parseConfig(
    {
      kafka: { brokers: ['kafka-1.example:9093'] },
      registry: { url: 'https://registry.example' },
      entities: { products: { topic: 'erp.public.products', keyFields: ['code'], fields: { code: { column: 'code', normalizer: 'text' } } } },
      ...sections,
    },
    ORIGIN,
  );
}

function refused(sections: Record<string, unknown>, message: string): void {
  assert.throws(
    () => parse(sections),
    (error) => (isErpDeltaError(error, 'INVALID_CONFIG') && error.message === `Invalid config in ${ORIGIN}: ${message}`) || assert.fail(`got: ${(error as Error).message}`),
  );
}

describe('kafka.ssl and kafka.sasl', () => {
  it("reads the issue's example: a CA and SCRAM-SHA-512, the secrets as references", () => {
    const { kafka } = parse({
      kafka: {
        brokers: ['kafka-1.example:9093'],
        ssl: { ca: '${file:/etc/erp-delta/ca.pem}' },
        sasl: { mechanism: 'scram-sha-512', username: 'erp-delta', password: '${env:ERP_DELTA_KAFKA_PASSWORD}' },
      },
    });
    assert.deepEqual(kafka.ssl, { ca: '${file:/etc/erp-delta/ca.pem}', rejectUnauthorized: true });
    assert.deepEqual(kafka.sasl, { mechanism: 'scram-sha-512', username: 'erp-delta', password: '${env:ERP_DELTA_KAFKA_PASSWORD}' });
  });

  it("takes `ssl: true` as TLS with Node's CAs, `false` as none, and the mechanism in Kafka's spelling too", () => {
    assert.deepEqual(parse({ kafka: { brokers: ['k:9093'], ssl: true } }).kafka.ssl, { rejectUnauthorized: true });
    assert.equal(parse({ kafka: { brokers: ['k:9093'], ssl: false } }).kafka.ssl, undefined);
    assert.equal(parse({ kafka: { brokers: ['k:9093'] } }).kafka.ssl, undefined);
    assert.equal(parse({ kafka: { brokers: ['k:9093'], sasl: { mechanism: 'SCRAM-SHA-256', username: 'u', password: 'p' } } }).kafka.sasl?.mechanism, 'scram-sha-256');
    assert.deepEqual(parse({ kafka: { brokers: ['k:9093'], sasl: { mechanism: 'OAUTHBEARER', tokenFile: '/run/secrets/token' } } }).kafka.sasl, {
      mechanism: 'oauthbearer',
      tokenFile: '/run/secrets/token',
    });
  });

  it('names the bad key: a mechanism it does not know, a cert without its key, a missing password, a key of another mechanism', () => {
    refused(
      { kafka: { brokers: ['k:9093'], sasl: { mechanism: 'gssapi', username: 'u', password: 'p' } } },
      '"kafka.sasl.mechanism" "gssapi" is unknown; known: plain, scram-sha-256, scram-sha-512, PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, oauthbearer, OAUTHBEARER',
    );
    refused({ kafka: { brokers: ['k:9093'], ssl: { cert: '/etc/client.pem' } } }, '"kafka.ssl" needs both cert and key (a client certificate and its private key), or neither');
    refused({ kafka: { brokers: ['k:9093'], sasl: { mechanism: 'plain', username: 'u' } } }, '"kafka.sasl.password" is required');
    refused({ kafka: { brokers: ['k:9093'], sasl: { mechanism: 'plain', username: 'u', password: 'p', tokenFile: '/t' } } }, '"kafka.sasl.tokenFile" is not a known key');
    refused({ kafka: { brokers: ['k:9093'], ssl: { ca: '/ca.pem', verify: false } } }, '"kafka.ssl.verify" is not a known key');
    refused({ kafka: { brokers: ['k:9093'], ssl: 'yes' } }, '"kafka.ssl" must be true, or an object of ca, cert, key (PEM text or a PEM file\'s path) and rejectUnauthorized (a boolean)');
  });
});

describe('registry.auth, registry.tls and capture.connect.tls', () => {
  it('reads basic auth and a CA', () => {
    const { registry } = parse({ registry: { url: 'https://registry.example', auth: { username: 'erp-delta', password: '${env:REGISTRY_PASSWORD}' }, tls: { ca: '/etc/ca.pem' } } });
    assert.deepEqual(registry.auth, { username: 'erp-delta', password: '${env:REGISTRY_PASSWORD}' });
    assert.deepEqual(registry.tls, { ca: '/etc/ca.pem' });
  });

  it('refuses a CA for a URL that is not https://, and auth without a password', () => {
    refused({ registry: { url: 'http://registry.example', tls: { ca: '/etc/ca.pem' } } }, '"registry.tls" is set, but registry.url (http://registry.example) is not https://');
    refused({ registry: { url: 'https://registry.example', auth: { username: 'u' } } }, '"registry.auth.password" is required');
    refused(
      { capture: { connect: { url: 'http://connect.example:8083', tls: { ca: '/etc/ca.pem' } } } },
      '"capture.connect.tls" is set, but capture.connect.url (http://connect.example:8083) is not https://',
    );
  });
});
