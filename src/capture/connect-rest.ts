import { ErpDeltaError } from '../errors/erp-delta-error.js';

export type ConnectorState = 'UNASSIGNED' | 'RUNNING' | 'PAUSED' | 'FAILED' | 'RESTARTING' | 'STOPPED';

export interface ConnectorStatus {
  name: string;
  connector: { state: ConnectorState; worker_id: string; trace?: string };
  tasks: Array<{ id: number; state: ConnectorState; worker_id: string; trace?: string }>;
}

/** The few calls of the Kafka Connect REST API that erp-delta needs. */
export class ConnectRestClient {
  constructor(private readonly baseUrl: string) {}

  /** Creates or updates: PUT is idempotent, so applying the same file twice leaves one connector. */
  async putConfig(name: string, config: Record<string, string>): Promise<'created' | 'updated'> {
    const response = await this.request('PUT', `/connectors/${encodeURIComponent(name)}/config`, config);
    return response.status === 201 ? 'created' : 'updated';
  }

  async status(name: string): Promise<ConnectorStatus | undefined> {
    const response = await this.request('GET', `/connectors/${encodeURIComponent(name)}/status`, undefined, [404]);
    return response.status === 404 ? undefined : (await response.json()) as ConnectorStatus;
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
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      throw new ErpDeltaError('CONNECT_REQUEST_FAILED', `Kafka Connect at ${this.baseUrl} did not answer ${method} ${path}: ${(error as Error).message}`, {
        retriable: true,
        cause: error,
        hint: 'Is the stack up? `npx erp-delta stack status` tells.',
      });
    }
    if (!response.ok && !acceptedErrors.includes(response.status)) {
      const text = await response.text();
      throw new ErpDeltaError('CONNECT_REQUEST_FAILED', `Kafka Connect answered ${response.status} to ${method} ${path}: ${text}`, {
        retriable: response.status >= 500,
      });
    }
    return response;
  }
}
