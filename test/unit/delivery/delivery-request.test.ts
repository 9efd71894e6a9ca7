import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyResponse, retryAfterWaitMs, retryDelayMs } from '../../../src/delivery/delivery-request.js';

const NOW = Date.parse('2026-12-03T12:00:00Z');

describe('classifyResponse', () => {
  it('delivers a 2xx, rejects other 4xx, retries 408, 429 and 5xx', () => {
    assert.deepEqual(classifyResponse(204, '', null, NOW), { kind: 'delivered' });
    assert.deepEqual(classifyResponse(400, 'bad code', null, NOW), { kind: 'rejected', status: 400, body: 'bad code' });
    for (const status of [408, 429, 500, 503]) assert.equal(classifyResponse(status, '', null, NOW).kind, 'retry', String(status));
  });

  it('waits what a 429 or 503 asks for in Retry-After, in seconds or as an HTTP date', () => {
    assert.deepEqual(classifyResponse(429, 'slow down', '7', NOW), { kind: 'retry', reason: 'HTTP 429: slow down', retryAfterMs: 7_000 });
    assert.deepEqual(classifyResponse(503, '', 'Thu, 03 Dec 2026 12:00:30 GMT', NOW), { kind: 'retry', reason: 'HTTP 503', retryAfterMs: 30_000 });
    assert.deepEqual(classifyResponse(500, '', '7', NOW), { kind: 'retry', reason: 'HTTP 500' }, 'only 429 and 503 say when to come back');
    assert.deepEqual(classifyResponse(429, '', null, NOW), { kind: 'retry', reason: 'HTTP 429' }, 'without the header: the usual backoff');
  });
});

describe('retryAfterWaitMs', () => {
  it('reads delay-seconds and HTTP dates (RFC 9110), a past date as no wait', () => {
    assert.equal(retryAfterWaitMs('0', NOW), 0);
    assert.equal(retryAfterWaitMs(' 120 ', NOW), 120_000);
    assert.equal(retryAfterWaitMs('Thu, 03 Dec 2026 12:01:00 GMT', NOW), 60_000);
    assert.equal(retryAfterWaitMs('Thu, 03 Dec 2026 11:00:00 GMT', NOW), 0);
  });

  it('gives nothing for a header that is neither', () => {
    for (const value of [null, '', '-5', '1.5', 'soon', '12abc']) assert.equal(retryAfterWaitMs(value, NOW), undefined, String(value));
  });
});

describe('retryDelayMs', () => {
  it('doubles from the first delay up to the cap, with jitter between half and all of the step', () => {
    assert.equal(
      retryDelayMs(0, 200, 30_000, () => 0),
      100,
    );
    assert.equal(
      retryDelayMs(3, 200, 30_000, () => 1),
      1_600,
    );
    assert.equal(
      retryDelayMs(20, 200, 30_000, () => 1),
      30_000,
    );
  });
});
