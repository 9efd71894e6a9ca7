import type { Command } from 'commander';
import pg from 'pg';
import { AdminServer } from '../admin/admin-server.js';
import { readAssignments, writeAssignment } from '../assignment/assignment-topic.js';
import { applyConnectors } from '../capture/apply-connectors.js';
import { ConnectRestClient } from '../capture/connect-rest.js';
import { fillPlaceholders, loadConnectorFiles } from '../capture/connector-file.js';
import { ensureSignalTopics } from '../capture/signal-topic.js';
import { loadConfig } from '../config/load-config.js';
import type { TrackerConfig } from '../config/tracker-config.js';
import { Loader } from '../delivery/loader.js';
import { kafkaClients } from '../kafka/kafka-client.js';
import type { KafkaClients } from '../kafka/kafka-port.js';
import { TargetServer } from '../delivery/target-server.js';
import { type ErpDeltaError, isErpDeltaError } from '../errors/erp-delta-error.js';
import { createLogger } from '../logging/logger.js';
import { projectFiles } from '../project-files.js';
import { StatusPage } from '../status/status-page.js';
import type { Delta } from '../model/delta.js';
import { stackPlaceholderValues } from './connectors-command.js';
import { addStackDirOption, openStack } from './stack-command.js';
import { writeErrorLines } from './error-lines.js';
import { WatchedTracker } from './watched-tracker.js';

function say(line: string): void {
  process.stderr.write(`[demo] ${line}\n`);
}

/** The demo's loader group: apart from `deliver`'s, so a demo never moves a real loader's offsets. */
const DEMO_LOADER_GROUP = 'erp-delta-demo-loader';

function describeDelta(entity: string, delta: Delta): string {
  const fields = delta.op === 'DELETE' ? '' : ` changed=[${delta.changedFields.join(', ')}] ${JSON.stringify(delta.data)}`;
  return `target <- ${entity.padEnd(12)} ${delta.key.padEnd(16)} ${delta.op.padEnd(6)} ${delta.reason}${fields}`;
}

/** The status page on the config's admin port, or any free one if that is taken (a tracker may run). */
async function startAdmin(config: TrackerConfig, tracker: WatchedTracker): Promise<AdminServer> {
  const start = (port: number): Promise<AdminServer> =>
    AdminServer.start(config.admin.host, port, { metrics: tracker.metrics.registry, readiness: () => tracker.view.readiness(), statusPage: new StatusPage(tracker.view) });
  return start(config.admin.port ?? 0).catch((error: unknown) => {
    if (isErpDeltaError(error, 'PORT_IN_USE')) return start(0);
    throw error;
  });
}

/**
 * The main job on the embedded local stack, end to end: start the stack, capture the ERP database
 * with Debezium, run the tracker and the loader, and print every delta the target receives. A few
 * statements on the ERP database and a mapping change then show what counts as a change and what
 * does not; the status page runs alongside.
 */
export function registerDemoCommand(program: Command): void {
  addStackDirOption(
    program.command('demo').description('start the local stack, capture the ERP database, run the tracker and the loader, print what the target receives (Ctrl-C stops; the stack keeps running)'),
  )
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
        ...(base.capture ? { capture: { ...base.capture, connect: { ...base.capture.connect, url: stack.component('connect').endpoint() } } } : {}),
      };
      const logger = createLogger('erp-delta', process.env['LOG_LEVEL'] ?? 'warn');
      const tracker = new WatchedTracker({ config, dataDir: base.dataDir, logger });
      await tracker.start();
      const admin = await startAdmin(config, tracker);
      say(`status page: http://${config.admin.host}:${admin.port}/`);

      // What the field-sales platform would get: the loader delivers to the project's small target,
      // which prints each delta as it arrives. The demo's own loader group replays from the start,
      // so every run shows the target the latest version of every record first.
      const target = await TargetServer.start('127.0.0.1', 0, (received) => {
        for (const { entity, delta } of received) process.stdout.write(`${describeDelta(entity, delta)}\n`);
      });
      const loader = new Loader({ config: { ...config, delivery: { ...config.delivery, groupId: DEMO_LOADER_GROUP } }, target: target.url, replayFrom: 'earliest', logger });
      await loader.start();
      say(`tracker and loader running; what the target at ${target.url} receives (entity, key, op, reason, changed fields, record):`);

      const kafka = kafkaClients({ ...config.kafka, clientId: 'erp-delta-demo' }, undefined);
      if (flags.sampleChanges) {
        await runSampleChanges(stack.component('postgres').endpoint());
        if (config.assignment) await runSampleAssignment(kafka, config.assignment.topic);
      }
      say(`try it yourself: psql ${stack.component('postgres').endpoint()} -c "UPDATE customers SET city = 'Durban' WHERE code = 'C0002'"`);
      say('Ctrl-C stops the tracker and the loader; `npx erp-delta stack down` stops the stack.');

      // Ctrl-C, or a failure that must stop the process (a full disk: Tracker.failed), as in `run`.
      const cause = await new Promise<string | ErpDeltaError>((done) => {
        process.once('SIGINT', () => done('SIGINT'));
        process.once('SIGTERM', () => done('SIGTERM'));
        void tracker.failed.then(done);
      });
      await loader.stop();
      await tracker.stop();
      await Promise.all([target.stop(), admin.stop()]);
      if (typeof cause !== 'string') {
        writeErrorLines(cause);
        process.exit(1);
      }
      // As `run` does: a consumer restart kafkajs may have scheduled must not keep the process alive.
      process.exit(0);
    });
}

/** A mapping change: every customer of one rep is re-sent with the rep's new user. */
async function runSampleAssignment(kafka: KafkaClients, topic: string): Promise<void> {
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
      [
        'a real change: customer C0001 moves to another sales rep (one delta, changed=[salesRepCode])',
        "UPDATE customers SET sales_rep_code = CASE WHEN sales_rep_code = 'SAL005' THEN 'SAL001' ELSE 'SAL005' END WHERE code = 'C0001'",
      ],
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
