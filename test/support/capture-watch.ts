/**
 * What the capture health tests (test/integration/capture) look at: a tracker's /readyz, /metrics
 * and log, and Kafka Connect's own view of a connector.
 */
import type { Browser, Page } from 'playwright-core';
import { ConnectRestClient } from '../../src/capture/connect-rest.js';
import { launchChromium } from './browser.js';
import { testStack } from './test-stack.js';
import { waitUntil, type LogLine, type TrackerProcess } from './tracker-harness.js';

/** The shipped connector (connectors/erp-postgres.json), which every tracker test reads through. */
export const SHIPPED_CONNECTOR = 'erp-postgres';

export function testConnect(): ConnectRestClient {
  return new ConnectRestClient(testStack().component('connect').endpoint());
}

/** The admin endpoint of a tracker, e.g. `http://127.0.0.1:40123`. */
export async function adminBase(tracker: TrackerProcess): Promise<string> {
  const line = await tracker.waitForLog('admin endpoint: /healthz /readyz /metrics');
  return `http://127.0.0.1:${String(line['port'])}`;
}

export interface ReadyzAnswer {
  status: number;
  ready: boolean;
  reasons: string[];
}

export async function readyz(base: string, query = ''): Promise<ReadyzAnswer> {
  const response = await fetch(`${base}/readyz${query}`);
  const body = (await response.json()) as { ready: boolean; reasons: string[] };
  return { status: response.status, ready: body.ready, reasons: body.reasons };
}

/** Waits until /readyz answers as `check` wants; returns that answer. */
export function waitReadyz(base: string, what: string, check: (answer: ReadyzAnswer) => boolean, timeoutMs: number, describe?: () => string): Promise<ReadyzAnswer> {
  let last: ReadyzAnswer | undefined;
  return waitUntil(
    what,
    async () => {
      try {
        last = await readyz(base);
      } catch (error) {
        // The tracker is gone: what it said last tells why.
        throw new Error(`${what}: /readyz did not answer (${(error as Error).message})${describe ? `\n${describe()}` : ''}`, { cause: error });
      }
      return check(last) ? last : undefined;
    },
    timeoutMs,
    () => `last /readyz: ${JSON.stringify(last)}${describe ? `\n${describe()}` : ''}`,
  );
}

/** One sample of /metrics, e.g. metric(base, 'erp_delta_capture_connector_up', { connector: 'erp-postgres' }). */
export async function metric(base: string, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const text = await (await fetch(`${base}/metrics`)).text();
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map(([, key, value]) => [key, value]));
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) return Number(match[3]);
  }
  return undefined;
}

/** The connector's capture state as the metrics say it (the state whose series is 1). */
export async function metricState(base: string, connector: string): Promise<string | undefined> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const match = new RegExp(`^erp_delta_capture_connector_state\\{connector="${connector}",state="([A-Z]+)"\\} 1$`, 'm').exec(text);
  return match?.[1];
}

/** The states the tracker logged for a connector, in order: one line per change. */
export function loggedStates(tracker: TrackerProcess, connector: string): string[] {
  return tracker.lines.filter((line: LogLine) => line.msg === 'capture: connector state changed' && line['connector'] === connector).map((line) => String(line['state']));
}

/** Waits until Connect says the connector and all its tasks run. */
export async function waitConnectorRunning(connect: ConnectRestClient, name: string, timeoutMs = 120_000): Promise<void> {
  await waitUntil(
    `connector ${name} to run`,
    async () => {
      const status = await connect.status(name).catch(() => undefined);
      return status?.connector.state === 'RUNNING' && status.tasks.length > 0 && status.tasks.every((task) => task.state === 'RUNNING');
    },
    timeoutMs,
  );
}

/** A browser on a tracker's status page, once the page has loaded its first data. */
export async function openStatusPage(base: string): Promise<{ browser: Browser; page: Page }> {
  const browser = await launchChromium();
  const page = await browser.newPage();
  await page.goto(`${base}/`);
  await page.waitForSelector('body[data-loaded="true"]');
  return { browser, page };
}

/** The state the status page shows for a connector (its row's data-state), polling the page's own refresh. */
export function waitPageState(page: Page, connector: string, state: string, timeoutMs = 30_000): Promise<true> {
  return waitUntil(
    `the status page to show ${connector} ${state}`,
    async () =>
      (await page
        .locator(`#capture-rows tr[data-connector="${connector}"]`)
        .getAttribute('data-state')
        .catch(() => null)) === state || undefined,
    timeoutMs,
  );
}
