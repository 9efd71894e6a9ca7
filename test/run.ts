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
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CHROMIUM_PATH } from './support/browser.js';
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

/**
 * The status page tests drive Debian's Chromium. It is a system package, so the test command
 * installs it (as root, the way CI and a fresh machine run) rather than asking for a manual step.
 */
async function ensureChromium(): Promise<boolean> {
  if (existsSync(CHROMIUM_PATH)) return true;
  if (process.getuid?.() !== 0 || !existsSync('/usr/bin/apt-get')) {
    process.stderr.write(`\n[test] FAILED: no Chromium at ${CHROMIUM_PATH}, and this is not root on Debian to install it: run \`sudo apt-get install -y chromium\` (or set CHROMIUM_PATH).\n`);
    return false;
  }
  process.stderr.write('[test] installing Debian\'s chromium package for the status page tests\n');
  const installed = await new Promise<number>((resolve) => {
    const child = spawn('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium'], { stdio: 'inherit' });
    child.on('close', (code) => resolve(code ?? 1));
  });
  if (installed !== 0 || !existsSync(CHROMIUM_PATH)) {
    process.stderr.write('\n[test] FAILED: installing chromium did not work (see above); the status page tests cannot run.\n');
    return false;
  }
  return true;
}

if (!unitOnly) {
  if (!await ensureChromium()) process.exit(1);
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
