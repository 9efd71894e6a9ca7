import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diskFullError, isDiskFull, writeToStore } from '../../../src/errors/disk-full.js';
import { isErpDeltaError, type ErpDeltaError } from '../../../src/errors/erp-delta-error.js';

/** What classic-level throws when a write finds the filesystem full (seen on a 1 MB tmpfs). */
function levelDbFull(): Error {
  return Object.assign(new Error('IO error: /data/products-0/000003.log: No space left on device'), { code: 'LEVEL_IO_ERROR' });
}

describe('a full filesystem under a store', () => {
  it("is recognised in LevelDB's IO error, in Node's ENOSPC and in a cause", () => {
    assert.equal(isDiskFull(levelDbFull()), true);
    assert.equal(isDiskFull(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' })), true);
    assert.equal(isDiskFull(new Error('write failed', { cause: levelDbFull() })), true);
  });

  it('is not taken for another IO error, nor for a non-error', () => {
    assert.equal(isDiskFull(Object.assign(new Error('IO error: lock /data/LOCK: already held by process'), { code: 'LEVEL_IO_ERROR' })), false);
    assert.equal(isDiskFull(Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' })), false);
    assert.equal(isDiskFull(undefined), false);
    assert.equal(isDiskFull('No space'), false);
  });

  it('becomes DISK_FULL, not retriable, naming the store and saying what to do', () => {
    const error = diskFullError('/data/products-0', levelDbFull());
    assert.equal(error.code, 'DISK_FULL');
    assert.equal(error.retriable, false);
    assert.match(error.message, /^The state store in \/data\/products-0 cannot write: its filesystem is full/);
    assert.match(error.hint ?? '', /loses nothing.*Free space/);
  });

  it('a write that fails so throws DISK_FULL and tells onDiskFull; other failures pass through untold', async () => {
    const told: ErpDeltaError[] = [];
    await assert.rejects(
      writeToStore(Promise.reject(levelDbFull()), '/data/x', (error) => told.push(error)),
      (error: unknown) => isErpDeltaError(error, 'DISK_FULL') && error.cause instanceof Error,
    );
    assert.deepEqual(
      told.map((error) => error.code),
      ['DISK_FULL'],
    );
    const other = new Error('IO error: lock held');
    await assert.rejects(
      writeToStore(Promise.reject(other), '/data/x', (error) => told.push(error)),
      (error: unknown) => error === other,
    );
    assert.equal(told.length, 1);
    assert.equal(await writeToStore(Promise.resolve(7), '/data/x', undefined), 7);
  });
});
