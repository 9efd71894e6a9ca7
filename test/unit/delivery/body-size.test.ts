import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bodyParts, jsonBytes } from '../../../src/delivery/body-size.js';
import { deliveryRequest } from '../../../src/delivery/delivery-request.js';
import type { Delta } from '../../../src/model/delta.js';

function delta(key: string, name: string): { offset: string; delta: Delta } {
  return {
    offset: key.replace(/\D/g, '') || '0',
    delta: {
      op: 'UPSERT',
      reason: 'CHANGE',
      changedFields: ['name'],
      key,
      data: { code: key, name },
      source: { topic: 'erp.public.customers', partition: 0, offset: 1, tsMs: 1, connector: null, position: null, epoch: 0 },
      emittedAtMs: 1,
    },
  };
}

/** The parts of deltas as the loader makes them: sizes counted from each delta's own JSON. */
function parts(records: ReadonlyArray<{ offset: string; delta: Delta }>, maxBytes: number | undefined) {
  const empty = jsonBytes(deliveryRequest('customers', 'd', 0, []).body);
  return bodyParts(records, (record) => jsonBytes(deliveryRequest('customers', 'd', 0, [record]).body.deltas[0]), empty, maxBytes);
}

describe('bodyParts (delivery.maxBodyBytes)', () => {
  it('keeps every body within the limit, counted exactly as JSON.stringify writes it (UTF-8), in order', () => {
    const records = Array.from({ length: 40 }, (_, index) => delta(`C${index}`, index % 3 === 0 ? 'Müller & Söhne — 東京' : `Customer ${'x'.repeat(index)}`));
    for (const maxBytes of [1_024, 2_000, 5_000]) {
      const split = parts(records, maxBytes);
      assert.deepEqual(split.flat(), records, 'every delta once, in order');
      for (const [index, part] of split.entries()) {
        const body = Buffer.byteLength(JSON.stringify(deliveryRequest('customers', 'd', 0, part).body));
        assert.ok(body <= maxBytes, `part ${index}: ${body} > ${maxBytes}`);
        const next = split[index + 1]?.[0];
        if (next) {
          const grown = Buffer.byteLength(JSON.stringify(deliveryRequest('customers', 'd', 0, [...part, next]).body));
          assert.ok(grown > maxBytes, `part ${index} could have taken the next delta (${grown} <= ${maxBytes}): parts are as full as the limit lets them`);
        }
      }
    }
  });

  it('a body exactly at the limit is one part', () => {
    const records = [delta('C1', 'a'), delta('C2', 'b')];
    const exact = Buffer.byteLength(JSON.stringify(deliveryRequest('customers', 'd', 0, records).body));
    assert.equal(parts(records, exact).length, 1);
    assert.equal(parts(records, exact - 1).length, 2);
  });

  it('sends a delta larger than the limit alone, and goes on with the next ones', () => {
    const big = delta('C2', 'y'.repeat(3_000));
    const split = parts([delta('C1', 'a'), big, delta('C3', 'b'), delta('C4', 'c')], 1_024);
    assert.deepEqual(
      split.map((part) => part.map(({ delta: { key } }) => key)),
      [['C1'], ['C2'], ['C3', 'C4']],
    );
  });

  it('without a limit, or without deltas, splits nothing', () => {
    const records = [delta('C1', 'a'), delta('C2', 'b')];
    assert.deepEqual(parts(records, undefined), [records]);
    assert.deepEqual(parts([], 1_024), []);
  });
});
