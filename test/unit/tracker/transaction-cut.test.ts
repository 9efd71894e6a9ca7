import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KeyedRecord } from '../../../src/model/keyed-record.js';
import { trailingTransactionCut, type BatchBounds, type FetchedPosition } from '../../../src/tracker/transaction-cut.js';

const NOW = 1_000_000;

/** A fetched batch: per record its source transaction (null: a tombstone), written at `writtenAtMs`. */
function batch(transactions: ReadonlyArray<string | null>, writtenAtMs = NOW): { messages: FetchedPosition[]; keyed: KeyedRecord[] } {
  const messages = transactions.map((_, index) => ({ offset: String(100 + index), timestamp: String(writtenAtMs) }));
  // Only the kind and the source transaction matter to the cut.
  const keyed = transactions.map(
    (transaction, index) => (transaction === null ? { kind: 'tombstone', key: `K${index}` } : { kind: 'change', key: `K${index}`, change: { position: { transaction } } }) as unknown as KeyedRecord,
  );
  return { messages, keyed };
}

const caughtUp: BatchBounds = { moreAvailable: false, transactionLingerMs: 250, nowMs: NOW };

describe('the cut before a source transaction at the end of a batch', () => {
  it('leaves the trailing transaction to the next fetch when the partition holds more', () => {
    const { messages, keyed } = batch(['t1', 't1', 't2', null, 't2']);
    const cut = trailingTransactionCut(messages, keyed, { moreAvailable: true }, undefined);
    assert.deepEqual(cut, { start: 2, heldBack: { from: '102', lastOffset: '104' } });
  });

  it('decides a batch that is one transaction when more follows: a transaction larger than a fetch goes in parts', () => {
    const { messages, keyed } = batch(['t1', null, 't1']);
    assert.equal(trailingTransactionCut(messages, keyed, { moreAvailable: true }, undefined), undefined);
  });

  it('at the end of the partition, leaves a young transaction for the rest of the linger, the whole batch if need be', () => {
    const { messages, keyed } = batch(['t1', null], NOW - 100);
    assert.deepEqual(trailingTransactionCut(messages, keyed, caughtUp, undefined), { start: 0, lingerMs: 150, heldBack: { from: '100', lastOffset: '101' } });
    const mixed = batch(['t0', 't1'], NOW - 10);
    assert.deepEqual(trailingTransactionCut(mixed.messages, mixed.keyed, caughtUp, undefined), { start: 1, lingerMs: 240, heldBack: { from: '101', lastOffset: '101' } });
  });

  it('decides at once a transaction written longer ago than the linger, or with no linger configured', () => {
    const old = batch(['t1', 't1'], NOW - 250);
    assert.equal(trailingTransactionCut(old.messages, old.keyed, caughtUp, undefined), undefined);
    const young = batch(['t1', 't1']);
    assert.equal(trailingTransactionCut(young.messages, young.keyed, { moreAvailable: false, nowMs: NOW }, undefined), undefined);
    assert.equal(trailingTransactionCut(young.messages, young.keyed, { ...caughtUp, transactionLingerMs: 0 }, undefined), undefined);
  });

  it('never leaves the same records twice when nothing came after them', () => {
    const { messages, keyed } = batch(['t1', 't1'], NOW - 10);
    const first = trailingTransactionCut(messages, keyed, caughtUp, undefined);
    assert.ok(first);
    assert.equal(trailingTransactionCut(messages, keyed, caughtUp, first.heldBack), undefined);
    // More of the transaction came: left again, for what is left of the linger from the newest.
    const grown = batch(['t1', 't1', 't1'], NOW - 5);
    assert.deepEqual(trailingTransactionCut(grown.messages, grown.keyed, caughtUp, first.heldBack), { start: 0, lingerMs: 245, heldBack: { from: '100', lastOffset: '102' } });
  });

  it("waits at most the linger when the writer's clock is ahead of ours, and not at all for a record without a time", () => {
    const ahead = batch(['t1'], NOW + 60_000);
    assert.equal(trailingTransactionCut(ahead.messages, ahead.keyed, caughtUp, undefined)?.lingerMs, 250);
    const timeless = { messages: [{ offset: '7', timestamp: 'not a time' }], keyed: batch(['t1']).keyed };
    assert.equal(trailingTransactionCut(timeless.messages, timeless.keyed, caughtUp, undefined), undefined);
  });

  it('does not cut after records of no source transaction', () => {
    const { messages } = batch(['t1'], NOW);
    const deadLetter = [{ kind: 'dead', record: {}, error: new Error('not JSON') } as unknown as KeyedRecord];
    assert.equal(trailingTransactionCut(messages, deadLetter, caughtUp, undefined), undefined);
    assert.equal(trailingTransactionCut([], [], caughtUp, undefined), undefined);
  });
});
