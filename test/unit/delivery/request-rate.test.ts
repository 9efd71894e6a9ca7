import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RequestRate, throttleTerms } from '../../../src/delivery/request-rate.js';

describe('throttleTerms (delivery.maxRequestsPerSecond)', () => {
  it('a whole number is that many a second; a fraction one request every 1/n s', () => {
    assert.deepEqual(throttleTerms(10), { limit: 10, interval: 1_000 });
    assert.deepEqual(throttleTerms(1), { limit: 1, interval: 1_000 });
    assert.deepEqual(throttleTerms(0.5), { limit: 1, interval: 2_000 });
    assert.deepEqual(throttleTerms(2.5), { limit: 1, interval: 400 });
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) assert.throws(() => throttleTerms(bad), RangeError);
  });
});

describe('RequestRate', () => {
  it('lets `perSecond` requests through at once, and the next only once the first is a second old', async () => {
    const rate = new RequestRate(5);
    const startedAt = performance.now();
    const done: number[] = [];
    await Promise.all(
      Array.from({ length: 7 }, async () => {
        await rate.take();
        done.push(performance.now() - startedAt);
      }),
    );
    done.sort((a, b) => a - b);
    assert.ok((done[4] as number) < 200, `the first five at once: ${done.map(Math.round).join(', ')}`);
    assert.ok((done[5] as number) >= 950, `the sixth after a second: ${done.map(Math.round).join(', ')}`);
    assert.ok((done[6] as number) >= 950 && (done[6] as number) < 1_500);
  });

  it('in any second, never more than the rate, however the requests come (strict)', async () => {
    const rate = new RequestRate(4);
    const times: number[] = [];
    const startedAt = performance.now();
    await Promise.all(
      Array.from({ length: 10 }, async (_, index) => {
        await new Promise((resolve) => setTimeout(resolve, index * 90));
        await rate.take();
        times.push(performance.now() - startedAt);
      }),
    );
    times.sort((a, b) => a - b);
    for (const [index, at] of times.entries()) {
      const inWindow = times.filter((other) => other >= at && other < at + 990).length;
      assert.ok(inWindow <= 4, `${inWindow} requests within a second from request ${index}: ${times.map(Math.round).join(', ')}`);
    }
  });

  it('says how long a request waited, and ends a wait at once when the loader stops', async () => {
    const rate = new RequestRate(1);
    assert.ok(((await rate.take()) as number) < 50);
    const stop = new AbortController();
    const waiting = rate.take(stop.signal);
    setTimeout(() => stop.abort(), 100);
    const startedAt = performance.now();
    assert.equal(await waiting, undefined);
    assert.ok(performance.now() - startedAt < 500, 'not after the slot came');
    assert.equal(await rate.take(stop.signal), undefined, 'an aborted signal waits for nothing');
  });
});
