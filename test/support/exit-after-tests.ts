/**
 * Loaded by test/run.ts into every test file's process (`--import`): once the file's tests are
 * done, the process ends within GRACE_MS even if something a test started still holds the event
 * loop (after the broker-outage test, kafkajs keeps scheduling reconnects of the test's own
 * clients).
 *
 * Why not node's --test-force-exit, which did this before: on Node 22, 24 and 26 it exits a file's
 * process before the file's last results have crossed the pipe to the runner, which then counts
 * fewer tests and still passes (nodejs/node#64833; seen here: a unit run on Node 22 reported 652
 * of 663 tests, exit 0, and a failure among the lost ones would have been lost too). Here the
 * process exits only after the grace time, by when the results have long been written; a process
 * that nothing holds ends at once as usual, and the exit code stays the runner's.
 */
import { after } from 'node:test';

const GRACE_MS = 2_000;

// Node sets NODE_TEST_CONTEXT in the processes it starts for the test files; the runner's own
// process runs no test and must not get a root hook.
if (process.env['NODE_TEST_CONTEXT'] !== undefined) {
  after(() => {
    setTimeout(() => process.exit(), GRACE_MS).unref();
  });
}
