/**
 * Issue 6, the admin endpoint of `erp-delta run`, on the real stack: /healthz, /readyz and
 * /metrics as an orchestrator's probes and a Prometheus scraper use them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TrackerTest, uniqueCode, useCaughtUpTracker, waitUntil, type TrackerProcess } from '../../support/tracker-harness.js';

/** One sample line of the Prometheus text format: name, optional {labels}, value. */
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*")*)?\})? (-?[0-9.eE+-]+|NaN|[+-]Inf)$/;

/** Parses the exposition format strictly: every line is a HELP, a TYPE or a sample. */
function parsePrometheus(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    const match = SAMPLE.exec(line);
    assert.ok(match, `not a Prometheus sample line: ${JSON.stringify(line)}`);
    samples.set(`${match[1]}${match[2] ?? ''}`, Number(match[4]));
  }
  return samples;
}

async function adminUrl(tracker: TrackerProcess): Promise<string> {
  const line = await tracker.waitForLog('admin endpoint: /healthz /readyz /metrics');
  return `http://127.0.0.1:${String(line['port'])}`;
}

describe('admin endpoint of a running tracker', () => {
  const fixture = useCaughtUpTracker('admin', ['customers']);

  it('answers /healthz and /readyz once the tasks are restored and processing', async () => {
    const url = await adminUrl(fixture.tracker);
    const health = await fetch(`${url}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(await health.text(), 'ok\n');
    const ready = await fetch(`${url}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { ready: true, reasons: [] });
    assert.equal((await fetch(`${url}/nothing`)).status, 404);
  });

  it('serves /metrics as Prometheus text whose counters move with traffic', async () => {
    const url = await adminUrl(fixture.tracker);
    const response = await fetch(`${url}/metrics`);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const before = parsePrometheus(await response.text());
    const seen = 'erp_delta_records_seen_total{entity="customers"}';
    const emitted = 'erp_delta_deltas_emitted_total{entity="customers",reason="CHANGE",op="UPSERT"}';
    assert.ok(before.has(seen), `${seen} is exposed`);
    assert.equal(before.get('erp_delta_consumer_lag{entity="customers"}'), 0, 'caught up: no lag');

    const code = uniqueCode('M');
    await fixture.db.query("INSERT INTO customers (code, name, address, city, sales_rep_code, credit_limit) VALUES ($1, 'Metrics', '1 Road', 'Paarl', 'SAL001', 1.00)", [code]);
    await fixture.cdc.waitForEvents('customers', code, 1);
    await fixture.test.waitCaughtUp();
    const after = parsePrometheus(await (await fetch(`${url}/metrics`)).text());
    assert.ok((after.get(seen) ?? 0) >= (before.get(seen) ?? 0) + 1, 'seen moved');
    assert.equal(after.get(emitted), (before.get(emitted) ?? 0) + 1, 'one more CHANGE upsert');
  });
});

describe('admin endpoint while the tracker cannot start yet', () => {
  it('answers /readyz 503 with the reason, and /healthz 200', async (t) => {
    const test = new TrackerTest('admin-starting', { cdcTopics: { products: `erp-delta-test.${uniqueCode('missing')}.products` } });
    t.after(() => test.cleanup());
    const tracker = test.start();
    const url = await adminUrl(tracker);
    await tracker.waitForLog('waiting for the CDC topic to be created by Debezium');
    assert.equal((await fetch(`${url}/healthz`)).status, 200);
    const ready = await waitUntil(
      'a 503 from /readyz',
      async () => {
        const response = await fetch(`${url}/readyz`);
        return response.status === 503 ? ((await response.json()) as { ready: boolean; reasons: string[] }) : undefined;
      },
      10_000,
    );
    assert.deepEqual(ready, { ready: false, reasons: ['the tracker is starting'] });
    await tracker.stop();
  });
});
