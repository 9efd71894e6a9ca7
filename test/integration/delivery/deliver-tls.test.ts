/**
 * Issue 20, part 3: HTTPS to the target with a custom CA (`delivery.tls.ca`) and a client
 * certificate (`delivery.tls.cert`, `.key`), against `erp-delta target` serving HTTPS with
 * certificates made at test time by openssl. Without the CA that signed the target's certificate
 * the loader refuses to start, saying it is TLS and what to set; with it, it delivers.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { Agent } from 'undici';
import { loaderConfig, productScenario, startLoader, startTarget, type RunningTarget } from '../../support/delivery-scenario.js';
import { makeTestCertificates, pem, type TestCertificates } from '../../support/tls-certificates.js';
import { waitUntil } from '../../support/tracker-harness.js';

describe('deliver over HTTPS', () => {
  let certificates: TestCertificates;
  before(() => {
    certificates = makeTestCertificates();
  });

  async function everyRowDelivered(target: RunningTarget, rows: readonly string[], stderr: () => string): Promise<void> {
    await waitUntil(
      'every product at the target',
      async () => {
        const now = await target.state();
        return rows.every((code) => now.received.some((entry) => entry.delta.key === code));
      },
      60_000,
      () => stderr().slice(-3_000),
    );
  }

  it('trusts the target only through delivery.tls.ca: without it, or with another CA, it refuses to start and says why', async (t) => {
    const { rows, test, tracker } = await productScenario(t, { name: 'deliver-tls', codePrefix: 'TL', rowCount: 6 });
    await tracker.stop();
    const target = await startTarget(t, ['--tls-cert', certificates.serverCert, '--tls-key', certificates.serverKey], new Agent({ connect: { ca: pem(certificates.caCert) } }));
    assert.match(target.url, /^https:\/\/localhost:\d+$/);

    const untrusted = startLoader(t, target.url, loaderConfig(test, {}, 'no-ca.yaml'));
    assert.equal(await untrusted.exit(), 1, untrusted.stderr());
    assert.match(
      untrusted.stderr(),
      /The target https:\/\/localhost:\d+ refused a TLS connection or was not trusted: .*(self-signed certificate in certificate chain|unable to verify the first certificate|unable to get local issuer certificate)/,
    );
    assert.match(untrusted.stderr(), /Set delivery\.tls\.ca to the PEM file of the CA that signed the target's certificate/);

    const wrongCa = startLoader(t, target.url, loaderConfig(test, { tls: { ca: certificates.otherCaCert } }, 'other-ca.yaml'));
    assert.equal(await wrongCa.exit(), 1, wrongCa.stderr());
    assert.match(wrongCa.stderr(), /refused a TLS connection or was not trusted/);
    assert.match(wrongCa.stderr(), /Check delivery\.tls\.ca/);

    const plainHttp = startLoader(t, target.url.replace('https:', 'http:'), loaderConfig(test, { tls: { ca: certificates.caCert } }, 'http.yaml'));
    assert.equal(await plainHttp.exit(), 2, 'delivery.tls with an http:// target is a mistake in the options');
    assert.match(plainHttp.stderr(), /delivery\.tls is set, but the target http:\/\/localhost:\d+ is not https:\/\//);

    assert.equal((await target.state()).requests, 0, 'nothing was sent');
    const trusted = startLoader(t, target.url, loaderConfig(test, { tls: { ca: certificates.caCert } }, 'ca.yaml'));
    await everyRowDelivered(target, rows, trusted.stderr);
    assert.equal(await trusted.stop(), 0);
  });

  it('sends the client certificate a target requires; without one it refuses to start and says it is TLS', async (t) => {
    const { rows, test, tracker } = await productScenario(t, { name: 'deliver-mtls', codePrefix: 'MT', rowCount: 6 });
    await tracker.stop();
    const target = await startTarget(
      t,
      ['--tls-cert', certificates.serverCert, '--tls-key', certificates.serverKey, '--tls-client-ca', certificates.caCert],
      new Agent({ connect: { ca: pem(certificates.caCert), cert: pem(certificates.clientCert), key: pem(certificates.clientKey) } }),
    );

    const withoutCertificate = startLoader(t, target.url, loaderConfig(test, { tls: { ca: certificates.caCert } }, 'no-cert.yaml'));
    assert.equal(await withoutCertificate.exit(), 1, withoutCertificate.stderr());
    assert.match(withoutCertificate.stderr(), /refused a TLS connection or was not trusted: .*certificate required/i);

    // The key from the environment, as a secret is given in production; the certificate by path.
    const loader = startLoader(t, target.url, loaderConfig(test, { tls: { ca: certificates.caCert, cert: certificates.clientCert, key: '${env:ERP_DELTA_TEST_CLIENT_KEY}' } }, 'mtls.yaml'), {
      ERP_DELTA_TEST_CLIENT_KEY: pem(certificates.clientKey),
    });
    await everyRowDelivered(target, rows, loader.stderr);
    assert.ok(!loader.stderr().includes('PRIVATE KEY'), 'the key is not logged');
    assert.equal(await loader.stop(), 0);
  });
});
