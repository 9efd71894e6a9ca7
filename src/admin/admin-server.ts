import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { ErpDeltaError } from '../errors/erp-delta-error.js';
import { excludeChecks, type Readiness } from './readiness.js';

/** A status page at `/` and its API: the tracker's (status/status-page.ts) or the loader's (status/loader-status-page.ts). */
export interface AdminPage {
  /** Called with the server's start and stop (a page samples its counters meanwhile). */
  start(): void;
  stop(): void;
  /** Answers the request if it is the page's; false leaves it to the admin server. */
  handle(path: string, request: IncomingMessage, response: ServerResponse): Promise<boolean>;
}

export interface AdminSources {
  metrics: Registry;
  readiness: () => Promise<Readiness>;
  /** The status page at `/` and its API (`run` and `deliver` each have one); it samples while the server runs. */
  statusPage?: AdminPage | undefined;
}

/**
 * The admin HTTP endpoint of `run` and `deliver` (issue 6): /healthz (the process answers), /readyz
 * (ready to process: 200, or 503 with the reasons as JSON), /metrics (Prometheus text, from
 * prom-client), and the status page at `/` (the tracker's or the loader's).
 * It listens on localhost by default: it is for the operator's probes and scraper, not the world.
 */
export class AdminServer {
  private constructor(
    private readonly server: Server,
    private readonly statusPage: AdminPage | undefined,
  ) {}

  static async start(host: string, port: number, sources: AdminSources): Promise<AdminServer> {
    const server = createServer((request, response) => {
      void handle(request, response, sources).catch((error: unknown) => {
        if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        response.end(`${(error as Error).message}\n`);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(
          error.code === 'EADDRINUSE'
            ? new ErpDeltaError('PORT_IN_USE', `The admin port ${host}:${port} is in use.`, { hint: 'Choose another with --admin-port (0 picks a free one), or admin.port in the config.' })
            : error,
        ),
      );
      server.listen(port, host, () => resolve());
    });
    sources.statusPage?.start();
    return new AdminServer(server, sources.statusPage);
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.statusPage?.stop();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

async function handle(request: IncomingMessage, response: ServerResponse, sources: AdminSources): Promise<void> {
  const path = new URL(request.url ?? '/', 'http://admin').pathname;
  if (sources.statusPage && (await sources.statusPage.handle(path, request, response))) return;
  if (request.method !== 'GET') {
    response.writeHead(405, { allow: 'GET', 'content-type': 'text/plain; charset=utf-8' }).end('only GET\n');
    return;
  }
  switch (path) {
    case '/healthz':
      response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('ok\n');
      return;
    case '/readyz': {
      // `?exclude=capture` (repeatable or comma-separated) leaves a named check out, as kube-apiserver's /readyz does.
      const exclude = new URL(request.url ?? '/', 'http://admin').searchParams.getAll('exclude').flatMap((value) => value.split(','));
      const state = excludeChecks(await sources.readiness(), exclude);
      response.writeHead(state.ready ? 200 : 503, { 'content-type': 'application/json' }).end(`${JSON.stringify(state)}\n`);
      return;
    }
    case '/metrics':
      response.writeHead(200, { 'content-type': sources.metrics.contentType }).end(await sources.metrics.metrics());
      return;
    default:
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end(`not found: ${sources.statusPage ? '/ (status page), ' : ''}/healthz, /readyz, /metrics\n`);
  }
}
