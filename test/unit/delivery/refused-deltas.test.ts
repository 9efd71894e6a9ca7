import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deliverAroundRefusals, refusedByAnswer, type RequestAnswer } from '../../../src/delivery/refused-deltas.js';

/** A target that refuses, all or nothing, any request holding one of `bad`, and records what it took. */
function target(bad: ReadonlySet<number>, answerPerRecord = false) {
  const delivered: number[] = [];
  const requests: number[][] = [];
  const send = async (items: readonly number[]): Promise<RequestAnswer> => {
    requests.push([...items]);
    const refused = items.filter((item) => bad.has(item));
    if (refused.length === 0) {
      delivered.push(...items);
      return { kind: 'delivered' };
    }
    const body = answerPerRecord ? JSON.stringify({ errors: refused.map((item) => ({ index: items.indexOf(item), message: `record ${item} is invalid` })) }) : `invalid: ${refused.join(',')}`;
    return { kind: 'rejected', status: 400, body };
  };
  return { delivered, requests, send };
}

const range = (count: number): number[] => Array.from({ length: count }, (_value, index) => index);

describe('deliverAroundRefusals', () => {
  it('splits a refused request in halves down to the refused delta: the others are delivered, in order', async () => {
    const items = range(20);
    const { delivered, requests, send } = target(new Set([7]));
    const first = await send(items);
    assert.equal(first.kind, 'rejected');
    const { refused, stopped } = await deliverAroundRefusals(items, first as Extract<RequestAnswer, { kind: 'rejected' }>, send);
    assert.equal(stopped, false);
    assert.deepEqual(
      refused.map(({ item, status, reason }) => [item, status, reason]),
      [[7, 400, 'invalid: 7']],
    );
    assert.deepEqual(
      delivered,
      items.filter((item) => item !== 7),
    );
    assert.ok(requests.length <= 1 + 2 * Math.ceil(Math.log2(20)), `about 2·log2(n) requests, not one per delta: ${requests.length}`);
  });

  it('finds several refused deltas, neighbours included', async () => {
    const items = range(9);
    const { delivered, send } = target(new Set([0, 1, 8]));
    const first = (await send(items)) as Extract<RequestAnswer, { kind: 'rejected' }>;
    const { refused } = await deliverAroundRefusals(items, first, send);
    assert.deepEqual(
      refused.map(({ item }) => item),
      [0, 1, 8],
    );
    assert.deepEqual(delivered, [2, 3, 4, 5, 6, 7]);
  });

  it("reads the target's per-record answer where it can: one more request for the rest", async () => {
    const items = range(20);
    const { delivered, requests, send } = target(new Set([3, 11]), true);
    const first = (await send(items)) as Extract<RequestAnswer, { kind: 'rejected' }>;
    const readAnswer = (part: readonly number[], rejection: { body: string }) => refusedByAnswer(rejection.body, { list: '/errors', index: 'index', reason: 'message' }, part.map(String));
    const { refused } = await deliverAroundRefusals(items, first, send, readAnswer);
    assert.deepEqual(
      refused.map(({ item, reason }) => [item, reason]),
      [
        [3, 'record 3 is invalid'],
        [11, 'record 11 is invalid'],
      ],
    );
    assert.deepEqual(
      delivered,
      items.filter((item) => item !== 3 && item !== 11),
    );
    assert.equal(requests.length, 2, 'the refused request and the rest');
  });

  it('stops when the loader stops, leaving the chunk to the next loader', async () => {
    const items = range(4);
    let calls = 0;
    const send = async (): Promise<RequestAnswer> => (calls++ === 0 ? { kind: 'rejected', status: 400, body: 'no' } : { kind: 'stopped' });
    const first = (await send()) as Extract<RequestAnswer, { kind: 'rejected' }>;
    assert.equal((await deliverAroundRefusals(items, first, send)).stopped, true);
  });
});

describe('refusedByAnswer', () => {
  const keys = ['t-0-10', 't-0-11', 't-0-12'];

  it('names refused deltas by idempotency key, at a JSON pointer', () => {
    const body = JSON.stringify({ result: { rejected: [{ ref: 't-0-11', error: { code: 'TOO_LONG', field: 'code' } }] } });
    assert.deepEqual(refusedByAnswer(body, { list: '/result/rejected', idempotencyKey: 'ref', reason: 'error' }, keys), new Map([[1, '{"code":"TOO_LONG","field":"code"}']]));
  });

  it('keeps the whole record as the reason when no reason member is named', () => {
    assert.deepEqual(refusedByAnswer('[{"i":2}]', { list: '', index: 'i' }, keys), new Map([[2, '{"i":2}']]));
  });

  it('gives up (the loader then splits) on an answer that does not read as configured', () => {
    const spec = { list: '/errors', idempotencyKey: 'ref' };
    assert.equal(refusedByAnswer('not json', spec, keys), undefined);
    assert.equal(refusedByAnswer('{"errors":"bad"}', spec, keys), undefined);
    assert.equal(refusedByAnswer('{"errors":[{"ref":"t-9-9"}]}', spec, keys), undefined, 'a record naming no delta of the request');
    assert.equal(refusedByAnswer('{"errors":[{"i":3}]}', { list: '/errors', index: 'i' }, keys), undefined, 'an index outside the request');
  });
});
