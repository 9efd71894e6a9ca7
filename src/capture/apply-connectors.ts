import { setTimeout as sleep } from 'node:timers/promises';
import { ErpDeltaError } from '../errors/erp-delta-error.js';
import type { ConnectRestClient, ConnectorStatus } from './connect-rest.js';
import type { ConnectorDefinition } from './connector-file.js';

export interface AppliedConnector {
  name: string;
  action: 'created' | 'updated';
  status: ConnectorStatus;
}

/**
 * PUTs each connector and waits until it and all of its tasks run. A FAILED task ends the wait at
 * once with the task's own error, which is what a user needs to fix the configuration.
 */
export async function applyConnectors(
  client: ConnectRestClient,
  connectors: ConnectorDefinition[],
  options: { timeoutMs?: number; progress?: (line: string) => void; restart?: boolean } = {},
): Promise<AppliedConnector[]> {
  const applied: AppliedConnector[] = [];
  for (const connector of connectors) {
    const action = await client.putConfig(connector.name, connector.config);
    // Connect leaves a connector whose config did not change as it is; Debezium sets its filtered
    // publication to table.include.list only when it starts (a table rebuilt by an upgrade script
    // is back in it only after a restart).
    if (options.restart && action === 'updated') await client.restart(connector.name);
    options.progress?.(`${connector.name}: ${action}${options.restart && action === 'updated' ? ' and restarted' : ''} from ${connector.file}; waiting for it to run`);
    const status = await waitRunning(client, connector.name, options.timeoutMs ?? 60_000);
    applied.push({ name: connector.name, action, status });
  }
  return applied;
}

async function waitRunning(client: ConnectRestClient, name: string, timeoutMs: number): Promise<ConnectorStatus> {
  const deadline = Date.now() + timeoutMs;
  let last: ConnectorStatus | undefined;
  while (Date.now() < deadline) {
    last = await client.status(name);
    if (last) {
      const failed = [last.connector, ...last.tasks].find((part) => part.state === 'FAILED');
      if (failed) {
        throw new ErpDeltaError('CONNECTOR_FAILED', `Connector ${name} failed:\n${failed.trace ?? '(no trace given)'}`);
      }
      if (last.connector.state === 'RUNNING' && last.tasks.length > 0 && last.tasks.every((task) => task.state === 'RUNNING')) return last;
    }
    await sleep(500);
  }
  throw new ErpDeltaError('TIMEOUT', `Connector ${name} was not RUNNING with all its tasks within ${timeoutMs / 1000} s; last status: ${JSON.stringify(last ?? null)}`, { retriable: true });
}
