import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DeliveredDelta, DeliveryRequest } from './delivery-request.js';

/** One delta as the target received it. */
export interface ReceivedDelta {
  entity: string;
  /** The request's Idempotency-Key header. */
  requestKey: string;
  delta: DeliveredDelta;
  receivedAtMs: number;
}

/** Faults to inject, set with POST /_faults: the tests' stand-in for a target having a bad day. */
export interface TargetFaults {
  /** Answer the next `count` requests with this status (and record nothing), with a Retry-After header when given. */
  failNext?: { count: number; status: number; retryAfter?: string };
  /** Hold the next `count` requests this long, then drop the connection (record nothing). */
  delayNext?: { count: number; ms: number };
  /** Hold the next `count` requests this long, then accept them as usual: a slow target. */
  slowNext?: { count: number; ms: number };
  /** Answer 400 to any request holding a delta of one of these entity keys. */
  rejectKeys?: string[];
  /** Answer 400 to any request holding one of these deltas, by idempotency key: one bad version of a record. */
  rejectDeltas?: string[];
  /**
   * With a 400, list the refused deltas in the answer, as many import APIs do:
   * `{"errors":[{"idempotencyKey":…,"key":…,"message":…}]}`. Otherwise the answer names no delta.
   */
  answerPerRecord?: boolean;
  /** Answer 401 to any request without these headers (lowercase names) and values: a target behind a token. */
  requireHeaders?: Record<string, string>;
}

/**
 * A small target (`erp-delta target`): what the field-sales platform's import side would be for
 * erp-delta, on real HTTP on localhost. It accepts POST /<entity> bodies of deltas, records them,
 * and shows them at GET /received; faults can be injected. The tests deliver to it; the demo can
 * show what the target would get.
 */
export class TargetServer {
  readonly received: ReceivedDelta[] = [];
  requests = 0;
  /** When each POST of deltas came, its Idempotency-Key, and what it was answered (0: the connection was dropped). */
  readonly attempts: Array<{ atMs: number; requestKey: string; status: number }> = [];
  private faults: TargetFaults = {};

  private constructor(private readonly server: Server) {}

  static async start(host: string, port: number, onReceive?: (received: readonly ReceivedDelta[]) => void): Promise<TargetServer> {
    let target: TargetServer | undefined;
    const server = createServer((request, response) => {
      void target?.handle(request, response, onReceive).catch((error: unknown) => {
        if (!response.headersSent) response.writeHead(500);
        response.end(String(error));
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    target = new TargetServer(server);
    return target;
  }

  get url(): string {
    const address = this.server.address() as AddressInfo;
    return `http://${address.address}:${address.port}`;
  }

  private async handle(request: IncomingMessage, response: ServerResponse, onReceive?: (received: readonly ReceivedDelta[]) => void): Promise<void> {
    const path = new URL(request.url ?? '/', 'http://target').pathname;
    if (request.method === 'HEAD' || (request.method === 'GET' && path === '/')) {
      response.writeHead(200).end();
      return;
    }
    if (request.method === 'GET' && path === '/received') {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ requests: this.requests, received: this.received, attempts: this.attempts }));
      return;
    }
    const body = await readBody(request);
    if (request.method === 'POST' && path === '/_faults') {
      this.faults = JSON.parse(body) as TargetFaults;
      response.writeHead(204).end();
      return;
    }
    if (request.method !== 'POST') {
      response.writeHead(405).end();
      return;
    }
    this.requests += 1;
    const attempt = { atMs: Date.now(), requestKey: String(request.headers['idempotency-key'] ?? ''), status: 200 };
    this.attempts.push(attempt);
    const { failNext, delayNext, slowNext, rejectKeys, rejectDeltas, answerPerRecord, requireHeaders } = this.faults;
    if (requireHeaders && Object.entries(requireHeaders).some(([name, value]) => request.headers[name] !== value)) {
      attempt.status = 401;
      response.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'unauthorized' }));
      return;
    }
    if (failNext && failNext.count > 0) {
      failNext.count -= 1;
      attempt.status = failNext.status;
      const headers = failNext.retryAfter === undefined ? { 'content-type': 'text/plain' } : { 'content-type': 'text/plain', 'retry-after': failNext.retryAfter };
      response.writeHead(failNext.status, headers).end(`injected failure ${failNext.status}`);
      return;
    }
    if (delayNext && delayNext.count > 0) {
      attempt.status = 0;
      delayNext.count -= 1;
      await new Promise((resolve) => setTimeout(resolve, delayNext.ms));
      response.destroy();
      return;
    }
    if (slowNext && slowNext.count > 0) {
      slowNext.count -= 1;
      await new Promise((resolve) => setTimeout(resolve, slowNext.ms));
    }
    const parsed = JSON.parse(body) as DeliveryRequest;
    const rejected = parsed.deltas.filter((delta) => rejectKeys?.includes(delta.key) || rejectDeltas?.includes(delta.idempotencyKey));
    if (rejected.length > 0) {
      attempt.status = 400;
      const answer = answerPerRecord
        ? { errors: rejected.map((delta) => ({ idempotencyKey: delta.idempotencyKey, key: delta.key, message: `record ${delta.key} is invalid` })) }
        : { error: 'invalid record' };
      response.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
      return;
    }
    const requestKey = String(request.headers['idempotency-key'] ?? '');
    const now = Date.now();
    const fresh = parsed.deltas.map((delta) => ({ entity: parsed.entity, requestKey, delta, receivedAtMs: now }));
    this.received.push(...fresh);
    onReceive?.(fresh);
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ accepted: fresh.length }));
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
