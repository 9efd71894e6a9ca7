import assert from 'node:assert/strict';
import type { ComponentName } from '../../src/stack/stack-layout.js';
import { runCli } from './cli.js';
import { STACK_DIR_FLAG } from './test-stack.js';

export { isProcessRunning } from '../../src/stack/background-process.js';

/** The pid of a component of the test stack, as `stack status --json` reports it: what a test stops or kills. */
export async function componentPid(name: ComponentName): Promise<number> {
  const result = await runCli(['stack', 'status', '--json', ...STACK_DIR_FLAG]);
  const pid = (JSON.parse(result.stdout) as Record<string, { pid: number | null } | undefined>)[name]?.pid;
  assert.ok(pid, `the test stack's ${name} runs`);
  return pid;
}
