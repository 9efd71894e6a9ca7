#!/usr/bin/env node
// The compiled CLI; `npm install` builds dist/ through the `prepare` script (a package from
// `npm pack` carries dist/ and builds nothing).
//
// Two settings that take effect only when a process starts, so the launcher sees that every
// erp-delta process has them:
//
// --max-semi-space-size=32: the tracker (`run`) makes many objects per fetched batch that die when
// the batch commits; a 2 x 32 MB young generation lets them die young instead of being promoted
// (about 1.4 times the events per second on 2 cores, see bench/HISTORY.md). V8 reads it only at
// start-up. `node --max-semi-space-size=N bin/erp-delta.js ...` or NODE_OPTIONS chooses another size.
//
// MALLOC_ARENA_MAX=2: glibc gives each thread that allocates (LevelDB's compaction, libuv's pool
// running LevelDB reads and writes) an arena of its own, up to 8 per core, and memory freed in
// one is not reused by another; two arenas took about 20 MB off the tracker's resident memory
// in the bench, with its CPU within the runs' noise (bench/HISTORY.md). glibc reads it only at
// start-up, so it must be in the environment before the process starts; set it to choose another.
//
// --disable-warning=TimeoutNegativeWarning, in NODE_OPTIONS: kafkajs 2.2.4's request queue arms its
// check of throttled requests with a negative delay when one is already due; Node 24 and later
// warn on every such timer (earlier lines took it as 1 ms without a word, and so do they). The
// warning says nothing an operator can act on, and it came on stderr of every command.
//
// How, without `env -S` in the shebang (BusyBox's and Alpine's env lack it): when either is
// missing, the launcher replaces its own process with one that has both (process.execve, Node
// 22.15 and later on Linux and macOS). It is the same process, with the same pid: a process
// manager's SIGTERM or SIGINT, a test's SIGKILL and the exit code are the real process's, and
// nothing sits in between. Where both are set already (the image sets NODE_OPTIONS and
// MALLOC_ARENA_MAX), nothing is re-executed. Where execve is missing (Windows), erp-delta runs
// without them (docs/installing.md says how to set them).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// An older Node than package.json's engines allows fails on the first dependency that needs a newer
// one (undici 8 reads zlib's zstd at load, on Node 20 a TypeError): say so instead.
const floor = /^>=(\d+)\.(\d+)\.(\d+)$/.exec(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).engines?.node ?? '');
if (floor !== null) {
  const running = process.versions.node.split('.').map(Number);
  const wanted = floor.slice(1).map(Number);
  const index = running.findIndex((part, at) => part !== wanted[at]);
  if (index !== -1 && running[index] < wanted[index]) {
    process.stderr.write(`erp-delta: this is Node ${process.versions.node}; erp-delta needs Node ${wanted.join('.')} or later (22, 24 and 26 are tested; docs/installing.md)\n`);
    process.exit(1);
  }
}

const SEMI_SPACE = '--max-semi-space-size=32';
const QUIET_TIMERS = '--disable-warning=TimeoutNegativeWarning';
const SEMI_SPACE_FLAG = /^--max[-_]semi[-_]space[-_]size\b/;

const nodeOptions = (process.env.NODE_OPTIONS ?? '').split(/\s+/);
const hasSemiSpace = [...process.execArgv, ...nodeOptions].some((arg) => SEMI_SPACE_FLAG.test(arg));
const hasArenaMax = process.env.MALLOC_ARENA_MAX !== undefined;

if ((!hasSemiSpace || !hasArenaMax) && typeof process.execve === 'function' && process.platform !== 'win32') {
  const args = [...process.execArgv, ...(hasSemiSpace ? [] : [SEMI_SPACE]), fileURLToPath(import.meta.url), ...process.argv.slice(2)];
  // Returns only if the exec failed, and then erp-delta runs here, without the two settings.
  try {
    const options = nodeOptions.includes(QUIET_TIMERS) ? process.env.NODE_OPTIONS : [process.env.NODE_OPTIONS, QUIET_TIMERS].filter(Boolean).join(' ');
    process.execve(process.execPath, [process.execPath, ...args], { ...process.env, MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2', NODE_OPTIONS: options });
  } catch (error) {
    process.stderr.write(`erp-delta: could not restart with ${SEMI_SPACE} and MALLOC_ARENA_MAX=2 (${error.message}); running without them\n`);
  }
}

await import('../dist/cli/main.js');
