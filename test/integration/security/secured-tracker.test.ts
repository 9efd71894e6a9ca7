/**
 * Issue 21: erp-delta's commands through a secured Kafka, as a user configures them: the config's
 * kafka section names the secured stack's SASL_SSL listener, its CA by path, SCRAM-SHA-512 with
 * the password as `${file:...}`. The tracker (`run`) consumes a CDC topic and emits its deltas,
 * `refresh --wait` re-sends them, the loader (`deliver`) takes them to a target, and `dlq list`
 * and `refresh status` read their topics, all through it. A wrong password is one line naming the
 * broker and the mechanism; a CA that did not sign the broker's certificate is one line too.
 *
 * The registry is the plain test stack's: the secured stack is Kafka only.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import kafkajs from 'kafkajs';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { TargetServer, type ReceivedDelta } from '../../../src/delivery/target-server.js';
import { projectFiles } from '../../../src/project-files.js';
import { registryClient } from '../../../src/registry/registry-client.js';
import type { Delta } from '../../../src/model/delta.js';
import { runCli } from '../../support/cli.js';
import { changeKey, changeValue } from '../../support/debezium-json.js';
import { secureKafka, secureKafkaSection, secureStackSecurity } from '../../support/secure-test-stack.js';
import { testStack } from '../../support/test-stack.js';
import { makeTestCertificates, type TestCertificates } from '../../support/tls-certificates.js';
import { TrackerProcess, waitUntil } from '../../support/tracker-harness.js';

// kafkajs is CommonJS: its partitioners are reachable through the default export only.
const { Partitioners } = kafkajs;

const bin = join(import.meta.dirname, '..', '..', '..', 'bin', 'erp-delta.js');
const CODES = ['S-0001', 'S-0002', 'S-0003'];

describe('the tracker, the loader and the CLI through SCRAM-SHA-512 over TLS', () => {
  const id = `s${randomUUID().slice(0, 8)}`;
  const cdcTopic = `erp-delta-test.${id}.products`;
  const deltaTopic = `erp-delta.${id}.products`;
  const workDir = mkdtempSync(join(tmpdir(), `erp-delta-secured-${id}-`));
  const configPath = join(workDir, 'erp-delta.yaml');
  let certificates: TestCertificates;
  let tracker: TrackerProcess | undefined;

  /** The config a user would write for the secured stack; `kafka` changes one part of its kafka section. */
  function writeConfig(path: string, kafka: Record<string, unknown> = {}): string {
    const shipped = parseYaml(readFileSync(projectFiles.defaultConfig, 'utf8')) as { entities: Record<string, Record<string, unknown>> };
    const security = secureStackSecurity();
    const config = {
      kafka: {
        brokers: [security.listeners.saslSsl],
        clientId: `erp-delta-${id}`,
        groupId: `erp-delta-test-${id}`,
        ssl: { ca: security.caCert },
        sasl: { mechanism: 'scram-sha-512', username: security.username, password: `\${file:${security.passwordFile}}` },
        ...kafka,
      },
      registry: { url: testStack().component('registry').endpoint() },
      dlqTopic: `erp-delta.${id}.dlq`,
      sourceEpochTopic: `erp-delta.${id}.source-epochs`,
      dataDir: join(workDir, 'data'),
      refresh: { topic: `erp-delta.${id}.refreshes`, loaderGroupId: `erp-delta-test-${id}-loader`, schedule: null },
      admin: { port: 0 },
      delivery: { groupId: `erp-delta-test-${id}-loader` },
      entities: { products: { ...shipped.entities['products'], topic: cdcTopic, deltaTopic, filter: undefined } },
    };
    writeFileSync(path, stringifyYaml(config));
    return path;
  }

  /** Every delta of the test's delta topic, read through the secured listener. */
  async function readDeltas(expected: (deltas: Delta[]) => boolean): Promise<Delta[]> {
    const registry = registryClient({ url: testStack().component('registry').endpoint(), requestTimeoutMs: 10_000 });
    const consumer = secureKafka().consumer({ groupId: `erp-delta-test-${id}-reader-${randomUUID().slice(0, 6)}`, readUncommitted: false });
    const deltas: Delta[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [deltaTopic], fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          if (message.value !== null) deltas.push(JSON.parse(JSON.stringify(await registry.decode(message.value))) as Delta);
        },
      });
      return await waitUntil(
        `the deltas on ${deltaTopic}`,
        () => expected(deltas) && deltas,
        60_000,
        () => `${JSON.stringify(deltas)}\n${tracker?.tail() ?? ''}`,
      );
    } finally {
      await consumer.disconnect();
    }
  }

  before(async () => {
    certificates = makeTestCertificates();
    writeConfig(configPath);
    const admin = secureKafka().admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: cdcTopic, numPartitions: 3, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }], waitForLeaders: true });
    await admin.disconnect();
  });

  after(async () => {
    await tracker?.kill();
    const admin = secureKafka().admin();
    await admin.connect();
    const existing = new Set(await admin.listTopics());
    const topics = [cdcTopic, deltaTopic, `erp-delta.${id}.dlq`, `erp-delta.${id}.source-epochs`, `erp-delta.${id}.refreshes`].filter((topic) => existing.has(topic));
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.deleteGroups([`erp-delta-test-${id}`, `erp-delta-test-${id}-loader`]).catch(() => undefined);
    await admin.disconnect();
    rmSync(workDir, { recursive: true, force: true });
    rmSync(certificates.dir, { recursive: true, force: true });
  });

  it('run: the tracker consumes the CDC topic and emits its deltas', async () => {
    tracker = new TrackerProcess(`secured tracker ${id}`, ['--config', configPath, '--data-dir', join(workDir, 'data')]);
    await tracker.waitForLog('tasks ready', 90_000);
    const producer = secureKafka().producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({
      topic: cdcTopic,
      acks: -1,
      messages: CODES.map((code, index) => {
        const row = { code, description: `Secured product ${index}`, unit_price: `${index + 1}.50`, active: true };
        return { key: changeKey('products', { ...row }, false), value: changeValue({ table: 'products', op: 'c', after: { ...row, updated_at: '2026-12-01T10:00:00Z' }, withSchema: false }) };
      }),
    });
    await producer.disconnect();
    const deltas = await readDeltas((all) => all.length >= CODES.length);
    assert.deepEqual(
      deltas.map((delta) => `${delta.key} ${delta.op} ${delta.reason}`).sort(),
      CODES.map((code) => `${code} UPSERT CHANGE`),
    );
    assert.ok(!tracker.stderr.includes(readFileSync(secureStackSecurity().passwordFile, 'utf8').trim()), 'the password is never logged');
  });

  it('refresh --wait: the refresh is requested, run by the tracker and followed, all through the secured listener', async () => {
    const result = await runCli(['refresh', '--wait', '--config', configPath], { timeoutMs: 120_000 });
    assert.equal(result.code, 0, result.stderr);
    const deltas = await readDeltas((all) => all.filter((delta) => delta.reason === 'REFRESH').length >= CODES.length);
    assert.deepEqual(
      deltas
        .filter((delta) => delta.reason === 'REFRESH')
        .map((delta) => delta.key)
        .sort(),
      CODES,
    );
    const status = await runCli(['refresh', 'status', '--json', '--config', configPath]);
    assert.equal(status.code, 0, status.stderr);
    assert.ok((JSON.parse(status.stdout) as { last?: unknown }).last, status.stdout);
  });

  it('deliver: the loader takes the deltas to the target', async () => {
    const received: ReceivedDelta[] = [];
    const target = await TargetServer.start('127.0.0.1', 0, (batch) => received.push(...batch));
    const deliver = spawn(process.execPath, [bin, 'deliver', '--target', target.url, '--config', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    deliver.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    try {
      await waitUntil(
        'the target to receive every product',
        () => CODES.every((code) => received.some((entry) => entry.delta.key === code)),
        60_000,
        () => stderr.slice(-3_000),
      );
    } finally {
      deliver.kill('SIGTERM');
      await new Promise((exited) => deliver.once('exit', exited));
      await target.stop();
    }
  });

  it('dlq list: reads the dead-letter topic', async () => {
    const result = await runCli(['dlq', 'list', '--config', configPath]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`No dead letters in erp-delta\\.${id}\\.dlq`));
  });

  it('a wrong password: `run` exits 1 with one line naming the broker, the mechanism and the user', async () => {
    const wrong = writeConfig(join(workDir, 'wrong-password.yaml'), { sasl: { mechanism: 'scram-sha-512', username: 'erp-delta', password: 'not-the-password' } });
    const result = await runCli(['run', '--config', wrong], { timeoutMs: 60_000 });
    assert.equal(result.code, 1, result.stderr);
    // Besides the service's JSON log lines (the admin endpoint it opened) and what Node itself may
    // warn about, the error and its hint, once, and no stack trace.
    const lines = result.stderr.trim().split('\n');
    const errors = lines.filter((line) => line.startsWith('erp-delta: '));
    assert.deepEqual(
      errors,
      [
        `erp-delta: Kafka at ${secureStackSecurity().listeners.saslSsl} refused the SASL SCRAM-SHA-512 authentication of user "erp-delta": Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512.`,
      ],
      result.stderr,
    );
    assert.equal(
      lines[lines.indexOf(errors[0] as string) + 1]?.trim(),
      'Check kafka.sasl.username and kafka.sasl.password, and that the user has a SCRAM-SHA-512 credential on the cluster: SCRAM-SHA-256 and SCRAM-SHA-512 are two credentials.',
    );
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  });

  it("an untrusted CA: a command exits 1 with one line saying the broker's certificate could not be verified", async () => {
    const untrusted = writeConfig(join(workDir, 'other-ca.yaml'), { ssl: { ca: certificates.otherCaCert } });
    const result = await runCli(['dlq', 'list', '--config', untrusted], { timeoutMs: 60_000 });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, new RegExp(`^erp-delta: The TLS connection to Kafka at ${secureKafkaSection('scram-sha-512').brokers[0]} failed: the broker's certificate could not be verified`, 'm'));
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  });
});
