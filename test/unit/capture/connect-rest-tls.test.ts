/**
 * Issue 21: the Kafka Connect REST client with `capture.connect.tls.ca` and basic auth, against a
 * small HTTPS server: the CA makes Connect's certificate trusted; without it, one error says so.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ConnectRestClient } from '../../../src/capture/connect-rest.js';
import { isErpDeltaError } from '../../../src/errors/erp-delta-error.js';
import { makeTestCertificates, pem, type TestCertificates } from '../../support/tls-certificates.js';

describe('Connect REST client over HTTPS', () => {
  let certificates: TestCertificates;
  let server: Server;
  let url: string;
  const seen: string[] = [];

  before(async () => {
    certificates = makeTestCertificates();
    server = createServer({ cert: pem(certificates.serverCert), key: pem(certificates.serverKey) }, (request, response) => {
      seen.push(request.headers.authorization ?? '(none)');
      response.writeHead(200, { 'content-type': 'application/json' }).end('["erp-postgres"]');
    });
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    url = `https://localhost:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
    rmSync(certificates.dir, { recursive: true, force: true });
  });

  it("trusts Connect's certificate through the configured CA, and sends the credentials", async () => {
    const client = new ConnectRestClient(url, { auth: { user: 'erp-delta', password: 'connect-secret' }, tls: { ca: certificates.caCert }, timeoutMs: 5_000 });
    assert.deepEqual(await client.list(), ['erp-postgres']);
    assert.equal(seen.at(-1), `Basic ${Buffer.from('erp-delta:connect-secret').toString('base64')}`);
  });

  it("says Connect's certificate could not be verified without the CA, not retriable", async () => {
    const error = await new ConnectRestClient(url, { timeoutMs: 5_000 }).list().then(
      () => undefined,
      (failed: unknown) => failed,
    );
    assert.ok(isErpDeltaError(error, 'CONNECT_REQUEST_FAILED'), String(error));
    assert.equal(error.retriable, false);
    assert.match(error.message, new RegExp(`^The TLS connection to Kafka Connect at ${url.replace(/[.]/g, '\\.')} failed: its certificate could not be verified`));
    assert.match(error.hint ?? '', /capture\.connect\.tls\.ca/);
  });
});
