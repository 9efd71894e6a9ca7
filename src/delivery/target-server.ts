import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { DeliveredDelta, DeliveryRequest } from './delivery-request.js';

/** One delta as the target received it. */
export interface ReceivedDelta {
  entity: string;
  /** The request's Idempotency-Key header. */
  requestKey: string;
  delta: DeliveredDelta;
  receivedAtMs: number;
  /** Its place among everything the target took (deltas and DELETEs alike), from 1. */
  seq: number;
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
  /** Answer 413 to a request whose body is larger than this many bytes, as an import API's size limit does. */
  maxBodyBytes?: number;
  /** Answer 429 (with this Retry-After, if given) to a request beyond `perSecond` within the last second: a rate-limited API. */
  rateLimit?: { perSecond: number; retryAfter?: string };
  /** Answer 404 to a DELETE of one of these keys: a record the target does not have (any more). */
  notFoundKeys?: string[];
}

/** A per-key DELETE the target received (`DELETE /<entity>/<key>`), the key URL-decoded. */
export interface ReceivedDelete {
  path: string;
  entity: string;
  /** The path after the entity, each segment decoded, joined by "/". */
  key: string;
  requestKey: string;
  receivedAtMs: number;
  seq: number;
}

/** HTTPS for the target: its certificate and key (PEM), and the CA client certificates must come from, which makes one required. */
export interface TargetTls {
  cert: string;
  key: string;
  clientCa?: string | undefined;
}

/**
 * A small target (`erp-delta target`): what the field-sales platform's import side would be for
 * erp-delta, on real HTTP (or HTTPS, with a client certificate required if asked) on localhost. It
 * accepts POST /<entity> bodies of deltas and DELETE /<entity>/<key> per key, records them, and
 * shows them at GET /received; faults can be injected. The tests deliver to it; the demo can show
 * what the target would get.
 */
export class TargetServer {
  readonly received: ReceivedDelta[] = [];
  readonly deleted: ReceivedDelete[] = [];
  requests = 0;
  private taken = 0;
  /** When each request of deltas came, its Idempotency-Key, what it was answered (0: the connection was dropped), its method and body size. */
  readonly attempts: Array<{ atMs: number; requestKey: string; status: number; method: string; bytes: number }> = [];
  private faults: TargetFaults = {};

  private constructor(
    private readonly server: Server,
    private readonly tls: boolean,
  ) {}

  static async start(host: string, port: number, onReceive?: (received: readonly ReceivedDelta[]) => void, tls?: TargetTls): Promise<TargetServer> {
    let target: TargetServer | undefined;
    const listener = (request: IncomingMessage, response: ServerResponse): void => {
      void target?.handle(request, response, onReceive).catch((error: unknown) => {
        if (!response.headersSent) response.writeHead(500);
        response.end(String(error));
      });
    };
    // With a client CA, a client without a certificate it signed is refused in the handshake.
    const server: Server =
      tls === undefined
        ? createServer(listener)
        : createHttpsServer({ cert: tls.cert, key: tls.key, ...(tls.clientCa === undefined ? {} : { ca: tls.clientCa, requestCert: true, rejectUnauthorized: true }) }, listener);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    target = new TargetServer(server, tls !== undefined);
    return target;
  }

  get url(): string {
    const address = this.server.address() as AddressInfo;
    // By name over TLS: a certificate names the host, and the test certificates name localhost.
    return this.tls ? `https://localhost:${address.port}` : `http://${address.address}:${address.port}`;
  }

  private async handle(request: IncomingMessage, response: ServerResponse, onReceive?: (received: readonly ReceivedDelta[]) => void): Promise<void> {
    const path = new URL(request.url ?? '/', 'http://target').pathname;
    if (request.method === 'HEAD' || (request.method === 'GET' && path === '/')) {
      response.writeHead(200).end();
      return;
    }
    if (request.method === 'GET' && path === '/received') {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ requests: this.requests, received: this.received, deleted: this.deleted, attempts: this.attempts }));
      return;
    }
    const body = await readBody(request);
    if (request.method === 'POST' && path === '/_faults') {
      this.faults = JSON.parse(body) as TargetFaults;
      response.writeHead(204).end();
      return;
    }
    if (request.method !== 'POST' && request.method !== 'DELETE') {
      response.writeHead(405).end();
      return;
    }
    this.requests += 1;
    const attempt = { atMs: Date.now(), requestKey: String(request.headers['idempotency-key'] ?? ''), status: 200, method: request.method, bytes: Buffer.byteLength(body) };
    this.attempts.push(attempt);
    const { failNext, delayNext, slowNext, rejectKeys, rejectDeltas, answerPerRecord, requireHeaders, maxBodyBytes, rateLimit } = this.faults;
    if (requireHeaders && Object.entries(requireHeaders).some(([name, value]) => request.headers[name] !== value)) {
      attempt.status = 401;
      response.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'unauthorized' }));
      return;
    }
    if (rateLimit && this.attempts.filter((earlier) => earlier.atMs > attempt.atMs - 1_000 && earlier.status !== 429).length > rateLimit.perSecond) {
      attempt.status = 429;
      response.writeHead(429, { 'content-type': 'text/plain', ...(rateLimit.retryAfter === undefined ? {} : { 'retry-after': rateLimit.retryAfter }) }).end('rate limit exceeded');
      return;
    }
    if (maxBodyBytes !== undefined && attempt.bytes > maxBodyBytes) {
      attempt.status = 413;
      response.writeHead(413, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `request body of ${attempt.bytes} bytes is over the limit of ${maxBodyBytes}` }));
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
    if (request.method === 'DELETE') {
      this.receiveDelete(path, attempt, response, this.faults);
      return;
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
    const fresh = parsed.deltas.map((delta) => ({ entity: parsed.entity, requestKey, delta, receivedAtMs: now, seq: (this.taken += 1) }));
    this.received.push(...fresh);
    onReceive?.(fresh);
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ accepted: fresh.length }));
  }

  /**
   * `DELETE /<entity>/<key>`: recorded as the key it names; refused with 400 as a batch is, for
   * `rejectKeys` (by key) and `rejectDeltas` (by the delta's idempotency key, the DELETE's own).
   */
  private receiveDelete(path: string, attempt: { requestKey: string; status: number }, response: ServerResponse, { rejectKeys, rejectDeltas, notFoundKeys }: TargetFaults): void {
    const [entity = '', ...segments] = path.split('/').slice(1);
    const key = segments.map((segment) => decodeURIComponent(segment)).join('/');
    if (rejectKeys?.includes(key) || rejectDeltas?.includes(attempt.requestKey)) {
      attempt.status = 400;
      response.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `record ${key} cannot be deleted` }));
      return;
    }
    if (notFoundKeys?.includes(key)) {
      attempt.status = 404;
      response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `no record ${key}` }));
      return;
    }
    this.deleted.push({ path, entity, key, requestKey: attempt.requestKey, receivedAtMs: Date.now(), seq: (this.taken += 1) });
    response.writeHead(204).end();
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
