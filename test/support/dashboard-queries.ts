/**
 * What the Grafana dashboard (dashboards/erp-delta.json) asks Prometheus: every PromQL query of its
 * panels and variables, and the metric and label names in them. The unit test holds them against
 * the metrics the code registers, the integration test against a running tracker's and loader's
 * /metrics: a metric renamed in src/ then fails a test instead of leaving a blank panel.
 *
 * The PromQL reader is small on purpose: it knows the grammar's shape (selectors, label matchers,
 * ranges, function calls, aggregation modifiers) and refuses what it does not know, so that a
 * query it cannot read fails the test rather than being skipped.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const DASHBOARD_PATH = join(import.meta.dirname, '..', '..', 'dashboards', 'erp-delta.json');

/** A query of the dashboard and where it is, for failure messages. */
export interface DashboardQuery {
  where: string;
  expr: string;
}

/** A metric selector: `name{label="..."}`, or `{__name__=~"a|b"}` (one selector per name). */
export interface Selector {
  metric: string;
  /** Label names its matchers use. */
  labels: string[];
}

/**
 * Label names of `by (...)`, `without (...)`, `on (...)`, `ignoring (...)`: each must be on every
 * metric of `metrics` (the aggregation's argument, or both sides of the binary operation).
 * `group_left`/`group_right` labels need only be on one of them.
 */
export interface Grouping {
  keyword: string;
  labels: string[];
  metrics: string[];
}

export interface ParsedQuery {
  selectors: Selector[];
  groupings: Grouping[];
}

/** Functions and aggregations a dashboard query may call; an unknown name (a typo, `rat(`) fails. */
const FUNCTIONS = new Set([
  // aggregation operators
  'sum',
  'min',
  'max',
  'avg',
  'group',
  'stddev',
  'stdvar',
  'count',
  'count_values',
  'bottomk',
  'topk',
  'quantile',
  'limitk',
  'limit_ratio',
  // functions
  'abs',
  'absent',
  'absent_over_time',
  'ceil',
  'changes',
  'clamp',
  'clamp_max',
  'clamp_min',
  'day_of_month',
  'day_of_week',
  'day_of_year',
  'days_in_month',
  'delta',
  'deriv',
  'exp',
  'floor',
  'histogram_avg',
  'histogram_count',
  'histogram_fraction',
  'histogram_quantile',
  'histogram_stddev',
  'histogram_stdvar',
  'histogram_sum',
  'hour',
  'idelta',
  'increase',
  'irate',
  'label_join',
  'label_replace',
  'ln',
  'log2',
  'log10',
  'minute',
  'month',
  'predict_linear',
  'rate',
  'resets',
  'round',
  'scalar',
  'sgn',
  'sort',
  'sort_desc',
  'sort_by_label',
  'sort_by_label_desc',
  'sqrt',
  'time',
  'timestamp',
  'vector',
  'year',
  'avg_over_time',
  'min_over_time',
  'max_over_time',
  'sum_over_time',
  'count_over_time',
  'quantile_over_time',
  'stddev_over_time',
  'stdvar_over_time',
  'last_over_time',
  'present_over_time',
  'mad_over_time',
]);

/** Words of PromQL that are neither metrics nor functions. */
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'atan2', 'inf', 'nan']);
const MODIFIERS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);

type TokenKind = 'ident' | 'string' | 'number' | 'variable' | 'punct' | 'op';

interface Token {
  kind: TokenKind;
  text: string;
  /** For a string: its value, unquoted. */
  value?: string;
}

const PATTERNS: ReadonlyArray<[TokenKind | 'space' | 'comment', RegExp]> = [
  ['space', /^\s+/],
  ['comment', /^#[^\n]*/],
  ['string', /^"(?:[^"\\]|\\.)*"|^'(?:[^'\\]|\\.)*'|^`[^`]*`/],
  // A Grafana variable in place of a duration or a value: $__rate_interval, ${job}, [[job]].
  ['variable', /^\$\{[^}]+\}|^\$[a-zA-Z_][a-zA-Z0-9_]*|^\[\[[^\]]+\]\]/],
  // Numbers and durations (5m, 1h30m, 0.95, 1e3).
  ['number', /^(?:0x[0-9a-fA-F]+|[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)(?:[a-zA-Z]+[0-9]*)*/],
  ['ident', /^[a-zA-Z_:][a-zA-Z0-9_:]*/],
  ['op', /^(?:=~|!~|!=|==|<=|>=|[=<>+\-*/%^@])/],
  ['punct', /^[(){}[\],]/],
];

export function tokenize(expr: string): Token[] {
  const tokens: Token[] = [];
  let rest = expr;
  while (rest.length > 0) {
    let matched = false;
    for (const [kind, pattern] of PATTERNS) {
      const match = pattern.exec(rest);
      if (!match) continue;
      const text = match[0];
      rest = rest.slice(text.length);
      matched = true;
      if (kind === 'space' || kind === 'comment') break;
      // JSON.parse reads PromQL's double-quoted escapes; single and back quotes hold no variables or escapes the dashboard uses.
      tokens.push(kind === 'string' ? { kind, text, value: text.startsWith('"') ? (JSON.parse(text) as string) : text.slice(1, -1) } : { kind, text });
      break;
    }
    if (!matched) throw new Error(`cannot read PromQL at ${JSON.stringify(rest.slice(0, 20))} in ${expr}`);
  }
  return tokens;
}

/** The index of the bracket that closes the one at `open`. */
function closing(tokens: readonly Token[], open: number, expr: string): number {
  const pairs: Record<string, string> = { '(': ')', '{': '}', '[': ']' };
  const opener = tokens[open]?.text ?? '';
  const closer = pairs[opener];
  if (closer === undefined) throw new Error(`no bracket at token ${open} of ${expr}`);
  let depth = 0;
  for (let index = open; index < tokens.length; index += 1) {
    const text = tokens[index]?.text;
    if (text === opener) depth += 1;
    else if (text === closer) {
      depth -= 1;
      if (depth === 0) return index;
    }
  }
  throw new Error(`unclosed ${opener} in ${expr}`);
}

/** Reads `{a="x", b=~"y"}` from `open`: the label names and the metric names a __name__ matcher gives. */
function readMatchers(tokens: readonly Token[], open: number, end: number, expr: string): { labels: string[]; names: string[] } {
  const labels: string[] = [];
  const names: string[] = [];
  let index = open + 1;
  while (index < end) {
    const label = tokens[index];
    const op = tokens[index + 1];
    const value = tokens[index + 2];
    if (label?.kind !== 'ident' || op?.kind !== 'op' || !['=', '!=', '=~', '!~'].includes(op.text) || value?.kind !== 'string' || value.value === undefined) {
      throw new Error(
        `cannot read the label matchers ${tokens
          .slice(open, end + 1)
          .map((token) => token.text)
          .join('')} in ${expr}`,
      );
    }
    if (label.text === '__name__') {
      // Only names spelled out (a|b) can be checked: a real regular expression would match anything.
      if (!(op.text === '=' || op.text === '=~') || !/^[a-zA-Z_:][a-zA-Z0-9_:]*(\|[a-zA-Z_:][a-zA-Z0-9_:]*)*$/.test(value.value)) {
        throw new Error(`a __name__ matcher must list metric names (a|b): ${label.text}${op.text}${value.text} in ${expr}`);
      }
      names.push(...value.value.split('|'));
    } else {
      labels.push(label.text);
    }
    index += 3;
    if (tokens[index]?.text === ',') index += 1;
  }
  return { labels, names };
}

/** The label names of `(a, b)` at `open`. */
function readLabelList(tokens: readonly Token[], open: number, end: number, expr: string): string[] {
  const labels: string[] = [];
  for (let index = open + 1; index < end; index += 1) {
    const token = tokens[index];
    if (token?.kind === 'ident') labels.push(token.text);
    else if (token?.text !== ',')
      throw new Error(
        `cannot read the label list ${tokens
          .slice(open, end + 1)
          .map((item) => item.text)
          .join(' ')} in ${expr}`,
      );
  }
  return labels;
}

/** Selectors between two token indexes (end exclusive), with their metric names. */
function metricsBetween(selectors: ReadonlyArray<Selector & { at: number }>, from: number, to: number): string[] {
  return [...new Set(selectors.filter(({ at }) => at >= from && at < to).map(({ metric }) => metric))];
}

export function parsePromQL(expr: string): ParsedQuery {
  const tokens = tokenize(expr);
  const selectors: Array<Selector & { at: number }> = [];
  /** Modifiers found, resolved to metrics once every selector is known. */
  const pending: Array<{ keyword: string; labels: string[]; scope: [number, number] }> = [];
  /** Open parentheses, to find the scope of on/ignoring: the innermost group around them. */
  const parens: number[] = [];
  const scopeOf = (): [number, number] => {
    const open = parens.at(-1);
    return open === undefined ? [0, tokens.length] : [open, closing(tokens, open, expr)];
  };

  for (let index = 0; index < tokens.length; index += 1) {
    const token = tokens[index] as Token;
    const next = tokens[index + 1];
    if (token.text === '(') parens.push(index);
    else if (token.text === ')') parens.pop();
    else if (token.text === '[') index = closing(tokens, index, expr);
    else if (token.text === '{') {
      const end = closing(tokens, index, expr);
      const { labels, names } = readMatchers(tokens, index, end, expr);
      if (names.length === 0) throw new Error(`a selector without a metric name in ${expr}`);
      for (const metric of names) selectors.push({ metric, labels, at: index });
      index = end;
    } else if (token.kind === 'ident') {
      const word = token.text.toLowerCase();
      if (MODIFIERS.has(word) && next?.text === '(') {
        const end = closing(tokens, index + 1, expr);
        const labels = readLabelList(tokens, index + 1, end, expr);
        if (word === 'by' || word === 'without') {
          // `sum by (l) (body)` or `sum (body) by (l)`.
          const before = tokens[index - 1];
          if (tokens[end + 1]?.text === '(' && before?.kind === 'ident' && FUNCTIONS.has(before.text)) {
            pending.push({ keyword: word, labels, scope: [end + 1, closing(tokens, end + 1, expr)] });
          } else if (before?.text === ')') {
            let open = index - 1;
            for (let depth = 0; open >= 0; open -= 1) {
              const text = tokens[open]?.text;
              if (text === ')') depth += 1;
              else if (text === '(' && --depth === 0) break;
            }
            pending.push({ keyword: word, labels, scope: [open, index] });
          } else {
            throw new Error(`cannot tell what \`${word} (${labels.join(', ')})\` groups in ${expr}`);
          }
        } else {
          pending.push({ keyword: word, labels, scope: scopeOf() });
        }
        index = end;
      } else if (KEYWORDS.has(word) || MODIFIERS.has(word) || (FUNCTIONS.has(token.text) && next?.kind === 'ident' && MODIFIERS.has(next.text.toLowerCase()))) {
        // A keyword, or an aggregation whose `by (...)` comes first (`sum by (l) (...)`).
        continue;
      } else if (next?.text === '(') {
        if (!FUNCTIONS.has(token.text)) throw new Error(`unknown PromQL function ${token.text} in ${expr}`);
      } else if (next?.text === '{') {
        const end = closing(tokens, index + 1, expr);
        const { labels, names } = readMatchers(tokens, index + 1, end, expr);
        if (names.length > 0) throw new Error(`a selector with a name and a __name__ matcher in ${expr}`);
        selectors.push({ metric: token.text, labels, at: index });
        index = end;
      } else {
        selectors.push({ metric: token.text, labels: [], at: index });
      }
    }
  }
  const groupings = pending.map(({ keyword, labels, scope }) => ({ keyword, labels, metrics: metricsBetween(selectors, scope[0], scope[1]) }));
  return { selectors: selectors.map(({ metric, labels }) => ({ metric, labels })), groupings };
}

/**
 * A variable's `label_values(selector, label)`: Grafana's, not PromQL. Read as the selector and a
 * grouping by the label, which must be on every metric of the selector.
 */
export function parseVariableQuery(query: string): ParsedQuery {
  const match = /^label_values\((.+),\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)$/.exec(query.trim());
  if (!match?.[1] || !match[2]) throw new Error(`a variable query must be label_values(selector, label): ${query}`);
  const parsed = parsePromQL(match[1]);
  return { selectors: parsed.selectors, groupings: [...parsed.groupings, { keyword: 'label_values', labels: [match[2]], metrics: [...new Set(parsed.selectors.map(({ metric }) => metric))] }] };
}

// ---------------------------------------------------------------------------------------------
// The dashboard's JSON

export interface DashboardTarget {
  expr?: string;
  refId?: string;
  datasource?: { type?: string; uid?: string };
}
export interface DashboardPanel {
  id?: number;
  type?: string;
  title?: string;
  datasource?: { type?: string; uid?: string };
  gridPos?: { h: number; w: number; x: number; y: number };
  targets?: DashboardTarget[];
  panels?: DashboardPanel[];
}
export interface DashboardVariable {
  name?: string;
  type?: string;
  query?: string | { query?: string };
  datasource?: { type?: string; uid?: string };
}
export interface Dashboard {
  uid?: string;
  title?: string;
  panels?: DashboardPanel[];
  templating?: { list?: DashboardVariable[] };
}

export function readDashboard(path = DASHBOARD_PATH): Dashboard {
  return JSON.parse(readFileSync(path, 'utf8')) as Dashboard;
}

/** Every panel, those inside collapsed rows too. */
export function allPanels(dashboard: Dashboard): DashboardPanel[] {
  return (dashboard.panels ?? []).flatMap((panel) => [panel, ...(panel.panels ?? [])]);
}

/** Every PromQL query of the panels. */
export function panelQueries(dashboard: Dashboard): DashboardQuery[] {
  return allPanels(dashboard).flatMap((panel) => (panel.targets ?? []).map((target) => ({ where: `panel "${panel.title ?? panel.id}" ${target.refId ?? ''}`, expr: target.expr ?? '' })));
}

/** The query variables' queries (a string, or Grafana 10's `{ query }` object). */
export function variableQueries(dashboard: Dashboard): DashboardQuery[] {
  return (dashboard.templating?.list ?? [])
    .filter((variable) => variable.type === 'query')
    .map((variable) => ({
      where: `variable $${variable.name ?? '?'}`,
      expr: typeof variable.query === 'string' ? variable.query : (variable.query?.query ?? ''),
    }));
}

/** Every query of the dashboard, parsed. */
export function dashboardSelectors(dashboard: Dashboard): Array<DashboardQuery & ParsedQuery> {
  return [...panelQueries(dashboard).map((query) => ({ ...query, ...parsePromQL(query.expr) })), ...variableQueries(dashboard).map((query) => ({ ...query, ...parseVariableQuery(query.expr) }))];
}

/** The metric names (series names, e.g. `..._bucket`) the dashboard queries. */
export function dashboardMetricNames(dashboard: Dashboard = readDashboard()): string[] {
  return [...new Set(dashboardSelectors(dashboard).flatMap(({ selectors }) => selectors.map(({ metric }) => metric)))].sort();
}

/** The metric family a series name belongs to: `x_bucket`, `x_sum`, `x_count` are histogram x's, if x is one. */
export function familyOf(series: string, histograms: ReadonlySet<string>): string {
  const match = /^(.*)_(bucket|sum|count)$/.exec(series);
  return match?.[1] !== undefined && histograms.has(match[1]) ? match[1] : series;
}

/**
 * Series Prometheus makes itself for every target: `up` (and so never in /metrics). The dashboard
 * may query these; both tests name them as the only exception.
 */
export const SCRAPE_SERIES: ReadonlyMap<string, readonly string[]> = new Map([['up', []]]);

/** Labels Prometheus adds to every scraped series (its target labels). */
export const TARGET_LABELS: readonly string[] = ['job', 'instance'];
