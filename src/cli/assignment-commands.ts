import { resolve } from 'node:path';
import type { Command } from 'commander';
import { readAssignments, writeAssignment } from '../assignment/assignment-topic.js';
import { assignmentText } from '../assignment/assignment-value.js';
import { loadConfig } from '../config/load-config.js';
import type { AssignmentConfig, TrackerConfig } from '../config/tracker-config.js';
import { ErpDeltaError } from '../errors/erp-delta-error.js';
import { kafkaClients } from '../kafka/kafka-client.js';
import type { KafkaClients } from '../kafka/kafka-port.js';
import { cliLogger } from '../logging/logger.js';
import { ensureAssignmentTopics } from '../tracker/topics.js';

interface AssignmentFlags {
  config?: string;
  customer?: boolean;
}

/**
 * `assign`, `unassign` and `assignments`: the user assignment mapping (sales rep code -> platform
 * user) and, with --customer / --manual, the manual assignments of single customers. They write
 * and read the assignment topics of the config; a running tracker picks the change up from there.
 */
export function registerAssignmentCommands(program: Command): void {
  program
    .command('assign')
    .description('assign a sales rep code to a platform user (with --customer: one customer, by hand)')
    .argument('<key>', 'sales rep code (with --customer: customer key)')
    .argument('<userId>', 'platform user id')
    .option('--customer', 'write a manual assignment of one customer instead (needs assignment.respectManual to take effect)')
    .option('--config <file>', 'tracker config (default: config/erp-delta.yaml of the package)')
    .action(async (key: string, userId: string, flags: AssignmentFlags) => {
      const target = await prepareWrite(flags, key);
      const user = assignmentText(userId, 'userId');
      const written = await writeAssignment(target.kafka, target.topic, target.key, user);
      process.stdout.write(`${target.what} ${target.key} -> ${user} (${written.topic}, partition ${written.partition}, offset ${written.offset})\n`);
    });

  program
    .command('unassign')
    .description("remove the user of a sales rep code (with --customer: a customer's manual assignment)")
    .argument('<key>', 'sales rep code (with --customer: customer key)')
    .option('--customer', 'remove a manual assignment of one customer instead')
    .option('--config <file>', 'tracker config (default: config/erp-delta.yaml of the package)')
    .action(async (key: string, flags: AssignmentFlags) => {
      const target = await prepareWrite(flags, key);
      const written = await writeAssignment(target.kafka, target.topic, target.key, null);
      process.stdout.write(`${target.what} ${target.key} unassigned (${written.topic}, partition ${written.partition}, offset ${written.offset})\n`);
    });

  program
    .command('assignments')
    .description('list the current user assignment mapping (with --manual: the manual assignments)')
    .option('--manual', 'list the manual assignments of customers instead')
    .option('--json', 'print JSON for scripts')
    .option('--config <file>', 'tracker config (default: config/erp-delta.yaml of the package)')
    .action(async (flags: { config?: string; manual?: boolean; json?: boolean }) => {
      const { kafka, assignment } = await connectToAssignments(flags.config);
      const topic = flags.manual ? assignment.manualTopic : assignment.topic;
      const keyName = flags.manual ? 'customerKey' : 'repCode';
      const listing = await readAssignments(kafka, topic);
      if (flags.json) {
        const assignments = listing.assignments.map(({ key, userId }) => ({ [keyName]: key, userId }));
        process.stdout.write(`${JSON.stringify({ topic, assignments, invalid: listing.invalid }, null, 2)}\n`);
        return;
      }
      if (listing.assignments.length === 0) process.stdout.write(`No assignments in ${topic}.\n`);
      else process.stdout.write(table([[flags.manual ? 'CUSTOMER' : 'REP', 'USER'], ...listing.assignments.map(({ key, userId }) => [key, userId])]));
      for (const { partition, offset, reason } of listing.invalid) process.stdout.write(`ignored: partition ${partition} offset ${offset}: ${reason}\n`);
    });
}

async function prepareWrite(flags: AssignmentFlags, rawKey: string): Promise<{ kafka: KafkaClients; topic: string; key: string; what: string }> {
  const key = assignmentText(rawKey, flags.customer ? 'customer key' : 'sales rep code');
  const { kafka, assignment } = await connectToAssignments(flags.config);
  return flags.customer ? { kafka, topic: assignment.manualTopic, key, what: 'customer' } : { kafka, topic: assignment.topic, key, what: 'rep' };
}

/** The config's Kafka, with the assignment topics created (compacted) if they were missing. */
async function connectToAssignments(configPath: string | undefined): Promise<{ kafka: KafkaClients; assignment: AssignmentConfig }> {
  const config = loadConfig(configPath === undefined ? undefined : resolve(configPath));
  const assignment = requireAssignment(config);
  const kafka = kafkaClients(config.kafka, cliLogger());
  const admin = await kafka.connectAdmin();
  try {
    await ensureAssignmentTopics(admin, config);
  } finally {
    await admin.disconnect();
  }
  return { kafka, assignment };
}

function requireAssignment(config: TrackerConfig): AssignmentConfig {
  if (config.assignment) return config.assignment;
  throw new ErpDeltaError('INVALID_CONFIG', 'The config has no "assignment" section, so no entity is joined with a user assignment mapping.', {
    hint: 'Add an assignment section (see config/erp-delta.yaml) naming the entity and its sales rep field.',
  });
}

function table(rows: readonly string[][]): string {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return (
    rows
      .map((row) =>
        row
          .map((cell, column) => cell.padEnd(widths[column] ?? 0))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}
