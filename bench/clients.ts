/**
 * `npm run bench:clients -- [--messages N] [--rounds R] [--data-dir DIR]`: what the Kafka client
 * itself costs erp-delta, kafkajs (the port's client) against @platformatic/kafka (the maintained
 * alternative issue 22 names), on the local stack's broker. docs/decisions/kafka-client.md holds
 * the figures and the decision.
 *
 * Each client, in a process of its own so that the CPU counted is its own:
 *   - produce: N messages shaped like deltas (a JSON key of 23 bytes, a 250-byte value, the
 *     partition given), 1,000 per transaction and one partition per transaction, as a task
 *     commits a batch;
 *   - consume: every message of its topic, read_committed, from the earliest offset, in a
 *     consumer group of its own, as a task's consumer or a restore reads.
 * It reports messages/s and CPU microseconds per message (user + system of the whole process, its
 * start and connection excluded), round by round, the two clients alternating.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { benchKafka, recreateTopics } from './kafka.js';
import { formatInteger, formatTable, machineInfo, positiveFlag, round } from './report.js';
import { ensureStack } from './stack.js';

const ROOT = resolve(import.meta.dirname, '..');
const CLIENTS = ['kafkajs', 'platformatic'] as const;
type Client = (typeof CLIENTS)[number];
type Phase = 'produce' | 'consume';
const PER_TRANSACTION = 1_000;
const PARTITIONS = 3;

interface Measured {
  client: Client;
  phase: Phase;
  messages: number;
  seconds: number;
  cpuMicrosPerMessage: number;
}

function progress(line: string): void {
  process.stderr.write(`[bench:clients] ${line}\n`);
}

const keyOf = (index: number): string => `{"code":"ITEM-${String(index).padStart(8, '0')}"}`;

/** One measurement, in this process: the child side. */
async function measure(client: Client, phase: Phase, bootstrap: string, topic: string, messages: number): Promise<Measured> {
  const value = randomBytes(250);
  const clock: { cpu?: NodeJS.CpuUsage; startedAt?: number } = {};
  const start = (): void => {
    clock.cpu = process.cpuUsage();
    clock.startedAt = performance.now();
  };
  let counted = 0;
  if (client === 'kafkajs') {
    const kafka = benchKafka(bootstrap, 'bench-clients');
    if (phase === 'produce') {
      const producer = kafka.producer({ transactionalId: `bench-clients-${process.pid}`, idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      start();
      for (let first = 0; first < messages; first += PER_TRANSACTION) {
        const partition = (first / PER_TRANSACTION) % PARTITIONS;
        const batch = [];
        for (let index = first; index < Math.min(messages, first + PER_TRANSACTION); index += 1) batch.push({ key: keyOf(index), value, partition });
        const transaction = await producer.transaction();
        await transaction.send({ topic, messages: batch });
        await transaction.commit();
        counted += batch.length;
      }
      await producer.disconnect();
    } else {
      const consumer = kafka.consumer({ groupId: `bench-clients-${process.pid}`, readUncommitted: false, maxBytesPerPartition: 1024 * 1024, maxBytes: 8 * 1024 * 1024 });
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      start();
      await new Promise<void>((done) => {
        void consumer.run({
          partitionsConsumedConcurrently: PARTITIONS,
          eachBatch: async ({ batch }) => {
            for (const message of batch.messages) if (message.key !== null) counted += 1;
            if (counted >= messages) done();
          },
        });
      });
      await consumer.disconnect();
    }
  } else {
    const { Consumer, Producer } = await import('@platformatic/kafka');
    if (phase === 'produce') {
      // retryDelay: a transaction begun right after a commit is answered CONCURRENT_TRANSACTIONS
      // until the broker has written the commit's markers; the default 1 s wait turns each such
      // answer into a second of idling (kafkajs retries within milliseconds).
      const producer = new Producer({ clientId: 'bench-clients', bootstrapBrokers: [bootstrap], transactionalId: `bench-clients-${process.pid}`, idempotent: true, retryDelay: 5 });
      start();
      for (let first = 0; first < messages; first += PER_TRANSACTION) {
        const partition = (first / PER_TRANSACTION) % PARTITIONS;
        const batch = [];
        for (let index = first; index < Math.min(messages, first + PER_TRANSACTION); index += 1) batch.push({ topic, key: Buffer.from(keyOf(index)), value, partition });
        const transaction = await producer.beginTransaction();
        await transaction.send({ messages: batch });
        await transaction.commit();
        counted += batch.length;
      }
      await producer.close();
    } else {
      const consumer = new Consumer({ groupId: `bench-clients-${process.pid}`, clientId: 'bench-clients', bootstrapBrokers: [bootstrap] });
      start();
      const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false, isolationLevel: 1, maxBytes: 8 * 1024 * 1024, maxBytesPerPartition: 1024 * 1024 });
      await new Promise<void>((done) => {
        stream.on('data', (message: { key: Buffer | undefined }) => {
          if (message.key !== undefined && message.key.length > 0) counted += 1;
          if (counted >= messages) done();
        });
      });
      await stream.close();
      await consumer.close(true);
    }
  }
  const seconds = (performance.now() - (clock.startedAt ?? 0)) / 1000;
  const cpu = process.cpuUsage(clock.cpu);
  return { client, phase, messages: counted, seconds, cpuMicrosPerMessage: (cpu.user + cpu.system) / counted };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      messages: { type: 'string', default: '300000' },
      rounds: { type: 'string', default: '2' },
      'data-dir': { type: 'string', default: process.env['ERP_DELTA_STACK_DIR'] ?? '.erp-delta/stack' },
      child: { type: 'string' },
    },
  });
  if (values.child !== undefined) {
    const [client, phase, bootstrap, topic, count] = values.child.split(',');
    process.stdout.write(`${JSON.stringify(await measure(client as Client, phase as Phase, bootstrap as string, topic as string, Number(count)))}\n`);
    process.exit(0);
  }
  const messages = positiveFlag('bench:clients', 'messages', values.messages);
  const rounds = positiveFlag('bench:clients', 'rounds', values.rounds);
  const stack = await ensureStack(ROOT, resolve(values['data-dir']), progress);
  const admin = benchKafka(stack.bootstrap, 'bench-clients').admin();
  await admin.connect();
  const topicOf = (client: Client): string => `bench.clients.${client}`;
  await recreateTopics(
    admin,
    CLIENTS.map((client) => ({ topic: topicOf(client), partitions: PARTITIONS, compact: false })),
    progress,
  );
  const results: Measured[] = [];
  const run = (client: Client, phase: Phase, count: number): void => {
    const output = execFileSync(process.execPath, ['--import', 'tsx', import.meta.filename, '--child', [client, phase, stack.bootstrap, topicOf(client), count].join(',')], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const measured = JSON.parse(output.trim().split('\n').at(-1) as string) as Measured;
    progress(`round: ${client} ${phase}: ${formatInteger(measured.messages / measured.seconds)} messages/s, ${round(measured.cpuMicrosPerMessage, 2)} µs of CPU per message`);
    results.push(measured);
  };
  try {
    for (let index = 0; index < rounds; index += 1) for (const client of CLIENTS) run(client, 'produce', messages);
    // Each topic now holds rounds × messages: every round reads all of them.
    for (let index = 0; index < rounds; index += 1) for (const client of CLIENTS) run(client, 'consume', messages * rounds);
  } finally {
    await admin.deleteTopics({ topics: CLIENTS.map(topicOf) }).catch(() => undefined);
    await admin.disconnect();
  }
  const machine = machineInfo();
  const rows: Array<[string, string]> = [];
  for (const phase of ['produce', 'consume'] as const) {
    for (const client of CLIENTS) {
      const runs = results.filter((result) => result.client === client && result.phase === phase);
      rows.push([`${phase}: ${client}`, runs.map((result) => `${formatInteger(result.messages / result.seconds)}/s, ${round(result.cpuMicrosPerMessage, 2)} µs CPU per message`).join('; ')]);
    }
  }
  rows.push(['machine', `${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGb} GB RAM, Node ${process.versions.node}`]);
  process.stdout.write(`${formatTable(rows)}\n${JSON.stringify({ messages, rounds, results, machine })}\n`);
}

await main();
