import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NO_COMPACTIONS, sumCompactionStats } from '../../../src/model/compaction-stats.js';
import { parseCompactionStats } from '../../../src/state/leveldb-stats.js';

/** `leveldb.stats` as classic-level returned it, from a store written with 1 MB write buffers. */
const SAMPLE = [
  '                               Compactions',
  'Level  Files Size(MB) Time(sec) Read(MB) Write(MB)',
  '--------------------------------------------------',
  '  0        6        1         0        0         3',
  '  1        1        2         1        5         5',
  '  2        1        0         2        7         6',
  '',
].join('\n');

const MB = 1024 * 1024;

describe("LevelDB's compaction stats", () => {
  it('sums the per-level table, and takes the file count of level 0', () => {
    assert.deepEqual(parseCompactionStats(SAMPLE), { level0Files: 6, seconds: 3, writtenBytes: 14 * MB });
  });

  it('is undefined for text that is not the table', () => {
    assert.equal(parseCompactionStats(''), undefined);
    assert.equal(parseCompactionStats('Compactions\nLevel  Files Size(MB)\n---'), undefined);
  });

  it('adds several stores, keeping the fullest level 0', () => {
    const one = { level0Files: 3, seconds: 2, writtenBytes: 20 };
    const other = { level0Files: 9, seconds: 1, writtenBytes: 6 };
    assert.deepEqual(sumCompactionStats([one, other]), { level0Files: 9, seconds: 3, writtenBytes: 26 });
    assert.deepEqual(sumCompactionStats([]), NO_COMPACTIONS);
  });
});
