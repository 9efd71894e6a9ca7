/**
 * `npm test`: unit tests, then integration tests against a real local stack that this script
 * starts itself (its own data dir and ports, so a developer's `stack up` can keep running).
 * If the stack cannot start, the run fails: integration tests are never skipped.
 *
 *   npm test                 everything
 *   npm test -- --unit       unit tests only (no stack)
 *   ERP_DELTA_KEEP_STACK=1   leave the test stack running afterwards (faster re-runs)
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createLogger } from '../src/logging/logger.js';
import { LocalStack } from '../src/stack/local-stack.js';
import { TEST_STACK } from './support/test-stack.js';

const root = join(import.meta.dirname, '..');
const unitOnly = process.argv.includes('--unit');

function testFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.test.ts'))
    .map((name) => relative(root, join(root, dir, name)))
    .sort();
}

const files = [...testFiles('test/unit'), ...(unitOnly ? [] : testFiles('test/integration'))];
let stack: LocalStack | undefined;

if (!unitOnly) {
  process.stderr.write(`[test] starting the test stack in ${TEST_STACK.dataDir}\n`);
  stack = LocalStack.open(TEST_STACK, createLogger('test-stack'), (line) => process.stderr.write(`[test-stack] ${line}\n`));
  try {
    await stack.up();
  } catch (error) {
    process.stderr.write(`\n[test] FAILED: the test stack could not start, so the integration tests cannot run.\n${(error as Error).message}\n${(error as { hint?: string }).hint ?? ''}\n`);
    process.exit(1);
  }
}

const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, ERP_DELTA_TEST_STACK_DIR: TEST_STACK.dataDir },
});

if (stack && process.env['ERP_DELTA_KEEP_STACK'] !== '1') await stack.down();
process.exit(result.status ?? 1);
