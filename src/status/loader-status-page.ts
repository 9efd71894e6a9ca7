import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readiness } from '../admin/readiness.js';
import { ErpDeltaError } from '../errors/erp-delta-error.js';
import type { DeliveryStatus, DeliveryWait } from '../metrics/delivery-metrics.js';
import { projectFiles } from '../project-files.js';
import type { DeadLetterCountsAt } from './dead-letter-counts.js';
import { answerError, json, readJsonBody } from './status-page.js';

/** What became of the refused deltas of an entity that the page re-sent (`dlq replay --target`'s outcomes). */
export interface ResendResult {
  entity: string;
  summary: Record<string, number>;
  results: Array<{ key: string | null; offset: number | undefined; outcome: string; detail: string }>;
}

/** What the loader's page reads from and acts on: the running loader (cli/delivery-commands.ts wires it). */
export interface LoaderStatusSource {
  target: string;
  groupId: string;
  limits: { maxRequestsPerSecond: number | null; maxBodyBytes: number | null; retryAfterMaxMs: number; batchSize: number };
  entityNames(): string[];
  delivery(): DeliveryStatus;
  lag(): Promise<Record<string, number>>;
  readiness(): Promise<Readiness>;
  /** The refused deltas each entity has in the dead-letter topic. */
  deadLetters(): Promise<DeadLetterCountsAt>;
  /** Re-sends an entity's refused deltas to the target, as `dlq replay --entity E --target URL` does. */
  resendRefused(entity: string): Promise<ResendResult>;
}

/** GET /api/status of the loader's page. */
export interface LoaderStatusAnswer {
  atMs: number;
  readiness: Readiness;
  target: string;
  groupId: string;
  limits: LoaderStatusSource['limits'];
  entities: Array<{
    name: string;
    delivered: number;
    retried: number;
    refused: number;
    inDeadLetters: number | null;
    lag: number | null;
    requests: number;
    averageAnswerMs: number | null;
    waitedMs: Record<DeliveryWait, number>;
    lastDeliveredAtMs: number | null;
  }>;
  deadLettersAtMs: number | null;
  lastError: DeliveryStatus['lastError'];
  lastRetryAfter: DeliveryStatus['lastRetryAfter'];
}

/**
 * The status page of `erp-delta deliver` at `/` of its admin endpoint, and its JSON API: per
 * entity what was delivered, retried, refused and is in the dead-letter topic, the group's lag,
 * and why it grows (the target's answer time, waits on the configured rate, on Retry-After, on
 * backoff); the last error and the target's last Retry-After; and a button that re-sends an
 * entity's refused deltas. One static file (static/loader-status.html), as the tracker's page.
 *
 * The re-send writes, so it is a POST with a JSON body, as the tracker page's writes are: a
 * browser sends that cross-origin only after a CORS preflight this server never grants, and a
 * GET (a link, an image, a prefetch) never reaches it.
 */
export class LoaderStatusPage {
  private html: Promise<Buffer> | undefined;
  private resending: string | undefined;

  constructor(private readonly source: LoaderStatusSource) {}

  start(): void {
    // Reads the dead-letter topic once at start, so the first page view has its counts.
    void this.source.deadLetters().catch(() => undefined);
  }

  stop(): void {}

  async handle(path: string, request: IncomingMessage, response: ServerResponse): Promise<boolean> {
    try {
      switch (`${request.method ?? 'GET'} ${path}`) {
        case 'GET /':
          response
            .writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
            .end(await (this.html ??= readFile(join(projectFiles.root, 'static', 'loader-status.html'))));
          return true;
        case 'GET /api/status':
          json(response, 200, await this.status());
          return true;
        case 'POST /api/resend': {
          const body = await readJsonBody(request);
          const entity = body['entity'];
          if (typeof entity !== 'string' || !this.source.entityNames().includes(entity)) {
            throw new ErpDeltaError('INVALID_OPTION', `The body needs "entity", one of: ${this.source.entityNames().join(', ')}.`);
          }
          if (this.resending !== undefined) throw new ErpDeltaError('RESEND_RUNNING', `The refused deltas of ${this.resending} are being re-sent: wait for that first.`);
          this.resending = entity;
          try {
            json(response, 200, await this.source.resendRefused(entity));
          } finally {
            this.resending = undefined;
          }
          return true;
        }
        default:
          return false;
      }
    } catch (error) {
      return answerError(response, error, 'RESEND_RUNNING');
    }
  }

  private async status(): Promise<LoaderStatusAnswer> {
    const atMs = Date.now();
    const [lag, readiness, deadLetters] = await Promise.all([this.source.lag().catch((): Record<string, number> => ({})), this.source.readiness(), this.source.deadLetters().catch(() => undefined)]);
    const delivery = this.source.delivery();
    return {
      atMs,
      readiness,
      target: this.source.target,
      groupId: this.source.groupId,
      limits: this.source.limits,
      entities: this.source.entityNames().map((name) => {
        const counts = delivery.entities[name];
        return {
          name,
          delivered: counts?.delivered ?? 0,
          retried: counts?.retried ?? 0,
          refused: counts?.refused ?? 0,
          inDeadLetters: deadLetters === undefined ? null : (deadLetters.counts[name] ?? 0),
          lag: lag[name] ?? null,
          requests: counts?.requests ?? 0,
          averageAnswerMs: counts && counts.requests > 0 ? counts.answerMs / counts.requests : null,
          waitedMs: counts?.waitedMs ?? { rate_limit: 0, retry_after: 0, backoff: 0 },
          lastDeliveredAtMs: counts?.lastDeliveredAtMs ?? null,
        };
      }),
      deadLettersAtMs: deadLetters?.atMs ?? null,
      lastError: delivery.lastError,
      lastRetryAfter: delivery.lastRetryAfter,
    };
  }
}
