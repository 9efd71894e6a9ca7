import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readiness } from '../admin/readiness.js';
import type { CaptureHealth } from '../capture/capture-health.js';
import { ErpDeltaError, type ErrorCode, isErpDeltaError } from '../errors/erp-delta-error.js';
import { projectFiles } from '../project-files.js';
import type { RefreshStatus } from '../refresh/refresh-status.js';
import { CounterHistory, emptyCounters, type EntityCounters, type RatePoint } from './counter-history.js';
import type { AssignmentMapping, PositionStatus, TrackerActions, TrackerView } from './tracker-view.js';

/** How often the counters are sampled for the charts: 240 points make an hour. */
const SAMPLE_INTERVAL_MS = 15_000;

/** The biggest request body the page sends (an assignment): anything larger is not the page. */
const MAX_BODY_BYTES = 16 * 1024;

/** GET /api/status: everything the page shows, in one answer. */
export interface StatusAnswer {
  atMs: number;
  readiness: Readiness;
  entities: Array<{ name: string; counters: EntityCounters; lag: number | null; ratesPerMinute: RatePoint[]; sourcePositions: (PositionStatus & { epoch: number }) | null }>;
  refresh: RefreshStatus;
  capture: CaptureHealth | null;
  assignment: AssignmentMapping | null;
}

/**
 * The status page at `/` of the admin endpoint and the small JSON API behind it (issue 6). The
 * page is one static HTML file (static/status.html) with its script inline: nothing is built at
 * run time, and what the page shows is exactly what /api/status answers.
 *
 * The page can write (start a refresh, change the mapping), so writes are POSTs with a JSON body:
 * a browser sends those cross-origin only after a CORS preflight, which this server never grants,
 * so another site open in the operator's browser cannot drive them.
 */
export class StatusPage {
  private readonly history = new CounterHistory();
  private timer: NodeJS.Timeout | undefined;
  /** The page's HTML, read once: it ships with the package and does not change while running. */
  private html: Promise<Buffer> | undefined;

  constructor(private readonly source: TrackerView & TrackerActions) {}

  /** Starts sampling the counters for the charts (AdminServer starts and stops it with itself). */
  start(): void {
    const sample = (): void => {
      void this.source.entityCounters().then(
        (counters) => this.history.record(Date.now(), counters),
        () => undefined,
      );
    };
    sample();
    this.timer = setInterval(sample, SAMPLE_INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Answers the request if it is the page's; false leaves it to the caller. */
  async handle(path: string, request: IncomingMessage, response: ServerResponse): Promise<boolean> {
    try {
      switch (`${request.method ?? 'GET'} ${path}`) {
        case 'GET /':
          response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(await (this.html ??= readFile(join(projectFiles.root, 'static', 'status.html'))));
          return true;
        case 'GET /api/status':
          json(response, 200, await this.status());
          return true;
        case 'GET /api/deltas': {
          const query = new URL(request.url ?? '/', 'http://admin').searchParams;
          json(response, 200, await this.source.deltaHistory(requiredParameter(query.get('entity'), 'entity'), requiredParameter(query.get('key'), 'key')));
          return true;
        }
        case 'POST /api/refresh': {
          await readJsonBody(request);
          const refresh = await this.source.requestRefresh('status page');
          json(response, 202, { id: refresh.id, entities: refresh.entities });
          return true;
        }
        case 'POST /api/assignments': {
          const body = await readJsonBody(request);
          const repCode = body['repCode'];
          const userId = body['userId'];
          if (typeof repCode !== 'string') throw new ErpDeltaError('INVALID_OPTION', 'The body needs "repCode" as a string.');
          if (userId !== null && typeof userId !== 'string') throw new ErpDeltaError('INVALID_OPTION', 'The body needs "userId" as a string, or null to unassign.');
          json(response, 200, await this.source.assign(repCode, userId));
          return true;
        }
        default:
          return false;
      }
    } catch (error) {
      return answerError(response, error, 'REFRESH_REFUSED');
    }
  }

  private async status(): Promise<StatusAnswer> {
    const atMs = Date.now();
    const [counters, lag, readiness] = await Promise.all([this.source.entityCounters(), this.source.consumerLag().catch((): Record<string, number> => ({})), this.source.readiness()]);
    const rates = this.history.rates({ atMs, counters });
    const positions = this.source.sourcePositions();
    return {
      atMs,
      readiness,
      entities: this.source.entityNames().map((name) => ({
        name,
        counters: counters[name] ?? emptyCounters(),
        lag: lag[name] ?? null,
        ratesPerMinute: rates[name] ?? [],
        sourcePositions: positions[name] ?? null,
      })),
      refresh: this.source.refreshStatus(),
      capture: this.source.captureHealth?.() ?? null,
      assignment: this.source.assignmentMapping(),
    };
  }
}

/**
 * An action of a status page that failed on purpose, as its answer: 503 when trying again later
 * can work, 409 for `conflict` (the action is already running), 400 for anything else the
 * request got wrong. Anything else is not the page's to answer: it is thrown again.
 */
export function answerError(response: ServerResponse, error: unknown, conflict: ErrorCode): true {
  if (!isErpDeltaError(error)) throw error;
  const status = error.retriable ? 503 : error.code === conflict ? 409 : 400;
  json(response, status, { error: { code: error.code, message: error.message, hint: error.hint } });
  return true;
}

export function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(`${JSON.stringify(body)}\n`);
}

function requiredParameter(value: string | null, name: string): string {
  if (value === null || value.trim() === '') throw new ErpDeltaError('INVALID_OPTION', `The query parameter "${name}" is missing.`);
  return value;
}

export async function readJsonBody(request: IncomingMessage): Promise<Record<string, unknown>> {
  if (!(request.headers['content-type'] ?? '').startsWith('application/json')) {
    throw new ErpDeltaError('INVALID_OPTION', 'A write needs a JSON body (content-type: application/json).');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new ErpDeltaError('INVALID_OPTION', `The body is over ${MAX_BODY_BYTES} bytes.`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  let parsed: unknown;
  try {
    parsed = text === '' ? {} : JSON.parse(text);
  } catch (error) {
    throw new ErpDeltaError('INVALID_OPTION', `The body is not JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ErpDeltaError('INVALID_OPTION', 'The body must be a JSON object.');
  return parsed as Record<string, unknown>;
}
