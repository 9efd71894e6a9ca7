/**
 * Issue 20, part 4: an entity's deletes as one HTTP DELETE per key on a path template
 * (`delivery.deletes.<entity>`), between its batches in partition order, a tombstone alone
 * included; a 404 to a DELETE is delivered, a 400 dead-letters that delete alone.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deliveredTwice, keysOutOfOrder, loaderConfig, productScenario, startLoader, startTarget } from '../../support/delivery-scenario.js';
import { produce, waitUntil } from '../../support/tracker-harness.js';

describe('deliver: deletes as HTTP DELETE per key', () => {
  it("sends each DELETE on its key's path, in order with the upserts; 404 is delivered, 400 dead-letters it alone", async (t) => {
    const { products, rows, test, tracker } = await productScenario(t, { name: 'deliver-deletes', codePrefix: 'DL/', rowCount: 8 });
    const [deleted, recreated, compacted, unknownThere, refused] = rows as [string, string, string, string, string];
    await products.delete([deleted, recreated, unknownThere, refused]);
    await products.upsert([recreated]);
    await test.waitCaughtUp();
    await tracker.stop();
    // A tombstone alone, as compaction leaves one once it removed the DELETE before it.
    await produce(test.deltaTopics.products, [{ key: compacted, value: null }]);
    const deltas = (await test.readDeltas(['products'])).all.filter((record) => !record.tombstone);
    const keyOf = (record: { partition: number; offset: number }): string => `${test.deltaTopics.products}-${record.partition}-${record.offset}`;

    const deleteOf = (key: string) => deltas.find((record) => record.key === key && record.delta?.op === 'DELETE');
    const target = await startTarget(t);
    // The target refuses the DELETE of one key (and only that delta), and has no record of another.
    await target.faults({ notFoundKeys: [unknownThere], rejectDeltas: [keyOf(deleteOf(refused) as { partition: number; offset: number })] });
    const loader = startLoader(t, target.url, loaderConfig(test, { deletes: { products: { method: 'DELETE', path: '/products/{key}' } } }));
    const state = await waitUntil(
      'every upsert and the deletes at the target',
      async () => {
        const now = await target.state();
        const upserts = deltas.filter((record) => record.delta?.op === 'UPSERT').map(keyOf);
        const arrived = new Set(now.received.map((entry) => entry.delta.idempotencyKey));
        return upserts.every((key) => arrived.has(key)) && [deleted, recreated, compacted].every((key) => now.deleted.some((entry) => entry.key === key)) ? now : undefined;
      },
      60_000,
      () => loader.stderr().slice(-3_000),
    );
    const deadLetters = await waitUntil(
      'the refused DELETE in the DLQ',
      async () => {
        const letters = (await test.readDeadLetters(2_000)).filter((letter) => letter.headers['erp-delta.error.code']?.toString() === 'DELIVERY_REJECTED');
        return letters.length > 0 ? letters : undefined;
      },
      30_000,
    );

    assert.deepEqual(
      state.received.filter((entry) => entry.delta.op === 'DELETE'),
      [],
      'no DELETE in a batch',
    );
    assert.deepEqual(state.deleted.map((entry) => entry.key).sort(), [deleted, recreated, compacted].sort(), 'one DELETE each; none for the 404 and the refused one');
    for (const entry of state.deleted) {
      assert.equal(entry.path, `/products/${encodeURIComponent(entry.key)}`, 'the key URL-encoded in the path ("/" included)');
      if (entry.key !== compacted) assert.equal(entry.requestKey, keyOf(deleteOf(entry.key) as { partition: number; offset: number }), "with the delta's own idempotency key");
    }
    // The re-created row: its first version, its delete, its new version, in this order.
    const timeline = [
      ...state.received.filter((entry) => entry.delta.key === recreated).map((entry) => ({ seq: entry.seq, what: `UPSERT ${String(entry.delta.data?.['description'])}` })),
      ...state.deleted.filter((entry) => entry.key === recreated).map((entry) => ({ seq: entry.seq, what: 'DELETE' })),
    ]
      .sort((a, b) => a.seq - b.seq)
      .map((event) => event.what);
    assert.deepEqual(timeline, [`UPSERT Product ${recreated} v1`, 'DELETE', `UPSERT Product ${recreated} v2`]);
    assert.deepEqual(keysOutOfOrder(state.received), []);
    assert.deepEqual(deliveredTwice(state.received), []);

    assert.equal(state.attempts.filter((attempt) => attempt.method === 'DELETE' && attempt.status === 404).length, 1, 'the 404 was asked once and not retried');
    assert.deepEqual(
      deadLetters.map((letter) => letter.headers['erp-delta.source.offset']?.toString()),
      [String(deleteOf(refused)?.offset)],
      'only the refused DELETE is dead-lettered',
    );
    assert.match(deadLetters[0]?.headers['erp-delta.error.reason']?.toString() ?? '', /^The target answered HTTP 400: .*cannot be deleted/);
    await loader.stop();
  });
});
