import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { javaProcessSpec } from '../../../src/stack/java-launch.js';

describe('javaProcessSpec', () => {
  const dir = mkdtempSync(join(tmpdir(), 'erp-delta-java-launch-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("gives a component's JVM options to the JVM, before the main class takes the rest as its arguments", () => {
    const spec = javaProcessSpec({
      java: '/usr/bin/java',
      componentDir: dir,
      logFile: join(dir, 'kafka.log'),
      pidFile: join(dir, 'kafka.pid'),
      marker: 'kafka@test',
      heapMb: 1024,
      jvmOptions: ['-Xms1024m', '-XX:MaxGCPauseMillis=20'],
      classpath: 'lib/*',
      main: ['kafka.Kafka'],
      args: ['server.properties'],
    });
    const mainAt = spec.args.indexOf('kafka.Kafka');
    assert.deepEqual(spec.args.slice(0, 3), ['-Xmx1024m', '-Xms1024m', '-XX:MaxGCPauseMillis=20']);
    assert.ok(mainAt > 2, `main class at ${mainAt}: ${spec.args.join(' ')}`);
    assert.deepEqual(spec.args.slice(mainAt), ['kafka.Kafka', 'server.properties']);
  });

  it('starts a component without options of its own with the heap setting only', () => {
    const spec = javaProcessSpec({
      java: '/usr/bin/java',
      componentDir: dir,
      logFile: join(dir, 'connect.log'),
      pidFile: join(dir, 'connect.pid'),
      marker: 'connect@test',
      heapMb: 512,
      main: ['-jar', 'registry.jar'],
    });
    assert.deepEqual(
      spec.args.filter((arg) => arg.startsWith('-X')),
      ['-Xmx512m'],
    );
  });
});
