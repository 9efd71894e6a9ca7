import { Agent, fetch, type Response } from 'undici';
import { readTlsMaterial, tlsProblem, type TlsFiles } from '../config/tls-material.js';
import { ErpDeltaError } from '../errors/erp-delta-error.js';

export type ConnectorState = 'UNASSIGNED' | 'RUNNING' | 'PAUSED' | 'FAILED' | 'RESTARTING' | 'STOPPED';

export interface ConnectorStatus {
  name: string;
  connector: { state: ConnectorState; worker_id: string; trace?: string };
  tasks: Array<{ id: number; state: ConnectorState; worker_id: string; trace?: string }>;
}

export interface ConnectRestOptions {
  /** Connect's basic auth (BasicAuthSecurityRestExtension), when its REST API has it. */
  auth?: { user: string; password: string } | undefined;
  /** How long one request may take (default 30 s: creating a connector can be slow). */
  timeoutMs?: number | undefined;
  /** The CA of an https:// Connect (`capture.connect.tls`): PEM text or a PEM file's path, read here. */
  tls?: TlsFiles | undefined;
}

/** The few calls of the Kafka Connect REST API that erp-delta needs. */
export class ConnectRestClient {
  private readonly authorization: string | undefined;
  private readonly timeoutMs: number;
  /** undici's own fetch and Agent, as the loader's (delivery/target-transport.ts says why): a CA goes in through the Agent. */
  private readonly dispatcher: Agent | undefined;

  constructor(
    private readonly baseUrl: string,
    options: ConnectRestOptions = {},
  ) {
    this.authorization = options.auth && `Basic ${Buffer.from(`${options.auth.user}:${options.auth.password}`).toString('base64')}`;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.dispatcher = options.tls === undefined ? undefined : new Agent({ connect: readTlsMaterial(options.tls, 'capture.connect.tls') });
  }

  /** Creates or updates: PUT is idempotent, so applying the same file twice leaves one connector. */
  async putConfig(name: string, config: Record<string, string>): Promise<'created' | 'updated'> {
    const response = await this.request('PUT', `/connectors/${encodeURIComponent(name)}/config`, config);
    return response.status === 201 ? 'created' : 'updated';
  }

  async status(name: string): Promise<ConnectorStatus | undefined> {
    const response = await this.request('GET', `/connectors/${encodeURIComponent(name)}/status`, undefined, [404]);
    return response.status === 404 ? undefined : ((await response.json()) as ConnectorStatus);
  }

  /** The connector's config as Connect holds it (placeholders filled; config provider references unresolved). */
  async config(name: string): Promise<Record<string, string> | undefined> {
    const response = await this.request('GET', `/connectors/${encodeURIComponent(name)}/config`, undefined, [404]);
    return response.status === 404 ? undefined : ((await response.json()) as Record<string, string>);
  }

  /** Connect pauses asynchronously: the call returns before the task has stopped polling. */
  async pause(name: string): Promise<void> {
    await this.request('PUT', `/connectors/${encodeURIComponent(name)}/pause`);
  }

  async resume(name: string): Promise<void> {
    await this.request('PUT', `/connectors/${encodeURIComponent(name)}/resume`);
  }

  /** Restarts the connector and its tasks (KIP-745): what a PUT of an unchanged config does not do. */
  async restart(name: string): Promise<void> {
    await this.request('POST', `/connectors/${encodeURIComponent(name)}/restart?includeTasks=true`);
  }

  async list(): Promise<string[]> {
    return (await (await this.request('GET', '/connectors')).json()) as string[];
  }

  async delete(name: string): Promise<void> {
    await this.request('DELETE', `/connectors/${encodeURIComponent(name)}`, undefined, [404]);
  }

  private async request(method: string, path: string, body?: unknown, acceptedErrors: number[] = []): Promise<Response> {
    const url = `${this.baseUrl}${path}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: { 'content-type': 'application/json', accept: 'application/json', ...(this.authorization === undefined ? {} : { authorization: this.authorization }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.timeoutMs),
        ...(this.dispatcher === undefined ? {} : { dispatcher: this.dispatcher }),
      });
    } catch (error) {
      const tls = tlsProblem(error);
      if (tls !== undefined) {
        // A certificate is not trusted today and will not be in a minute: said as such, not retried.
        throw new ErpDeltaError(
          'CONNECT_REQUEST_FAILED',
          `The TLS connection to Kafka Connect at ${this.baseUrl} failed: its certificate could not be verified, or it refused the handshake (${tls}).`,
          {
            cause: error,
            hint: "Set capture.connect.tls.ca to the PEM file of the CA that signed Connect's certificate, and check that the certificate names the host in capture.connect.url.",
          },
        );
      }
      throw new ErpDeltaError('CONNECT_REQUEST_FAILED', `Kafka Connect at ${this.baseUrl} did not answer ${method} ${path}: ${(error as Error).message}`, {
        retriable: true,
        cause: error,
        hint: 'Is the stack up? `npx erp-delta stack status` tells.',
      });
    }
    if (!response.ok && !acceptedErrors.includes(response.status)) {
      const text = await response.text();
      const refused = response.status === 401 || response.status === 403;
      throw new ErpDeltaError('CONNECT_REQUEST_FAILED', `Kafka Connect answered ${response.status} to ${method} ${path}: ${text.trim().slice(0, 500)}`, {
        retriable: response.status >= 500,
        ...(refused ? { hint: "Kafka Connect's REST API wants credentials: set capture.connect.user and capture.connect.password in the config." } : {}),
      });
    }
    return response;
  }
}
