#!/usr/bin/env -S node --max-semi-space-size=32
// The compiled CLI; `npm install` builds dist/ through the `prepare` script.
//
// The flag: the tracker (`run`) makes many objects per fetched batch that die when the batch
// commits; a 2 x 32 MB young generation lets them die young instead of being promoted (about
// 1.4 times the events per second on 2 cores, see bench/RESULTS.md). V8 reads it only at start-up,
// hence here; `node --max-semi-space-size=N bin/erp-delta.js ...` chooses another size.
import '../dist/cli/main.js';
