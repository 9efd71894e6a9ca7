import { resolve } from 'node:path';
import type { Command } from 'commander';
import { startSourceEpoch } from '../capture/source-epochs.js';
import { loadConfig } from '../config/load-config.js';
import { ErpDeltaError } from '../errors/erp-delta-error.js';
import { kafkaClients } from '../kafka/kafka-client.js';
import { createServedTopics } from '../kafka/topic-metadata.js';
import { cliLogger } from '../logging/logger.js';
import { assignmentTopic } from '../tracker/topics.js';

interface CaptureResetFlags {
  config?: string;
  entity?: string[];
  reason?: string;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * `capture reset`: starts a new source epoch for entities whose ERP database now writes positions
 * that started over (restored onto another server). The running trackers take it up at once.
 */
export function registerCaptureCommands(program: Command): void {
  const capture = program.command('capture').description('the Debezium capture behind the CDC topics');
  capture
    .command('reset')
    .description('start a new source epoch: after the ERP database was restored onto another server, its changes compare again')
    .requiredOption('--entity <name>', 'the entity whose source started over (repeatable)', collect)
    .option('--reason <text>', 'why, for the log of every tracker', 'erp-delta capture reset')
    .option('--config <file>', 'tracker config (default: config/erp-delta.yaml of the package)')
    .action(async (_flags: unknown, command: Command) => {
      const flags = command.optsWithGlobals<CaptureResetFlags>();
      const config = loadConfig(flags.config === undefined ? undefined : resolve(flags.config));
      const entities = flags.entity ?? [];
      for (const entity of entities) {
        if (!config.entities[entity]) {
          throw new ErpDeltaError('INVALID_OPTION', `"${entity}" is not an entity of the config (${Object.keys(config.entities).join(', ')}).`);
        }
      }
      const kafka = kafkaClients(config.kafka, cliLogger());
      const admin = await kafka.connectAdmin();
      try {
        if (!(await admin.listTopics()).includes(config.sourceEpochTopic)) {
          await createServedTopics(admin, [assignmentTopic(config.sourceEpochTopic)]);
        }
      } finally {
        await admin.disconnect();
      }
      for (const entity of entities) {
        const record = await startSourceEpoch(kafka, config.sourceEpochTopic, entity, flags.reason ?? 'erp-delta capture reset');
        process.stdout.write(`${entity}: source epoch ${record.epoch} started; its changes compare by their new positions from now on\n`);
      }
      process.stdout.write(`Next: a full compare with the ERP, so that what changed meanwhile is found: erp-delta refresh --from-source ${entities.map((entity) => `--entity ${entity}`).join(' ')}\n`);
    });
}
