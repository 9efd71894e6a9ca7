import { request as httpRequest } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { pem, type TestCertificates } from './tls-certificates.js';

export interface AuthProxy {
  server: Server;
  /** https://localhost:<port>: the name the test certificate holds. */
  url: string;
  /** Every Authorization header the proxy was sent ('(none)' without one). */
  seen: string[];
  close(): Promise<void>;
}

/**
 * An HTTPS server with the test CA's certificate that demands basic auth, as a registry or a
 * Kafka Connect behind TLS and credentials does, and forwards what carries the right credentials
 * to a plain-HTTP service of the test stack. Without them: 401, as those servers answer.
 */
export async function httpsAuthProxy(target: URL, certificates: TestCertificates, credentials: { user: string; password: string }): Promise<AuthProxy> {
  const seen: string[] = [];
  const expected = `Basic ${Buffer.from(`${credentials.user}:${credentials.password}`).toString('base64')}`;
  const server = createServer({ cert: pem(certificates.serverCert), key: pem(certificates.serverKey) }, (request, response) => {
    seen.push(request.headers.authorization ?? '(none)');
    if (request.headers.authorization !== expected) {
      response.writeHead(401, { 'www-authenticate': 'Basic realm="erp-delta-test"', 'content-type': 'application/json' }).end('{"error_code":401,"message":"Unauthorized"}');
      return;
    }
    const { authorization: _authorization, ...headers } = request.headers;
    const upstream = httpRequest({ host: target.hostname, port: target.port, path: request.url, method: request.method, headers: { ...headers, host: target.host } }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    upstream.on('error', () => response.writeHead(502).end());
    request.pipe(upstream);
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  return {
    server,
    url: `https://localhost:${(server.address() as AddressInfo).port}`,
    seen,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((closed) => server.close(() => closed()));
    },
  };
}
