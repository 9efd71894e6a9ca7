/**
 * Issue 19: Kafka Connect's REST API behind basic auth (BasicAuthSecurityRestExtension answers
 * 401 without the right credentials). The stack's Connect has no auth, so a small proxy in front
 * of it demands it, as Connect would, and forwards to the real Connect. The tracker's config names
 * the password as ${env:...}: with it, the watch reads the connectors; with a wrong one, /readyz
 * says Connect refused the credentials.
 */
import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { adminBase, metricState, SHIPPED_CONNECTOR, waitReadyz } from '../../support/capture-watch.js';
import { testStack } from '../../support/test-stack.js';
import { TrackerTest, type TrackerProcess } from '../../support/tracker-harness.js';

const USER = 'erp-delta';
const PASSWORD = 'connect-secret';

/** Forwards to Connect what carries the credentials, and answers 401 as Connect's extension does otherwise. */
async function authenticatingProxy(target: URL): Promise<{ server: Server; url: string; seen: string[] }> {
  const seen: string[] = [];
  const expected = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
  const server = createServer((request, response) => {
    seen.push(request.headers.authorization ?? '(none)');
    if (request.headers.authorization !== expected) {
      response.writeHead(401, { 'www-authenticate': 'Basic realm="connect"', 'content-type': 'application/json' }).end('{"error_code":401,"message":"User cannot access the resource."}');
      return;
    }
    const upstream = httpRequest({ host: target.hostname, port: target.port, path: request.url, method: request.method, headers: { ...request.headers, host: target.host } }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    upstream.on('error', () => response.writeHead(502).end());
    request.pipe(upstream);
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

describe('capture health: Kafka Connect with basic auth', () => {
  let proxy: Awaited<ReturnType<typeof authenticatingProxy>>;
  const tests: TrackerTest[] = [];
  const trackers: TrackerProcess[] = [];

  before(async () => {
    proxy = await authenticatingProxy(new URL(testStack().component('connect').endpoint()));
  });

  after(async () => {
    for (const tracker of trackers) await tracker.stop().catch(() => undefined);
    for (const test of tests) await test.cleanup();
    proxy?.server.closeAllConnections();
    await new Promise<void>((closed) => proxy?.server.close(() => closed()));
  });

  function start(password: string): TrackerProcess {
    const test = new TrackerTest('capture-auth', {
      capture: { pollIntervalMs: 1_000, connect: { url: proxy.url, user: USER, password: '${env:ERP_DELTA_TEST_CONNECT_PASSWORD}' }, database: { check: false } },
    });
    tests.push(test);
    const tracker = test.start('a', test.dataDir('a'), { ERP_DELTA_TEST_CONNECT_PASSWORD: password });
    trackers.push(tracker);
    return tracker;
  }

  it('reads the connectors with the credentials from the environment', async () => {
    const tracker = start(PASSWORD);
    const base = await adminBase(tracker);
    await waitReadyz(
      base,
      'the tracker to be ready',
      (state) => state.ready,
      120_000,
      () => tracker.tail(),
    );
    assert.equal(await metricState(base, SHIPPED_CONNECTOR), 'RUNNING');
    assert.ok(proxy.seen.includes(`Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`));
    assert.ok(!tracker.stderr.includes(PASSWORD), 'the password is never logged');
  });

  it('says Connect refused the credentials when the password is wrong', async () => {
    const tracker = start('not-the-password');
    const base = await adminBase(tracker);
    const answer = await waitReadyz(
      base,
      '/readyz to say Connect refused',
      (state) => state.reasons.some((reason) => reason.startsWith(`Kafka Connect at ${proxy.url} refuses erp-delta's credentials (HTTP 401 to GET /connectors/${SHIPPED_CONNECTOR}/status`)),
      60_000,
      () => tracker.tail(),
    );
    assert.equal(answer.status, 503);
    assert.equal(await metricState(base, SHIPPED_CONNECTOR), 'UNKNOWN');
  });
});
