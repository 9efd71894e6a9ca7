/**
 * Issue 21, deliver 7, on the real stack: every metric the Grafana dashboard (dashboards/erp-delta.json)
 * queries is on /metrics of a running tracker (`erp-delta run`, with its capture watch) or loader
 * (`erp-delta deliver`), and where a series has samples, the labels the dashboard groups and
 * filters by are on them. The unit test (test/unit/metrics/dashboard.test.ts) holds the same
 * queries against the metric classes; this one holds them against what the processes serve.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dashboardMetricNames, dashboardSelectors, familyOf, readDashboard, SCRAPE_SERIES, TARGET_LABELS } from '../../support/dashboard-queries.js';
import { loaderConfig, productScenario, startLoader, startTarget } from '../../support/delivery-scenario.js';
import { testStack } from '../../support/test-stack.js';
import { waitUntil } from '../../support/tracker-harness.js';

/** What one /metrics answer says: each family's TYPE, and the label names each series' samples carry. */
interface Exposition {
  types: Map<string, string>;
  sampleLabels: Map<string, Set<string>>;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? \S+$/;

function parseExposition(text: string): Exposition {
  const types = new Map<string, string>();
  const sampleLabels = new Map<string, Set<string>>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type?.[1] && type[2]) types.set(type[1], type[2]);
    if (line === '' || line.startsWith('#')) continue;
    const sample = SAMPLE.exec(line);
    assert.ok(sample?.[1], `not a Prometheus sample line: ${JSON.stringify(line)}`);
    const labels = sampleLabels.get(sample[1]) ?? new Set<string>();
    // Label names only: the values are quoted strings that may hold anything, so skip them whole.
    for (const match of (sample[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="(?:[^"\\]|\\.)*"/g)) if (match[1]) labels.add(match[1]);
    sampleLabels.set(sample[1], labels);
  }
  return { types, sampleLabels };
}

async function scrape(adminUrl: string): Promise<Exposition> {
  const response = await fetch(`${adminUrl}/metrics`);
  assert.equal(response.status, 200);
  return parseExposition(await response.text());
}

/** Series that have samples once a few products went through the tracker and the loader: the dashboard's main panels. */
const WITH_SAMPLES = [
  'erp_delta_records_seen_total',
  'erp_delta_deltas_emitted_total',
  'erp_delta_consumer_lag',
  'erp_delta_capture_connect_up',
  'erp_delta_capture_connector_up',
  'erp_delta_capture_connector_state',
  'erp_delta_delivery_deltas_total',
  'erp_delta_delivery_lag',
  'erp_delta_delivery_latency_seconds_bucket',
  'erp_delta_delivery_request_seconds_count',
];

describe('Grafana dashboard: its metrics on a running tracker and loader', () => {
  it('finds every metric the dashboard queries in /metrics, with the labels it uses', async (t) => {
    const { rows, test, tracker } = await productScenario(t, {
      name: 'dashboard-metrics',
      codePrefix: 'DM',
      rowCount: 5,
      // The capture gauges are registered only with a capture section (the shipped config has one).
      trackerConfig: (config) => {
        config['capture'] = { pollIntervalMs: 1_000, connect: { url: testStack().component('connect').endpoint() }, database: { checkIntervalMs: 2_000 } };
      },
    });
    const trackerUrl = `http://127.0.0.1:${String((await tracker.waitForLog('admin endpoint: /healthz /readyz /metrics'))['port'])}`;
    const target = await startTarget(t);
    const loader = startLoader(t, target.url, loaderConfig(test, {}));
    const loaderUrl = await loader.adminUrl();
    await waitUntil(
      'every product at the target',
      async () => {
        const { received } = await target.state();
        return rows.every((code) => received.some((entry) => entry.delta.key === code));
      },
      60_000,
      () => loader.stderr().slice(-2_000),
    );
    // The capture watch's first poll, and the loader's lag, are read when scraped: wait for their samples.
    const [trackerMetrics, loaderMetrics] = await waitUntil(
      'samples of the capture and lag gauges',
      async () => {
        const scraped = [await scrape(trackerUrl), await scrape(loaderUrl)] as const;
        const sampled = (name: string): boolean => scraped.some(({ sampleLabels }) => sampleLabels.has(name));
        return WITH_SAMPLES.every(sampled) ? scraped : undefined;
      },
      30_000,
      () => `${tracker.tail(10)}\n${loader.stderr().slice(-1_500)}`,
    );

    const histograms = new Set([...trackerMetrics.types, ...loaderMetrics.types].filter(([, type]) => type === 'histogram').map(([name]) => name));
    const queried = dashboardMetricNames().filter((name) => !SCRAPE_SERIES.has(name));
    const served = (name: string): string | undefined => {
      const family = familyOf(name, histograms);
      if (trackerMetrics.types.has(family)) return 'tracker';
      if (loaderMetrics.types.has(family)) return 'loader';
      return undefined;
    };
    assert.deepEqual(
      queried.filter((name) => served(name) === undefined),
      [],
      "every queried metric has a `# TYPE` line on the tracker's or the loader's /metrics",
    );
    // Each process serves its own: a metric on the wrong one would show the other's panels empty.
    assert.deepEqual(
      queried.filter((name) => name.startsWith('erp_delta_delivery_') && served(name) !== 'loader'),
      [],
    );
    assert.deepEqual(
      queried.filter((name) => !name.startsWith('erp_delta_delivery_') && served(name) !== 'tracker'),
      [],
    );
    assert.ok(queried.length >= 30, `the dashboard queries ${queried.length} metrics`);

    const wrongLabels: string[] = [];
    for (const query of dashboardSelectors(readDashboard())) {
      const uses = [...query.selectors.map(({ metric, labels }) => ({ metric, labels })), ...query.groupings.flatMap(({ metrics, labels }) => metrics.map((metric) => ({ metric, labels })))];
      for (const { metric, labels } of uses) {
        const sampled = trackerMetrics.sampleLabels.get(metric) ?? loaderMetrics.sampleLabels.get(metric);
        if (!sampled) continue;
        for (const label of labels)
          if (!sampled.has(label) && !TARGET_LABELS.includes(label)) wrongLabels.push(`${query.where}: ${metric} samples have no label ${label} (they have ${[...sampled].join(', ')})`);
      }
    }
    assert.deepEqual(wrongLabels, []);

    assert.equal(await loader.stop(), 0);
    await tracker.stop();
  });
});
