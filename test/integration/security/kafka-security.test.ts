/**
 * Issue 21: every way into a secured Kafka that erp-delta offers, against the secured test stack
 * (`stack up --secure`): SASL PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 over TLS, OAUTHBEARER with a
 * token file, mutual TLS; and what a user sees when the password or the CA is wrong: one error
 * naming the broker and what to check, at once rather than after kafkajs's retries.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isErpDeltaError } from '../../../src/errors/erp-delta-error.js';
import { kafkaClients, type KafkaConnection } from '../../../src/kafka/kafka-client.js';
import { secureKafkaSection, secureStackSecurity, type SecureWay } from '../../support/secure-test-stack.js';
import { makeTestCertificates, type TestCertificates } from '../../support/tls-certificates.js';

/**
 * Connects an admin and asks for the cluster, and starts a task's transactional producer (the
 * other client library, platformatic-producer.ts: its InitProducerId fences through the same
 * listener); the brokers the admin saw.
 */
async function describeCluster(connection: KafkaConnection): Promise<string[]> {
  const clients = kafkaClients(connection, undefined);
  const admin = clients.admin();
  await admin.connect();
  try {
    const producer = await clients.transactionalProducer(`erp-delta-test-security-${randomUUID()}`);
    await producer.disconnect();
    return (await admin.describeCluster()).brokers.map((broker) => `${broker.host}:${broker.port}`);
  } finally {
    await admin.disconnect();
  }
}

/** The error an admin's connect fails with, and how long it took. */
async function connectFailure(connection: KafkaConnection): Promise<{ error: unknown; ms: number }> {
  const started = Date.now();
  const admin = kafkaClients(connection, undefined).admin();
  try {
    await admin.connect();
  } catch (error) {
    return { error, ms: Date.now() - started };
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  throw new Error('connected, but it should not have');
}

/** An unsecured JWT (alg none), which the stack's broker takes for OAUTHBEARER. */
function unsecuredToken(subject: string, expiresInSeconds: number): string {
  const part = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${part({ alg: 'none' })}.${part({ sub: subject, iat: now - 60, exp: now + expiresInSeconds })}.`;
}

describe('Kafka security: every way in to a secured Kafka', () => {
  let certificates: TestCertificates;
  let dir: string;
  before(() => {
    certificates = makeTestCertificates();
    dir = mkdtempSync(join(tmpdir(), 'erp-delta-kafka-security-'));
  });
  after(() => {
    rmSync(certificates.dir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  for (const way of ['scram-sha-512', 'scram-sha-256', 'plain'] as const satisfies readonly SecureWay[]) {
    it(`connects with SASL ${way.toUpperCase()} over TLS, the CA and the password read from files`, async () => {
      assert.deepEqual(await describeCluster(secureKafkaSection(way)), [secureStackSecurity().listeners.saslSsl]);
    });
  }

  it('connects with mutual TLS: the client certificate is the identity', async () => {
    assert.deepEqual(await describeCluster(secureKafkaSection('mtls')), [secureStackSecurity().listeners.ssl]);
  });

  it('connects with OAUTHBEARER, reading the token file again at each authentication', async () => {
    const tokenFile = join(dir, 'token.jwt');
    const { sasl: _sasl, ...section } = secureKafkaSection('scram-sha-512');
    const connection: KafkaConnection = { ...section, sasl: { mechanism: 'oauthbearer', tokenFile } };
    // A token the broker refuses; the same client config, once the file holds a good one (as a
    // sidecar refreshing it would leave it), gets in.
    writeFileSync(tokenFile, 'not-a-jwt\n');
    const { error } = await connectFailure(connection);
    assert.ok(isErpDeltaError(error, 'KAFKA_AUTH_FAILED'), String(error));
    assert.match(error.message, /SASL OAUTHBEARER/);
    writeFileSync(tokenFile, unsecuredToken('erp-delta', 3600));
    assert.deepEqual(await describeCluster(connection), [secureStackSecurity().listeners.saslSsl]);
  });

  it('says in one error that the broker refused the password, naming the broker, the mechanism and the user', async () => {
    const section = secureKafkaSection('scram-sha-512');
    const { error, ms } = await connectFailure({ ...section, sasl: { mechanism: 'scram-sha-512', username: 'erp-delta', password: 'not-the-password' } });
    assert.ok(isErpDeltaError(error, 'KAFKA_AUTH_FAILED'), String(error));
    assert.equal(error.retriable, false);
    assert.ok(error.message.startsWith(`Kafka at ${section.brokers[0]} refused the SASL SCRAM-SHA-512 authentication of user "erp-delta"`), error.message);
    assert.match(error.hint ?? '', /kafka\.sasl\.password/);
    assert.ok(!error.message.includes('not-the-password'), 'the password is not in the message');
    assert.ok(ms < 5_000, `at once, not after retries (${ms} ms)`);
  });

  it("says in one error that the broker's certificate could not be verified when the CA is not the one that signed it", async () => {
    const section = secureKafkaSection('scram-sha-512');
    const { error, ms } = await connectFailure({ ...section, ssl: { ca: certificates.otherCaCert, rejectUnauthorized: true } });
    assert.ok(isErpDeltaError(error, 'KAFKA_TLS_FAILED'), String(error));
    assert.equal(error.retriable, false);
    assert.match(error.message, new RegExp(`^The TLS connection to Kafka at ${section.brokers[0]} failed: the broker's certificate could not be verified \\(unable to verify the first certificate`));
    assert.match(error.hint ?? '', /kafka\.ssl\.ca/);
    assert.ok(ms < 5_000, `at once, not after retries (${ms} ms)`);
  });

  it('says the broker ended the handshake when the mutual-TLS listener gets no client certificate', async () => {
    const { cert: _cert, key: _key, ...ssl } = secureKafkaSection('mtls').ssl;
    const { error } = await connectFailure({ ...secureKafkaSection('mtls'), ssl });
    assert.ok(isErpDeltaError(error, 'KAFKA_TLS_FAILED'), String(error));
    assert.match(error.message, /the broker ended the handshake/);
    assert.match(error.hint ?? '', /kafka\.ssl\.cert and kafka\.ssl\.key/);
  });
});
