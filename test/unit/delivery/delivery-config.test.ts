/**
 * The delivery section of the config (issue 20): the options are checked once at start-up, each
 * problem naming its key; the TLS files are read and checked as Node's TLS will use them.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseConfig } from '../../../src/config/tracker-config.js';
import { tlsMaterial, tlsProblem } from '../../../src/delivery/target-transport.js';
import { isErpDeltaError } from '../../../src/errors/erp-delta-error.js';
import { makeTestCertificates, pem, type TestCertificates } from '../../support/tls-certificates.js';

const ORIGIN = 'erp-delta.yaml';

function config(delivery: Record<string, unknown>, refresh: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    kafka: { brokers: ['localhost:9092'] },
    registry: { url: 'http://localhost:8081' },
    refresh,
    delivery,
    entities: {
      customers: { topic: 'erp.public.customers', keyFields: ['code'], fields: { code: { column: 'code', normalizer: 'text' } } },
      stock_levels: {
        topic: 'erp.public.stock_levels',
        keyFields: ['productCode', 'warehouseCode'],
        fields: { productCode: { column: 'product_code', normalizer: 'text' }, warehouseCode: { column: 'warehouse_code', normalizer: 'text' } },
      },
    },
  };
}

function assertRejects(input: unknown, path: string, detail: RegExp): void {
  assert.throws(
    () => parseConfig(input, ORIGIN),
    (error) => {
      assert.ok(isErpDeltaError(error, 'INVALID_CONFIG'), String(error));
      assert.ok(error.message.includes(`"${path}"`), `names "${path}": ${error.message}`);
      assert.match(error.message, detail);
      return true;
    },
  );
}

describe('delivery config', () => {
  it('takes the rate, the body size, TLS and per-key deletes; none of them by default', () => {
    const plain = parseConfig(config({}), ORIGIN).delivery;
    assert.equal(plain.maxRequestsPerSecond, undefined);
    assert.equal(plain.maxBodyBytes, undefined);
    assert.equal(plain.tls, undefined);
    assert.deepEqual(plain.deletes, {});
    const full = parseConfig(
      config({
        maxRequestsPerSecond: 0.5,
        maxBodyBytes: 1_048_576,
        tls: { ca: '/etc/ca.pem', cert: '/etc/c.pem', key: '${env:KEY}' },
        deletes: { customers: { path: '/customers/{key}' }, stock_levels: { method: 'DELETE', path: '/stock/{productCode}/{warehouseCode}' } },
      }),
      ORIGIN,
    ).delivery;
    assert.equal(full.maxRequestsPerSecond, 0.5);
    assert.deepEqual(full.deletes['customers'], { method: 'DELETE', path: '/customers/{key}' });
  });

  it('names the key of a bad value', () => {
    assertRejects(config({ maxRequestsPerSecond: 0 }), 'delivery.maxRequestsPerSecond', /too small|> ?0/);
    assertRejects(config({ maxBodyBytes: 100 }), 'delivery.maxBodyBytes', /at least 1024/);
    assertRejects(config({ tls: { cert: '/c.pem' } }), 'delivery.tls', /needs both cert and key/);
    assertRejects(config({ tls: { ca: '/ca.pem', pem: 'x' } }), 'delivery.tls.pem', /not a known key/);
    assertRejects(config({ deletes: { customers: { method: 'PATCH', path: '/c/{key}' } } }), 'delivery.deletes.customers.method', /DELETE/);
    assertRejects(config({ deletes: { customers: { path: '/customers' } } }), 'delivery.deletes.customers.path', /placeholder such as \{key\}/);
  });

  it("checks a delete path against the entity's key fields at start-up", () => {
    assertRejects(config({ deletes: { products: { path: '/products/{key}' } } }), 'delivery.deletes.products', /"products" is not an entity \(customers, stock_levels\)/);
    assertRejects(
      config({ deletes: { stock_levels: { path: '/stock/{productCode}/{warehouse}' } } }),
      'delivery.deletes.stock_levels.path',
      /\{warehouse\} is neither \{key\} nor a key field of "stock_levels" \(productCode, warehouseCode\)/,
    );
  });

  it("the refresh watches the loader's own group: refresh.loaderGroupId follows delivery.groupId unless set", () => {
    assert.equal(parseConfig(config({}), ORIGIN).refresh.loaderGroupId, 'erp-delta-loader');
    assert.equal(parseConfig(config({ groupId: 'crm-loader' }), ORIGIN).refresh.loaderGroupId, 'crm-loader');
    assert.equal(parseConfig(config({ groupId: 'crm-loader' }, { loaderGroupId: 'another-consumer' }), ORIGIN).refresh.loaderGroupId, 'another-consumer');
  });
});

describe('delivery.tls files', () => {
  let certificates: TestCertificates;
  before(() => {
    certificates = makeTestCertificates();
  });
  after(() => {
    delete process.env['ERP_DELTA_TEST_CLIENT_KEY'];
  });

  it('reads PEM files by path, or the PEM text of a reference', () => {
    process.env['ERP_DELTA_TEST_CLIENT_KEY'] = pem(certificates.clientKey);
    const material = tlsMaterial({ ca: certificates.caCert, cert: `\${file:${certificates.clientCert}}`, key: '${env:ERP_DELTA_TEST_CLIENT_KEY}' });
    assert.equal(material.ca, pem(certificates.caCert));
    assert.equal(material.cert, pem(certificates.clientCert).replace(/\n$/, ''));
    assert.equal(material.key, pem(certificates.clientKey));
  });

  it("stops start-up naming the key: a file that is not there, a CA without a certificate, a key that is not the certificate's", () => {
    const refused = (tls: Parameters<typeof tlsMaterial>[0], message: RegExp): void => {
      assert.throws(
        () => tlsMaterial(tls),
        (error) => isErpDeltaError(error, 'INVALID_CONFIG') && message.test(error.message),
      );
    };
    refused({ ca: join(certificates.dir, 'missing.pem') }, /delivery\.tls\.ca names the file .*missing\.pem, which cannot be read: ENOENT/);
    const notPem = join(certificates.dir, 'not.pem');
    writeFileSync(notPem, 'hello\n');
    refused({ ca: notPem }, /delivery\.tls\.ca holds no PEM certificate/);
    refused({ cert: certificates.clientCert, key: certificates.serverKey }, /delivery\.tls \(cert, key\) cannot be used: .*key values mismatch/);
  });

  it('tells a TLS failure from an outage', () => {
    const untrusted = Object.assign(new Error('self-signed certificate in certificate chain'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' });
    assert.match(tlsProblem(new TypeError('fetch failed', { cause: untrusted })) ?? '', /self-signed certificate in certificate chain \(SELF_SIGNED_CERT_IN_CHAIN\)/);
    const alert = Object.assign(new Error('tlsv13 alert certificate required'), { code: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED' });
    assert.ok(tlsProblem(new TypeError('fetch failed', { cause: alert })));
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    assert.equal(tlsProblem(new TypeError('fetch failed', { cause: refused })), undefined);
  });
});
