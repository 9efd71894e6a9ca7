/**
 * Issue 21: the schema registry and Kafka Connect behind HTTPS with a CA of their own and basic
 * auth, as production runs them. The stack's registry and Connect speak plain HTTP without
 * credentials, so a small HTTPS proxy in front of each demands them (test/support/https-auth-proxy.ts).
 * A tracker registers its delta schemas through one and watches the connectors through the other,
 * with `registry.auth`, `registry.tls.ca`, `capture.connect.tls.ca` and the passwords from the
 * environment; `connectors apply --config` goes through the Connect one; a wrong registry password
 * stops the tracker with one error naming the registry's URL.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { registryClient } from '../../../src/registry/registry-client.js';
import { adminBase, waitReadyz } from '../../support/capture-watch.js';
import { runCli } from '../../support/cli.js';
import { httpsAuthProxy, type AuthProxy } from '../../support/https-auth-proxy.js';
import { STACK_DIR_FLAG, testStack } from '../../support/test-stack.js';
import { makeTestCertificates, type TestCertificates } from '../../support/tls-certificates.js';
import { TrackerTest, type TrackerProcess } from '../../support/tracker-harness.js';

const USER = 'erp-delta';
const PASSWORD = 'registry-secret';
const basic = (password: string): string => `Basic ${Buffer.from(`${USER}:${password}`).toString('base64')}`;

describe('registry and Connect credentials: HTTPS with a CA of their own and basic auth', () => {
  let certificates: TestCertificates;
  let registry: AuthProxy;
  let connect: AuthProxy;
  const tests: TrackerTest[] = [];
  const trackers: TrackerProcess[] = [];

  before(async () => {
    certificates = makeTestCertificates();
    // The registry's URL carries the compatibility API's path; the proxy forwards paths as they are.
    registry = await httpsAuthProxy(new URL(testStack().component('registry').endpoint()), certificates, { user: USER, password: PASSWORD });
    connect = await httpsAuthProxy(new URL(testStack().component('connect').endpoint()), certificates, { user: USER, password: PASSWORD });
  });

  after(async () => {
    for (const tracker of trackers) await tracker.kill();
    for (const test of tests) await test.cleanup();
    await registry?.close();
    await connect?.close();
    rmSync(certificates.dir, { recursive: true, force: true });
  });

  const registryUrl = (): string => `${registry.url}${new URL(testStack().component('registry').endpoint()).pathname}`;

  function trackerTest(): TrackerTest {
    const test = new TrackerTest('registry-auth', {
      registry: { url: registryUrl(), auth: { username: USER, password: '${env:ERP_DELTA_TEST_REGISTRY_PASSWORD}' }, tls: { ca: certificates.caCert } },
      capture: { pollIntervalMs: 1_000, connect: { url: connect.url, user: USER, password: '${env:ERP_DELTA_TEST_REGISTRY_PASSWORD}', tls: { ca: certificates.caCert } }, database: { check: false } },
    });
    tests.push(test);
    return test;
  }

  it('a tracker registers its delta schemas through the registry, and watches the connectors through Connect', async () => {
    const test = trackerTest();
    const tracker = test.start('a', test.dataDir('a'), { ERP_DELTA_TEST_REGISTRY_PASSWORD: PASSWORD });
    trackers.push(tracker);
    const base = await adminBase(tracker);
    await waitReadyz(
      base,
      'the tracker to be ready: schemas registered, the capture watched',
      (state) => state.ready,
      120_000,
      () => tracker.tail(),
    );
    assert.ok(registry.seen.includes(basic(PASSWORD)), 'the registry was asked with the credentials');
    assert.ok(!registry.seen.includes('(none)'), 'never without them');
    assert.ok(connect.seen.includes(basic(PASSWORD)), 'Connect was asked with the credentials');
    const plain = registryClient({ url: testStack().component('registry').endpoint(), requestTimeoutMs: 10_000 });
    assert.ok(await plain.getLatestSchemaId(`${test.deltaTopics.products}-value`), 'the delta schema is registered');
    assert.ok(!tracker.stderr.includes(PASSWORD), 'the password is never logged');
  });

  it('connectors apply --config reaches Connect with its CA and credentials', async () => {
    const test = trackerTest();
    const result = await runCli(['connectors', 'apply', '--config', test.configPath, ...STACK_DIR_FLAG], { env: { ERP_DELTA_TEST_REGISTRY_PASSWORD: PASSWORD }, timeoutMs: 120_000 });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /erp-postgres: \w+, RUNNING/);
    assert.ok(connect.seen.filter((header) => header === basic(PASSWORD)).length > 1);
  });

  it('a wrong registry password stops the tracker with one error naming the registry', async () => {
    const test = trackerTest();
    const tracker = test.start('a', test.dataDir('a'), { ERP_DELTA_TEST_REGISTRY_PASSWORD: 'not-the-password' });
    trackers.push(tracker);
    const exit = await tracker.exited;
    assert.equal(exit.code, 1, tracker.tail());
    const line = tracker.stderr.split('\n').find((text) => text.startsWith('erp-delta: '));
    assert.equal(line, `erp-delta: The schema registry at ${registryUrl()} refused the request (401 Unauthorized): the credentials of user "${USER}" were not accepted.`, tracker.tail());
    assert.ok(!tracker.stderr.includes('not-the-password'), 'the password is never logged');
  });
});
