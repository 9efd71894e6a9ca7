/**
 * Issue 21, deliver 7: the Grafana dashboard (dashboards/erp-delta.json) queries only metrics and
 * labels the code registers, so that renaming a metric in src/ fails here instead of leaving a
 * blank panel in production. The registered metrics come from the registries the Tracker and the
 * Loader build and serve /metrics from (test/integration/metrics/dashboard-metrics.test.ts checks
 * the running processes too).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import type { Registry } from 'prom-client';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../../../src/config/load-config.js';
import { Loader } from '../../../src/delivery/loader.js';
import { WatchedTracker } from '../../../src/cli/watched-tracker.js';
import {
  allPanels,
  dashboardSelectors,
  parsePromQL,
  parseVariableQuery,
  readDashboard,
  SCRAPE_SERIES,
  TARGET_LABELS,
  type Dashboard,
  type DashboardQuery,
  type ParsedQuery,
} from '../../support/dashboard-queries.js';

/** One series name Prometheus stores: a counter or gauge as named, a histogram's `_bucket`/`_sum`/`_count`. */
interface Series {
  family: string;
  type: string;
  labels: ReadonlySet<string>;
  /** Which process serves it. */
  source: 'tracker' | 'loader' | 'prometheus';
}

type Catalogue = ReadonlyMap<string, Series>;

/**
 * The label names a metric was declared with. prom-client keeps them on the metric object but its
 * types do not say so, hence the runtime check instead of a cast to a shape it may not have.
 */
function declaredLabels(registry: Registry, name: string): string[] {
  const metric: unknown = registry.getSingleMetric(name);
  const labelNames = typeof metric === 'object' && metric !== null && 'labelNames' in metric ? metric.labelNames : undefined;
  assert.ok(Array.isArray(labelNames) && labelNames.every((label) => typeof label === 'string'), `${name}: prom-client no longer exposes labelNames; read the labels another way`);
  return labelNames as string[];
}

async function seriesOf(registry: Registry, source: Series['source'], into: Map<string, Series>): Promise<void> {
  for (const { name, type } of await registry.getMetricsAsJSON()) {
    // prom-client's types declare a numeric enum; the values are the exposition format's words ('histogram').
    const kind = String(type);
    const labels = declaredLabels(registry, name);
    const add = (series: string, extra: readonly string[] = []): void => {
      assert.ok(!into.has(series), `${series} is registered twice`);
      into.set(series, { family: name, type: kind, labels: new Set([...labels, ...extra]), source });
    };
    if (kind === 'histogram') {
      add(`${name}_bucket`, ['le']);
      add(`${name}_sum`);
      add(`${name}_count`);
    } else if (kind === 'summary') {
      add(name, ['quantile']);
      add(`${name}_sum`);
      add(`${name}_count`);
    } else {
      add(name);
    }
  }
}

/**
 * Every series the tracker and the loader serve: their registries as `run` and `deliver` build
 * them (the constructors register every metric and connect to nothing), with the shipped config,
 * whose `capture` section adds the capture gauges. A metric registered by a new module shows up
 * here without this test knowing of it.
 */
async function registeredSeries(): Promise<Catalogue> {
  const series = new Map<string, Series>();
  const config = loadConfig();
  assert.ok(config.capture, 'the shipped config watches the capture');
  const logger = pino({ level: 'silent' });
  await seriesOf(new WatchedTracker({ config, dataDir: join(tmpdir(), 'erp-delta-dashboard-test-unused'), logger }).metrics.registry, 'tracker', series);
  await seriesOf(new Loader({ config, target: 'http://127.0.0.1:9', logger }).metrics.registry, 'loader', series);
  for (const [name, labels] of SCRAPE_SERIES) series.set(name, { family: name, type: 'gauge', labels: new Set(labels), source: 'prometheus' });
  return series;
}

/** What is wrong with some queries against the registered series: empty when nothing. */
function queryProblems(queries: ReadonlyArray<DashboardQuery & ParsedQuery>, catalogue: Catalogue): string[] {
  const found: string[] = [];
  const labelsOf = (metric: string): ReadonlySet<string> | undefined => {
    const series = catalogue.get(metric);
    return series && new Set([...series.labels, ...TARGET_LABELS]);
  };
  for (const query of queries) {
    if (query.selectors.length === 0) found.push(`${query.where}: queries no metric: ${query.expr}`);
    for (const { metric, labels } of query.selectors) {
      const known = labelsOf(metric);
      if (!known) {
        const family = metric.replace(/_(bucket|sum|count|total)$/, '');
        const near = [...catalogue.keys()].filter((name) => name.startsWith(family) || family.startsWith(name));
        found.push(`${query.where}: no metric ${metric} is registered${near.length > 0 ? ` (registered: ${near.join(', ')})` : ''}`);
        continue;
      }
      for (const label of labels) if (!known.has(label)) found.push(`${query.where}: ${metric} has no label ${label} (it has ${[...known].join(', ')})`);
    }
    for (const { keyword, labels, metrics } of query.groupings) {
      if (metrics.length === 0) found.push(`${query.where}: \`${keyword} (${labels.join(', ')})\` groups no metric`);
      const onEvery = keyword !== 'group_left' && keyword !== 'group_right';
      for (const label of labels) {
        const having = metrics.filter((metric) => labelsOf(metric)?.has(label));
        // A metric that is not registered is reported above already.
        const registered = metrics.filter((metric) => catalogue.has(metric));
        if (onEvery ? having.length < registered.length : having.length === 0) {
          found.push(`${query.where}: \`${keyword} (${labels.join(', ')})\`: ${label} is not on ${registered.filter((metric) => !having.includes(metric)).join(', ')}`);
        }
      }
    }
  }
  return found;
}

function problems(dashboard: Dashboard, catalogue: Catalogue): string[] {
  return queryProblems(dashboardSelectors(dashboard), catalogue);
}

/** The alert rules docs/dashboard.md suggests: its YAML block of a Prometheus rule group. */
function suggestedAlerts(): Array<DashboardQuery & ParsedQuery> {
  const doc = readFileSync(join(import.meta.dirname, '..', '..', '..', 'docs', 'dashboard.md'), 'utf8');
  const block = /```yaml\n(groups:[\s\S]*?)```/.exec(doc)?.[1];
  assert.ok(block, 'docs/dashboard.md has a ```yaml block of alert rules (groups:)');
  const rules = (parseYaml(block) as { groups: Array<{ rules: Array<{ alert: string; expr: string }> }> }).groups.flatMap((group) => group.rules);
  return rules.map(({ alert, expr }) => ({ where: `alert ${alert}`, expr, ...parsePromQL(expr) }));
}

describe('Grafana dashboard: the PromQL reader', () => {
  it('finds metrics through functions, histogram_quantile, by before and after, and __name__ lists', () => {
    const parsed = parsePromQL(
      'histogram_quantile(0.95, sum by (entity, le) (rate(a_bucket{job=~"$job", entity=~"x|y"}[$__rate_interval]))) / on (entity) group_left sum(rate(b_total[5m] offset 1h)) by (entity) > 0 or vector(0)',
    );
    assert.deepEqual(parsed.selectors, [
      { metric: 'a_bucket', labels: ['job', 'entity'] },
      { metric: 'b_total', labels: [] },
    ]);
    assert.deepEqual(parsed.groupings, [
      { keyword: 'by', labels: ['entity', 'le'], metrics: ['a_bucket'] },
      { keyword: 'on', labels: ['entity'], metrics: ['a_bucket', 'b_total'] },
      { keyword: 'by', labels: ['entity'], metrics: ['b_total'] },
    ]);
    assert.deepEqual(parsePromQL('count({__name__=~"c|d", state="a}b"}) # a comment with metric_e').selectors, [
      { metric: 'c', labels: ['state'] },
      { metric: 'd', labels: ['state'] },
    ]);
    assert.deepEqual(parseVariableQuery('label_values({__name__=~"c|d", job=~"$job"}, instance)').groupings, [{ keyword: 'label_values', labels: ['instance'], metrics: ['c', 'd'] }]);
  });

  it('refuses what it cannot check rather than skip it', () => {
    assert.throws(() => parsePromQL('rat(a[5m])'), /unknown PromQL function rat/);
    assert.throws(() => parsePromQL('{__name__=~"erp_delta_.*"}'), /must list metric names/);
    assert.throws(() => parsePromQL('sum(a{b="c"'), /unclosed/);
    assert.throws(() => parseVariableQuery('query_result(a)'), /label_values/);
  });
});

describe('Grafana dashboard: dashboards/erp-delta.json', () => {
  const dashboard = readDashboard();

  it('is importable: a uid, a Prometheus datasource variable every panel uses, job and instance variables', () => {
    assert.equal(dashboard.uid, 'erp-delta');
    const variables = dashboard.templating?.list ?? [];
    const datasource = variables.find((variable) => variable.name === 'datasource');
    assert.deepEqual({ type: datasource?.type, query: datasource?.query }, { type: 'datasource', query: 'prometheus' });
    for (const name of ['job', 'instance', 'entity']) {
      const variable = variables.find((candidate) => candidate.name === name);
      assert.equal(variable?.type, 'query', `a query variable $${name}`);
      assert.deepEqual(variable?.datasource, { type: 'prometheus', uid: '${datasource}' }, `$${name} asks the chosen data source`);
    }
    const panels = allPanels(dashboard);
    const ids = panels.map((panel) => panel.id);
    assert.equal(new Set(ids).size, ids.length, 'panel ids are unique');
    for (const panel of panels.filter((candidate) => candidate.type !== 'row')) {
      assert.deepEqual(panel.datasource, { type: 'prometheus', uid: '${datasource}' }, `panel "${panel.title}" uses $datasource`);
      assert.ok((panel.targets ?? []).length > 0, `panel "${panel.title}" has a query`);
      for (const target of panel.targets ?? []) assert.deepEqual(target.datasource, panel.datasource, `panel "${panel.title}" ${target.refId}`);
    }
  });

  it('lays its panels out on the 24-column grid without overlap', () => {
    const cells = new Map<string, string>();
    for (const panel of allPanels(dashboard)) {
      const grid = panel.gridPos;
      assert.ok(grid && grid.x >= 0 && grid.w > 0 && grid.x + grid.w <= 24 && grid.h > 0, `panel "${panel.title}": ${JSON.stringify(grid)}`);
      for (let x = grid.x; x < grid.x + grid.w; x += 1) {
        for (let y = grid.y; y < grid.y + grid.h; y += 1) {
          const other = cells.get(`${x},${y}`);
          assert.equal(other, undefined, `panel "${panel.title}" overlaps "${other}"`);
          cells.set(`${x},${y}`, panel.title ?? '');
        }
      }
    }
  });

  it('queries only metrics and labels the tracker and the loader register', async () => {
    const catalogue = await registeredSeries();
    assert.deepEqual(problems(dashboard, catalogue), []);
  });

  it("filters every panel's series by $job and $instance, and by $entity where the metric has entities", async () => {
    const catalogue = await registeredSeries();
    for (const query of dashboardSelectors(dashboard).filter(({ where }) => where.startsWith('panel'))) {
      for (const { metric, labels } of query.selectors) {
        assert.ok(labels.includes('job') && labels.includes('instance'), `${query.where}: ${metric} without job and instance matchers: ${query.expr}`);
        if (catalogue.get(metric)?.labels.has('entity')) assert.ok(labels.includes('entity'), `${query.where}: ${metric} without $entity: ${query.expr}`);
      }
    }
    // The variables narrow each other in order: $instance within $job, $entity within both.
    const variable = (name: string) => dashboardSelectors(dashboard).find(({ where }) => where === `variable $${name}`);
    assert.ok(variable('instance')?.selectors.every(({ labels }) => labels.includes('job')));
    assert.ok(variable('entity')?.selectors.every(({ labels }) => labels.includes('job') && labels.includes('instance')));
  });

  it('suggests alerts in docs/dashboard.md over metrics and labels the code registers', async () => {
    const alerts = suggestedAlerts();
    assert.ok(alerts.length >= 5, `${alerts.length} alerts`);
    assert.deepEqual(queryProblems(alerts, await registeredSeries()), []);
  });

  it('shows every metric the code registers', async () => {
    const catalogue = await registeredSeries();
    const queried = new Set(dashboardSelectors(dashboard).flatMap(({ selectors }) => selectors.map(({ metric }) => catalogue.get(metric)?.family)));
    const families = new Set([...catalogue.values()].filter(({ source }) => source !== 'prometheus').map(({ family }) => family));
    assert.deepEqual(
      [...families].filter((family) => !queried.has(family)),
      [],
      'metrics with no panel: add one, or say in docs/dashboard.md why not',
    );
  });

  it('fails when a metric is renamed in src/ or a label is dropped', async () => {
    const catalogue = await registeredSeries();
    const renamed = new Map(catalogue);
    const seen = renamed.get('erp_delta_records_seen_total');
    assert.ok(seen);
    renamed.delete('erp_delta_records_seen_total');
    renamed.set('erp_delta_cdc_records_seen_total', seen);
    assert.ok(problems(dashboard, renamed).some((problem) => problem.includes('no metric erp_delta_records_seen_total is registered')));

    const withoutLe = new Map(catalogue);
    const bucket = withoutLe.get('erp_delta_delivery_latency_seconds_bucket');
    assert.ok(bucket);
    withoutLe.set('erp_delta_delivery_latency_seconds_bucket', { ...bucket, labels: new Set([...bucket.labels].filter((label) => label !== 'le')) });
    assert.ok(problems(dashboard, withoutLe).some((problem) => /erp_delta_delivery_latency_seconds_bucket.*`by \(le\)`|le is not on erp_delta_delivery_latency_seconds_bucket/.test(problem)));

    const wrongLabel: Dashboard = {
      panels: [{ id: 1, title: 'wrong', targets: [{ refId: 'A', expr: 'sum by (reason) (rate(erp_delta_records_suppressed_total{job=~"$job", instance=~"$instance", entity=~"$entity"}[5m]))' }] }],
    };
    assert.deepEqual(problems(wrongLabel, catalogue), ['panel "wrong" A: `by (reason)`: reason is not on erp_delta_records_suppressed_total']);
    const bareHistogram: Dashboard = { panels: [{ id: 1, title: 'bare', targets: [{ refId: 'A', expr: 'erp_delta_delivery_latency_seconds{job=~"$job", instance=~"$instance"}' }] }] };
    assert.match(problems(bareHistogram, catalogue)[0] ?? '', /no metric erp_delta_delivery_latency_seconds is registered/);
  });
});
