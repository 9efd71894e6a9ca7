/**
 * Issue 21: the registry client with `registry.auth` and `registry.tls.ca`, against a small HTTPS
 * server that wants basic auth: the credentials are sent; a refusal or a certificate that cannot be
 * verified is one error naming the registry's URL, never a record that cannot be decoded.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { isErpDeltaError } from '../../../src/errors/erp-delta-error.js';
import { isRegistryUnreachable, registryClient } from '../../../src/registry/registry-client.js';
import { makeTestCertificates, pem, type TestCertificates } from '../../support/tls-certificates.js';

describe('registry client: basic auth and a CA', () => {
  let certificates: TestCertificates;
  let server: Server;
  let url: string;
  const seen: string[] = [];

  before(async () => {
    certificates = makeTestCertificates();
    const expected = `Basic ${Buffer.from('erp-delta:registry-secret').toString('base64')}`;
    server = createServer({ cert: pem(certificates.serverCert), key: pem(certificates.serverKey) }, (request, response) => {
      seen.push(request.headers.authorization ?? '(none)');
      const allowed = request.headers.authorization === expected;
      response.writeHead(allowed ? 200 : 401, { 'content-type': 'application/vnd.schemaregistry.v1+json' });
      response.end(JSON.stringify(allowed ? { id: 7, version: 1, subject: 'x-value', schema: '"string"' } : { error_code: 401, message: 'Unauthorized' }));
    });
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    url = `https://localhost:${(server.address() as AddressInfo).port}/apis/ccompat/v7`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
    rmSync(certificates.dir, { recursive: true, force: true });
  });

  it('sends the credentials over TLS with the configured CA', async () => {
    const client = registryClient({ url, requestTimeoutMs: 5_000, auth: { username: 'erp-delta', password: 'registry-secret' }, tls: { ca: certificates.caCert } });
    assert.equal(await client.getLatestSchemaId('x-value'), 7);
    assert.equal(seen.at(-1), `Basic ${Buffer.from('erp-delta:registry-secret').toString('base64')}`);
  });

  it('says the registry refused the credentials, naming its URL and the user', async () => {
    const client = registryClient({ url, requestTimeoutMs: 5_000, auth: { username: 'erp-delta', password: 'wrong' }, tls: { ca: certificates.caCert } });
    const error = await client.getLatestSchemaId('x-value').then(
      () => undefined,
      (failed: unknown) => failed,
    );
    assert.ok(isErpDeltaError(error, 'REGISTRY_AUTH_FAILED'), String(error));
    assert.equal(error.message, `The schema registry at ${url} refused the request (401 Unauthorized): the credentials of user "erp-delta" were not accepted.`);
    assert.equal(isRegistryUnreachable(error), false, 'not an outage to wait out');
    const without = await registryClient({ url, requestTimeoutMs: 5_000, tls: { ca: certificates.caCert } })
      .getLatestSchemaId('x-value')
      .then(
        () => undefined,
        (failed: unknown) => failed,
      );
    assert.ok(isErpDeltaError(without, 'REGISTRY_AUTH_FAILED'));
    assert.match(without.hint ?? '', /registry\.auth\.username and registry\.auth\.password/);
  });

  it("says the registry's certificate could not be verified without its CA, or with another", async () => {
    for (const tls of [undefined, { ca: certificates.otherCaCert }]) {
      const client = registryClient({ url, requestTimeoutMs: 5_000, auth: { username: 'erp-delta', password: 'registry-secret' }, ...(tls === undefined ? {} : { tls }) });
      const error = await client.getLatestSchemaId('x-value').then(
        () => undefined,
        (failed: unknown) => failed,
      );
      assert.ok(isErpDeltaError(error, 'REGISTRY_TLS_FAILED'), String(error));
      assert.match(error.message, new RegExp(`^The TLS connection to the schema registry at ${url.replace(/[.]/g, '\\.')} failed: its certificate could not be verified`));
      assert.match(error.hint ?? '', /registry\.tls\.ca/);
    }
  });
});
