#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=32
// The compiled CLI; `npm install` builds dist/ through the `prepare` script.
//
// The flag: the tracker (`run`) makes many objects per fetched batch that die when the batch
// commits; a 2 x 32 MB young generation lets them die young instead of being promoted (about
// 1.4 times the events per second on 2 cores, see bench/RESULTS.md). V8 reads it only at start-up,
// hence here; `node --max-semi-space-size=N bin/erp-delta.js ...` chooses another size.
//
// MALLOC_ARENA_MAX=2: glibc gives each thread that allocates (LevelDB's compaction, libuv's pool
// running LevelDB reads and writes) an arena of its own, up to 8 per core, and memory freed in
// one is not reused by another; two arenas took about 20 MB off the tracker's resident memory
// in the bench, with its CPU within the runs' noise (bench/RESULTS.md). glibc reads it only at
// start-up, hence here too.
import '../dist/cli/main.js';
