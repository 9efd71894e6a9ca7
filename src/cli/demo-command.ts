import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { readAssignments, writeAssignment } from '../assignment/assignment-topic.js';
import { applyConnectors } from '../capture/apply-connectors.js';
import { ConnectRestClient } from '../capture/connect-rest.js';
import { fillPlaceholders, loadConnectorFiles } from '../capture/connector-file.js';
import { ensureSignalTopics } from '../capture/signal-topic.js';
import { loadConfig } from '../config/load-config.js';
import type { TrackerConfig } from '../config/tracker-config.js';
import { createLogger } from '../logging/logger.js';
import { projectFiles } from '../project-files.js';
import type { Delta } from '../tracker/delta.js';
import { Tracker } from '../tracker/tracker.js';
import { stackPlaceholderValues } from './connectors-command.js';
import { addStackDirOption, openStack } from './stack-command.js';

function say(line: string): void {
  process.stderr.write(`[demo] ${line}\n`);
}

function describeDelta(entity: string, delta: Delta): string {
  const fields = delta.op === 'DELETE' ? '' : ` changed=[${delta.changedFields.join(', ')}] ${JSON.stringify(delta.data)}`;
  return `${entity.padEnd(12)} ${delta.key.padEnd(16)} ${delta.op.padEnd(6)} ${delta.reason}${fields}`;
}

/**
 * The main job on the embedded local stack, end to end: start the stack, capture the ERP database
 * with Debezium, run the tracker, and print every delta it commits. A few statements on the ERP
 * database then show what counts as a change and what does not.
 */
export function registerDemoCommand(program: Command): void {
  addStackDirOption(program.command('demo').description('start the local stack, capture the ERP database, run the tracker and print the deltas (Ctrl-C stops; the stack keeps running)'))
    .option('--no-sample-changes', 'do not run the sample statements against the ERP database')
    .action(async (flags: { dataDir?: string; sampleChanges: boolean }) => {
      const stack = openStack(flags, (line) => process.stderr.write(`[stack] ${line}\n`));
      say('starting the local stack (the first start downloads jars: minutes; later ones: about a minute)');
      await stack.up();

      const definitions = loadConnectorFiles(projectFiles.connectorsDir).map((connector) => fillPlaceholders(connector, stackPlaceholderValues(stack.options)));
      await ensureSignalTopics(definitions);
      await applyConnectors(new ConnectRestClient(stack.component('connect').endpoint()), definitions, { progress: (line) => say(line) });

      const base = loadConfig();
      const config: TrackerConfig = {
        ...base,
        kafka: { ...base.kafka, brokers: [stack.component('kafka').endpoint()] },
        registry: { ...base.registry, url: stack.component('registry').endpoint() },
      };
      const tracker = new Tracker({ config, dataDir: base.dataDir, logger: createLogger('erp-delta', process.env['LOG_LEVEL'] ?? 'warn') });
      await tracker.start();
      say('tracker running; deltas as they are committed (entity, key, op, reason, changed fields, record):');

      const kafka = new Kafka({ clientId: 'erp-delta-demo', brokers: config.kafka.brokers, logLevel: logLevel.NOTHING });
      const registry = new SchemaRegistry({ host: config.registry.url });
      const entityByTopic = new Map(Object.values(config.entities).map((entity) => [entity.deltaTopic, entity.name]));
      const reader = kafka.consumer({ groupId: `erp-delta-demo-${randomUUID()}`, readUncommitted: false, maxWaitTimeInMs: 100 });
      await reader.connect();
      await reader.subscribe({ topics: [...entityByTopic.keys()], fromBeginning: true });
      await reader.run({
        eachMessage: async ({ topic, message }) => {
          if (message.value === null) return;
          const delta = (await registry.decode(message.value)) as Delta;
          process.stdout.write(`${describeDelta(entityByTopic.get(topic) ?? topic, delta)}\n`);
        },
      });

      if (flags.sampleChanges) {
        await runSampleChanges(stack.component('postgres').endpoint());
        if (config.assignment) await runSampleAssignment(kafka, config.assignment.topic);
      }
      say(`try it yourself: psql ${stack.component('postgres').endpoint()} -c "UPDATE customers SET city = 'Durban' WHERE code = 'C0002'"`);
      say('Ctrl-C stops the tracker; `npx erp-delta stack down` stops the stack.');

      await new Promise<void>((done) => {
        const stop = (): void => {
          void reader.disconnect().then(() => tracker.stop()).then(done);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}

/** A mapping change: every customer of one rep is re-sent with the rep's new user. */
async function runSampleAssignment(kafka: Kafka, topic: string): Promise<void> {
  const rep = 'SAL002';
  const current = (await readAssignments(kafka, topic)).assignments.find((entry) => entry.key === rep)?.userId;
  const user = current === 'demo-user-a' ? 'demo-user-b' : 'demo-user-a';
  say(`a mapping change: \`erp-delta assign ${rep} ${user}\` (one ASSIGNMENT delta per customer of ${rep}, changed=[assignedUserId])`);
  await writeAssignment(kafka, topic, rep, user);
  await new Promise((resolve) => setTimeout(resolve, 3000));
}

/** Statements that show the rules of the article: which updates are changes and which are noise. */
async function runSampleChanges(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // Give the initial snapshot's deltas time to print first, so that the samples stand out.
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const steps: Array<[string, string]> = [
      ['a real change: customer C0001 moves to another sales rep (one delta, changed=[salesRepCode])',
        "UPDATE customers SET sales_rep_code = CASE WHEN sales_rep_code = 'SAL005' THEN 'SAL001' ELSE 'SAL005' END WHERE code = 'C0001'"],
      ['noise: only updated_at changes (no delta)', "UPDATE customers SET updated_at = now() WHERE code = 'C0001'"],
      ['noise: SET name = name (no delta)', "UPDATE customers SET name = name WHERE code = 'C0001'"],
      ['noise: the same credit limit written differently (no delta)', "UPDATE customers SET credit_limit = credit_limit + 0.00 WHERE code = 'C0001'"],
    ];
    for (const [what, sql] of steps) {
      say(what);
      await client.query(sql);
      await new Promise((resolve) => setTimeout(resolve, 1500));
    }
  } finally {
    await client.end();
  }
}
