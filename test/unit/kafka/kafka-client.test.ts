/**
 * Issue 21: the one Kafka client factory reads the config's TLS and SASL (PEM text or path,
 * secrets as references) and says clearly why a connection failed over credentials or a certificate.
 */
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import kafkajs from 'kafkajs';
import { isErpDeltaError } from '../../../src/errors/erp-delta-error.js';
import { groupTimings, kafkaConnectFailure, kafkaSecurity, type KafkaConnection } from '../../../src/kafka/kafka-client.js';
import { makeTestCertificates, pem, type TestCertificates } from '../../support/tls-certificates.js';

// kafkajs is CommonJS: its error classes are reachable through the default export only; its types
// declare these constructors without the arguments its code takes.
const SaslError = kafkajs.KafkaJSSASLAuthenticationError as unknown as new (message: string) => Error;
const ConnectionError = kafkajs.KafkaJSConnectionError as unknown as new (message: string, details: { broker: string; code: string }) => Error;
const RetriesExceeded = kafkajs.KafkaJSNumberOfRetriesExceeded as unknown as new (error: Error, details: { retryCount: number; retryTime: number }) => Error;

const BROKER = 'kafka-1.example:9093';

describe('groupTimings', () => {
  it("heartbeats every third of the session timeout, at most every 3 s (kafkajs's default)", () => {
    assert.deepEqual(groupTimings(undefined), {}, "kafkajs's defaults when the config says nothing");
    assert.deepEqual(groupTimings(30_000), { sessionTimeout: 30_000, heartbeatInterval: 3_000 });
    assert.deepEqual(groupTimings(6_000), { sessionTimeout: 6_000, heartbeatInterval: 2_000 });
    assert.deepEqual(groupTimings(1_000), { sessionTimeout: 1_000, heartbeatInterval: 333 });
    for (const sessionTimeoutMs of [1_000, 1_001, 6_000, 45_000, 1_800_000]) {
      const timings = groupTimings(sessionTimeoutMs);
      // kafkajs refuses an interval that is not below the session timeout.
      assert.ok((timings.heartbeatInterval ?? 0) * 3 <= sessionTimeoutMs, `${sessionTimeoutMs}: at least three heartbeats per session`);
    }
  });
});

describe('kafkaSecurity', () => {
  let certificates: TestCertificates;
  before(() => {
    certificates = makeTestCertificates();
  });
  after(() => {
    delete process.env['ERP_DELTA_UNIT_KAFKA_PASSWORD'];
    rmSync(certificates.dir, { recursive: true, force: true });
  });

  it('reads each PEM value as a path, or as the PEM text itself, and the password from a reference', () => {
    process.env['ERP_DELTA_UNIT_KAFKA_PASSWORD'] = 'kafka-secret';
    const security = kafkaSecurity({
      brokers: [BROKER],
      clientId: 'c',
      ssl: { ca: certificates.caCert, cert: pem(certificates.clientCert), key: certificates.clientKey, rejectUnauthorized: true },
      sasl: { mechanism: 'scram-sha-512', username: 'erp-delta', password: '${env:ERP_DELTA_UNIT_KAFKA_PASSWORD}' },
    });
    assert.deepEqual(security.ssl, { ca: pem(certificates.caCert), cert: pem(certificates.clientCert), key: pem(certificates.clientKey), rejectUnauthorized: true });
    assert.deepEqual(security.sasl, { mechanism: 'scram-sha-512', username: 'erp-delta', password: 'kafka-secret' });
  });

  it('stops start-up naming the key: a file that is not there, a CA without a certificate, a token file that is empty', () => {
    const refused = (connection: Partial<KafkaConnection>, message: RegExp): void => {
      assert.throws(
        () => kafkaSecurity({ brokers: [BROKER], clientId: 'c', ...connection }),
        (error) => isErpDeltaError(error, 'INVALID_CONFIG') && message.test(error.message),
      );
    };
    refused({ ssl: { ca: join(certificates.dir, 'missing.pem'), rejectUnauthorized: true } }, /^kafka\.ssl\.ca names the file .*missing\.pem, which cannot be read: ENOENT/);
    refused({ ssl: { ca: certificates.clientKey, rejectUnauthorized: true } }, /^kafka\.ssl\.ca holds no PEM certificate/);
    refused({ ssl: { cert: certificates.clientCert, key: certificates.serverKey, rejectUnauthorized: true } }, /^kafka\.ssl \(cert, key\) cannot be used: .*key values mismatch/);
    const empty = join(certificates.dir, 'empty.jwt');
    writeFileSync(empty, '\n');
    refused({ sasl: { mechanism: 'oauthbearer', tokenFile: empty } }, /^kafka\.sasl\.tokenFile names the file .*empty\.jwt, which is empty/);
  });
});

describe('kafkaConnectFailure', () => {
  const connection: KafkaConnection = {
    brokers: [BROKER],
    clientId: 'c',
    ssl: { ca: '/etc/ca.pem', rejectUnauthorized: true },
    sasl: { mechanism: 'scram-sha-512', username: 'erp-delta', password: 'wrong' },
  };

  it('names the brokers, the mechanism and the user when the credentials are refused', () => {
    const error = kafkaConnectFailure(
      new SaslError('SASL SCRAM SHA512 authentication failed: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512'),
      connection,
    );
    assert.ok(isErpDeltaError(error, 'KAFKA_AUTH_FAILED'));
    assert.equal(error.retriable, false);
    assert.equal(
      error.message,
      `Kafka at ${BROKER} refused the SASL SCRAM-SHA-512 authentication of user "erp-delta": Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512.`,
    );
    assert.match(error.hint ?? '', /kafka\.sasl\.username and kafka\.sasl\.password/);
  });

  it("names the broker and says its certificate could not be verified, through kafkajs's retries", () => {
    const tls = Object.assign(new Error('unable to verify the first certificate'), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    const failed = new ConnectionError('Connection error: unable to verify the first certificate', { broker: 'kafka-2.example:9093', code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    Object.assign(failed, { cause: tls });
    const error = kafkaConnectFailure(new RetriesExceeded(failed, { retryCount: 5, retryTime: 1000 }), connection);
    assert.ok(isErpDeltaError(error, 'KAFKA_TLS_FAILED'));
    assert.match(error.message, /^The TLS connection to Kafka at kafka-2\.example:9093 failed: the broker's certificate could not be verified \(/);
    assert.match(error.hint ?? '', /kafka\.ssl\.ca/);
  });

  it('leaves a broker that is down to its caller', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9093'), { code: 'ECONNREFUSED' });
    assert.equal(kafkaConnectFailure(new ConnectionError('Connection error: connect ECONNREFUSED', { broker: BROKER, code: 'ECONNREFUSED' }), connection), undefined);
    assert.equal(kafkaConnectFailure(refused, connection), undefined);
  });
});
