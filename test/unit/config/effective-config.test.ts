import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MASKED, maskedConfig } from '../../../src/config/effective-config.js';
import { parseConfig } from '../../../src/config/tracker-config.js';

const PRIVATE_KEY = '-----BEGIN PRIVATE KEY-----\nMIIEv...\n-----END PRIVATE KEY-----\n';

function config() {
  return parseConfig(
    {
      kafka: { brokers: ['localhost:9092'] },
      registry: { url: 'https://registry-user:registry-secret@registry.example.com:8081/apis/ccompat/v7' },
      delivery: {
        target: 'https://import.example.com/api',
        headers: { Authorization: 'Bearer abc.def.ghi', 'X-Api-Key': 'k-123', 'X-Token': '${env:TARGET_TOKEN}', 'X-Tenant': 'acme' },
        tls: { ca: '/etc/erp-delta/ca.pem', cert: '/etc/erp-delta/client.pem', key: PRIVATE_KEY },
      },
      entities: { customers: { topic: 'erp.public.customers', keyFields: ['code'], fields: { code: { column: 'code', normalizer: 'text' } } } },
    },
    'test.yaml',
  );
}

describe('maskedConfig (erp-delta config print)', () => {
  it("masks every header value, a URL's password and an inline private key; shows where a secret comes from", () => {
    const masked = maskedConfig(config()) as ReturnType<typeof config>;
    assert.deepEqual(masked.delivery.headers, { Authorization: MASKED, 'X-Api-Key': MASKED, 'X-Token': '${env:TARGET_TOKEN}', 'X-Tenant': MASKED });
    assert.equal(masked.registry.url, `https://registry-user:${MASKED}@registry.example.com:8081/apis/ccompat/v7`);
    assert.deepEqual(masked.delivery.tls, { ca: '/etc/erp-delta/ca.pem', cert: '/etc/erp-delta/client.pem', key: MASKED });
    const text = JSON.stringify(masked);
    for (const secret of ['abc.def.ghi', 'k-123', 'acme', 'registry-secret', 'MIIEv']) assert.ok(!text.includes(secret), `${secret} is not printed`);
  });

  it('masks any value under a key that names a secret, wherever it sits, and leaves the rest as it is', () => {
    const input = { ...config(), kafka: { brokers: ['b:9092'], clientId: 'erp-delta', groupId: 'g', sasl: { mechanism: 'plain', username: 'svc', password: 'hunter2' } } };
    const masked = maskedConfig(input as unknown as ReturnType<typeof config>) as {
      kafka: { sasl: Record<string, string>; brokers: string[] };
      delivery: { batchSize: number; target: string };
      entities: unknown;
    };
    assert.deepEqual(masked.kafka.sasl, { mechanism: 'plain', username: 'svc', password: MASKED });
    assert.deepEqual(masked.kafka.brokers, ['b:9092']);
    assert.equal(masked.delivery.batchSize, 500, 'defaults shown');
    assert.equal(masked.delivery.target, 'https://import.example.com/api');
    const { name: _name, ...customers } = config().entities['customers'] as NonNullable<ReturnType<typeof config>['entities'][string]>;
    assert.deepEqual(masked.entities, { customers }, 'as they are, without the name, which is their key');
  });

  it("shows a value read from a reference as the reference, whatever its key, and masks SASL's secrets", () => {
    const input = {
      ...config(),
      kafka: { brokers: ['kafka-1:9093'], clientId: 'erp-delta', groupId: 'g', sasl: { mechanism: 'scram-sha-512', username: 'svc', password: 'resolved-secret', oauthToken: 'x' } },
      admin: { host: '0.0.0.0', port: 9465 },
    };
    const references = new Map([
      ['kafka.brokers.0', '${env:BROKER}'],
      ['kafka.sasl.password', '${file:/run/secrets/kafka}'],
      ['admin.port', '${env:PORT}'],
    ]);
    const masked = maskedConfig(input as unknown as ReturnType<typeof config>, references) as { kafka: { sasl: Record<string, string>; brokers: string[] }; admin: { port: unknown } };
    assert.deepEqual(masked.kafka.brokers, ['${env:BROKER}']);
    assert.deepEqual(masked.kafka.sasl, { mechanism: 'scram-sha-512', username: 'svc', password: '${file:/run/secrets/kafka}', oauthToken: MASKED });
    assert.equal(masked.admin.port, '${env:PORT}');
    assert.ok(!JSON.stringify(masked).includes('resolved-secret'));
  });
});
