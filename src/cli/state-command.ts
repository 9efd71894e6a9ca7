import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config/load-config.js';
import { ErpDeltaError } from '../errors/erp-delta-error.js';
import { kafkaClients } from '../kafka/kafka-client.js';
import { cliLogger } from '../logging/logger.js';
import { registryClient } from '../registry/registry-client.js';
import { readDeltaHistory } from '../state/delta-history.js';
import type { KeyDelta } from '../model/delta-history.js';
import { describeSourcePosition } from '../model/source-position.js';
import type { DeltaSource } from '../model/delta.js';
import { formatEntityKey } from '../model/entity-key.js';
import { deltaSourceOf } from '../model/loaded-record.js';

/** The last record of a key on its delta topic: the loaded record, and where it stands. */
export interface KeyState extends KeyDelta {
  entity: string;
  key: string;
}

/**
 * `state get <entity> <key...>`: what the target has for a key, read from the entity's delta
 * topic, which is the changelog of the tasks' stores: the loaded record and the metadata of the
 * delta that sent it (op, reason, changedFields, source, emitted at). A composite key is given as
 * its values in keyFields order. It reads the topic, so it works whether trackers run or not.
 */
export function registerStateCommand(program: Command): void {
  program
    .command('state')
    .description('inspect what erp-delta has sent')
    .command('get')
    .description('the loaded record of a key and the metadata of its last delta')
    .argument('<entity>', 'entity name (see the config)')
    .argument('<key...>', 'the key; for a composite key, its values in keyFields order')
    .option('--json', 'print JSON for scripts')
    .option('--config <file>', 'tracker config (default: config/erp-delta.yaml of the package)')
    .action(async (entityName: string, keyParts: string[], flags: { config?: string; json?: boolean }) => {
      const config = loadConfig(flags.config === undefined ? undefined : resolve(flags.config));
      const entity = config.entities[entityName];
      if (!entity) throw new ErpDeltaError('INVALID_OPTION', `"${entityName}" is not an entity of the config (${Object.keys(config.entities).join(', ')}).`);
      if (keyParts.length !== entity.keyFields.length) {
        throw new ErpDeltaError('INVALID_OPTION', `Entity "${entityName}" is keyed by ${entity.keyFields.length} field(s) (${entity.keyFields.join(', ')}); got ${keyParts.length} value(s).`);
      }
      const key = formatEntityKey(keyParts);
      const state = await lastRecordOf(config, entityName, entity.deltaTopic, key);
      if (!state) {
        process.stderr.write(`erp-delta: no delta for ${entityName} ${key} on ${entity.deltaTopic}: it was never sent (or the topic's compaction dropped its tombstone).\n`);
        process.exitCode = 1;
        return;
      }
      process.stdout.write(flags.json ? `${JSON.stringify(state, null, 2)}\n` : describe(state));
    });
}

async function lastRecordOf(config: ReturnType<typeof loadConfig>, entity: string, topic: string, key: string): Promise<KeyState | undefined> {
  const kafka = kafkaClients(config.kafka, cliLogger());
  const admin = await kafka.connectAdmin();
  try {
    const [last] = (await readDeltaHistory(kafka, admin, registryClient(config.registry), topic, key, { limit: 1 })).deltas;
    return last && { entity, key, ...last };
  } finally {
    await admin.disconnect();
  }
}

function describe(state: KeyState): string {
  const where = `${state.topic} partition ${state.partition} offset ${state.offset}, ${state.timestamp}`;
  if (state.delta === null || state.delta.op === 'DELETE')
    return `${state.entity} ${state.key}: deleted (${state.delta ? `DELETE, reason ${state.delta.reason}` : 'tombstone after a DELETE'}; ${where})\n`;
  const { delta } = state;
  return (
    [
      `${state.entity} ${state.key}: loaded`,
      `  record:         ${JSON.stringify(delta.data)}`,
      `  last delta:     ${delta.op}, reason ${delta.reason}, changedFields [${delta.changedFields.join(', ')}]`,
      `  emitted:        ${new Date(delta.emittedAtMs).toISOString()} (${where})`,
      `  source record:  ${delta.source.topic} partition ${delta.source.partition} offset ${delta.source.offset}, changed in the database at ${new Date(delta.source.tsMs).toISOString()}`,
      `  source position: ${sourcePositionText(deltaSourceOf(delta.source))}`,
    ].join('\n') + '\n'
  );
}

function sourcePositionText(source: DeltaSource): string {
  if (source.connector === null || source.position === null) return 'none (ordered by Kafka offset)';
  return `${describeSourcePosition({ connector: source.connector, order: source.position })}, epoch ${source.epoch}`;
}
