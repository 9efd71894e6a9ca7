import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareVersions, placeVersion } from '../../../src/model/version-order.js';
import { orderOf } from '../../../src/model/source-position.js';
import type { DeltaSource } from '../../../src/model/delta.js';

function pg(offset: number, parts: { snapshot?: boolean; lsn: bigint; lastCommitLsn?: bigint }, tsMs = 1_000, epoch = 0, topic = 'erp.public.products'): DeltaSource {
  const order = orderOf({ connector: 'postgresql', snapshot: parts.snapshot ?? false, lsn: parts.lsn, lastCommitLsn: parts.lastCommitLsn });
  if (order === undefined) throw new Error('no order');
  return { topic, partition: 0, offset, tsMs, connector: 'postgresql', position: order, epoch };
}

function kafkaOnly(offset: number, topic = 'erp.public.products'): DeltaSource {
  return { topic, partition: 0, offset, tsMs: 1_000, connector: null, position: null, epoch: 0 };
}

describe("placeVersion: a key's version against the loaded one", () => {
  it('orders by source position, whatever the Kafka offsets', () => {
    const loaded = pg(500, { lsn: 2_000n, lastCommitLsn: 1_900n });
    assert.equal(placeVersion(pg(10, { lsn: 2_100n, lastCommitLsn: 2_000n }), loaded), 'newer', 'a re-created topic: lower offset, later position');
    assert.equal(placeVersion(pg(900, { lsn: 2_000n, lastCommitLsn: 1_900n }), loaded), 'applied', 'sent again: same position, later offset');
    assert.equal(placeVersion(pg(900, { lsn: 1_500n, lastCommitLsn: 1_400n }, 900), loaded), 'applied', 'an older version sent again');
  });

  it('calls a later change with an earlier position "behind", within one epoch only', () => {
    const loaded = pg(500, { lsn: 2_000_000n, lastCommitLsn: 1_900_000n }, 1_000);
    assert.equal(placeVersion(pg(501, { lsn: 2_000n, lastCommitLsn: 1_900n }, 5_000), loaded), 'behind');
    assert.equal(placeVersion(pg(501, { lsn: 2_000n, lastCommitLsn: 1_900n }, 5_000, 1), loaded), 'newer', 'a later epoch is newer');
    assert.equal(placeVersion(pg(501, { lsn: 9_000_000n, lastCommitLsn: 8_000_000n }, 5_000, 0), pg(1, { lsn: 2n }, 1, 1)), 'applied', 'an earlier epoch is not');
  });

  it('falls back to Kafka order without a position on either side', () => {
    assert.equal(placeVersion(kafkaOnly(5), kafkaOnly(7)), 'applied');
    assert.equal(placeVersion(kafkaOnly(8), kafkaOnly(7)), 'newer');
    assert.equal(placeVersion(pg(3, { lsn: 10n }), kafkaOnly(7)), 'applied', 'a version loaded before positions were kept');
    assert.equal(placeVersion(kafkaOnly(3, 'other.topic'), kafkaOnly(7)), 'newer', 'another partition cannot be placed by offset');
  });

  it("lets the partition's order place PostgreSQL's first transaction after a new slot against its snapshot", () => {
    // The snapshot was read at 5000; a transaction running then committed after it, at LSN 4000.
    const snapshot = pg(3, { snapshot: true, lsn: 5_000n });
    const firstAfter = pg(9, { lsn: 4_000n });
    assert.equal(compareVersions(firstAfter, snapshot).order, 1);
    assert.equal(placeVersion(firstAfter, snapshot), 'newer');
    assert.equal(placeVersion(pg(2, { lsn: 4_000n }), snapshot), 'applied', 'before the snapshot in the partition: already in it');
    assert.equal(placeVersion(pg(9, { lsn: 4_000n, lastCommitLsn: 3_000n }), snapshot), 'applied', 'with a last commit, positions decide');
  });
});
