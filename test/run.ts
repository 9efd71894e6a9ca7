/**
 * `npm test`: unit tests, then integration tests against a real local stack that this script
 * starts itself (its own data dir and ports, so a developer's `stack up` can keep running).
 * If the stack cannot start, the run fails: integration tests are never skipped.
 *
 *   npm test                 everything
 *   npm test -- --unit       unit tests only (no stack)
 *   ERP_DELTA_KEEP_STACK=1   leave the test stack running afterwards (faster re-runs)
 *
 * The stack is started through the CLI, as a user would, and so is never a child of this process.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { TEST_STACK } from './support/test-stack.js';

const root = join(import.meta.dirname, '..');
const unitOnly = process.argv.includes('--unit');

function testFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.test.ts'))
    .map((name) => relative(root, join(root, dir, name)))
    .sort();
}

function run(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit', env });
    child.on('close', (code) => resolve(code ?? 1));
  });
}

const stackFlags = [
  '--data-dir', TEST_STACK.dataDir,
  '--kafka-port', String(TEST_STACK.ports.kafka),
  '--kafka-controller-port', String(TEST_STACK.ports.kafkaController),
  '--connect-port', String(TEST_STACK.ports.connect),
  '--registry-port', String(TEST_STACK.ports.registry),
  '--registry-management-port', String(TEST_STACK.ports.registryManagement),
  '--postgres-port', String(TEST_STACK.ports.postgres),
];

const files = [...testFiles('test/unit'), ...(unitOnly ? [] : testFiles('test/integration'))];

if (!unitOnly) {
  process.stderr.write(`[test] starting the test stack in ${TEST_STACK.dataDir}\n`);
  if (await run(['bin/erp-delta.js', 'stack', 'up', ...stackFlags]) !== 0) {
    process.stderr.write('\n[test] FAILED: the test stack could not start (see above), so the integration tests cannot run.\n');
    process.exit(1);
  }
  // Every tracker test needs the CDC topics, whatever order the files run in (applying is idempotent;
  // test/integration/capture checks what applying does).
  if (await run(['bin/erp-delta.js', 'connectors', 'apply', '--data-dir', TEST_STACK.dataDir]) !== 0) {
    process.stderr.write('\n[test] FAILED: the Debezium connector could not be applied to the test stack (see above).\n');
    process.exit(1);
  }
}

// --test-force-exit: a test file's process ends with its tests, even if a Kafka client of the test
// itself still has a reconnect scheduled (after the broker-outage test, kafkajs restarts them).
const status = await run(['--import', 'tsx', '--test', '--test-force-exit', '--test-concurrency=1', '--test-reporter=spec', ...files],
  { ...process.env, ERP_DELTA_TEST_STACK_DIR: TEST_STACK.dataDir });

if (!unitOnly && process.env['ERP_DELTA_KEEP_STACK'] !== '1') await run(['bin/erp-delta.js', 'stack', 'down', '--data-dir', TEST_STACK.dataDir]);
process.exit(status);
