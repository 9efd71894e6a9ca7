import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isProcessRunning as isRunning } from '../../../src/stack/background-process.js';
import { runCli } from '../../support/cli.js';
import { STACK_DIR_FLAG, testStack } from '../../support/test-stack.js';

interface StatusJson {
  kafka: { bootstrap: string; healthy: boolean; pid: number | null };
  connect: { url: string; healthy: boolean; pid: number | null };
  registry: { url: string; healthy: boolean; pid: number | null };
  postgres: { url: string; healthy: boolean; pid: number | null };
}

async function statusJson(): Promise<{ code: number | null; status: StatusJson }> {
  const result = await runCli(['stack', 'status', '--json', ...STACK_DIR_FLAG]);
  return { code: result.code, status: JSON.parse(result.stdout) as StatusJson };
}

describe('stack: up, status, down', () => {
  it('status --json reports every component healthy, in the documented shape', async () => {
    const { code, status } = await statusJson();
    assert.equal(code, 0);
    assert.match(status.kafka.bootstrap, /^127\.0\.0\.1:\d+$/);
    assert.match(status.connect.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.match(status.registry.url, /^http:\/\/127\.0\.0\.1:\d+\/apis\/ccompat\/v7$/);
    assert.match(status.postgres.url, /^postgres:\/\/\w+@127\.0\.0\.1:\d+\/erp$/);
    for (const [name, component] of Object.entries(status)) assert.equal(component.healthy, true, `${name} healthy`);
  });

  it('a second `up` starts nothing', async () => {
    const before = (await statusJson()).status;
    const result = await runCli(['stack', 'up', ...STACK_DIR_FLAG]);
    assert.equal(result.code, 0, result.stderr);
    for (const name of ['kafka', 'connect', 'registry', 'postgres']) assert.match(result.stderr, new RegExp(`${name}: already running`));
    assert.doesNotMatch(result.stderr, /starting/);
    const afterUp = (await statusJson()).status;
    assert.deepEqual(
      Object.values(afterUp).map((component) => component.pid),
      Object.values(before).map((component) => component.pid),
    );
  });

  it('reports a stopped component as unhealthy, and `up` brings it back', async () => {
    const { status } = await statusJson();
    const pid = status.registry.pid;
    assert.ok(pid);
    process.kill(-pid, 'SIGKILL');
    while (isRunning(pid)) await new Promise((resolve) => setTimeout(resolve, 50));

    const stopped = await statusJson();
    assert.equal(stopped.code, 1, 'status exits 1 when a component is down');
    assert.equal(stopped.status.registry.healthy, false);
    assert.equal(stopped.status.kafka.healthy, true);

    const up = await runCli(['stack', 'up', ...STACK_DIR_FLAG]);
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stderr, /registry: starting/);
    assert.equal((await statusJson()).status.registry.healthy, true);
  });

  it('`down` leaves no process of the stack running, and `up` resumes with the data kept', async () => {
    const pids = Object.values((await statusJson()).status)
      .map((component) => component.pid)
      .filter((pid): pid is number => pid !== null);
    assert.equal(pids.length, 4);
    const down = await runCli(['stack', 'down', ...STACK_DIR_FLAG]);
    assert.equal(down.code, 0, down.stderr);
    assert.deepEqual(pids.filter(isRunning), [], 'no stack process survives `down`');
    const { code, status } = await statusJson();
    assert.equal(code, 1);
    for (const component of Object.values(status)) assert.equal(component.healthy, false);

    const up = await runCli(['stack', 'up', ...STACK_DIR_FLAG], { timeoutMs: 300_000 });
    assert.equal(up.code, 0, up.stderr);
    assert.doesNotMatch(up.stderr, /first start/, 'the second start reuses storage and jars');
    const connectors = await (await fetch(`${testStack().component('connect').endpoint()}/connectors`)).json();
    assert.ok(Array.isArray(connectors));
  });
});

describe('stack: prerequisites', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'erp-delta-prereq-'));
  let blocker: Server | undefined;
  after(() => {
    blocker?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('names a port that is in use and the flag to change it, without a stack trace', async () => {
    const server = createServer();
    blocker = server;
    const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
    const result = await runCli([
      'stack',
      'up',
      '--data-dir',
      dataDir,
      '--registry-port',
      String(port),
      '--kafka-port',
      '29392',
      '--kafka-controller-port',
      '29393',
      '--connect-port',
      '29383',
      '--postgres-port',
      '29332',
      '--registry-management-port',
      '29385',
    ]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`Port ${port} on 127\\.0\\.0\\.1, wanted by registry, is already in use`));
    assert.match(result.stderr, /--registry-port <port>/);
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  });

  it('says Maven is missing when the jars are not cached yet, before starting anything', async () => {
    // A fresh working directory has no jar cache (.erp-delta/lib); a PATH without mvn hides Maven.
    const cwd = join(dataDir, 'fresh-checkout');
    const bin = join(dataDir, 'bin-without-maven');
    mkdirSync(cwd, { recursive: true });
    mkdirSync(bin, { recursive: true });
    symlinkSync('/usr/bin/id', join(bin, 'id'));
    const result = await runCli(
      [
        'stack',
        'up',
        '--data-dir',
        join(cwd, 'stack'),
        '--kafka-port',
        '29392',
        '--kafka-controller-port',
        '29393',
        '--connect-port',
        '29383',
        '--postgres-port',
        '29332',
        '--registry-port',
        '29381',
        '--registry-management-port',
        '29385',
      ],
      { cwd, env: { PATH: bin, JAVA_HOME: '' } },
    );
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /Maven \("mvn"\) was not found/);
    assert.match(result.stderr, /apt-get install maven/);
    assert.doesNotMatch(result.stderr, /\n\s+at /);
    assert.doesNotMatch(result.stderr, /starting/, 'nothing was started');
  });

  it('says which PostgreSQL programs are missing and how to fix it', async () => {
    const result = await runCli([
      'stack',
      'up',
      '--data-dir',
      dataDir,
      '--postgres-bin-dir',
      join(dataDir, 'no-such-dir'),
      '--kafka-port',
      '29392',
      '--kafka-controller-port',
      '29393',
      '--connect-port',
      '29383',
      '--postgres-port',
      '29332',
      '--registry-port',
      '29381',
      '--registry-management-port',
      '29385',
    ]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /PostgreSQL server programs \(initdb, pg_ctl, postgres\) are not in/);
    assert.match(result.stderr, /apt-get install postgresql/);
    assert.doesNotMatch(result.stderr, /\n\s+at /);
  });
});
