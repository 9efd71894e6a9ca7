/**
 * Runs the change tracker against the real test stack, as a user would: the built CLI
 * (`erp-delta run`) as a child process with a config of its own, and Kafka clients that look at
 * what it wrote.
 *
 * Isolation: each TrackerTest has its own consumer group, delta topics, dead-letter topic,
 * assignment topics and data directories, so tests never see each other's deltas. They share the
 * CDC topics and the ERP database (as every instance of erp-delta would): tests use row codes of
 * their own (uniqueCode) and only ever assert on those keys, except where a test asserts on
 * everything its own tracker wrote.
 *
 * For a look afterwards: ERP_DELTA_TEST_LOG_DIR=/some/dir keeps each instance's stderr there;
 * ERP_DELTA_KEEP_TEST_TOPICS=1 keeps the test's topics, group and data directories.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import type pg from 'pg';
import kafkajs, { type Admin, type Consumer, type IHeaders, type Message, type RecordMetadata } from 'kafkajs';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { kafkaClients } from '../../src/kafka/kafka-client.js';
import { projectFiles } from '../../src/project-files.js';
import { exactLongTypeHook } from '../../src/registry/exact-long.js';
import type { Delta } from '../../src/model/delta.js';
import { runCli, type CliResult } from './cli.js';
import { leaveGroup } from './leave-group.js';
import { erpDatabase, testKafka, testStack } from './test-stack.js';

// kafkajs is CommonJS: its protocol helpers are reachable through the default export only.
const { AssignerProtocol, Partitioners } = kafkajs;

const bin = join(import.meta.dirname, '..', '..', 'bin', 'erp-delta.js');

/** A schema as the registry client holds it (for Avro: an avsc type). */
type Schema = Awaited<ReturnType<SchemaRegistry['getSchema']>>;

export type EntityName = 'customers' | 'products' | 'stock_levels';
export const ENTITY_NAMES: readonly EntityName[] = ['customers', 'products', 'stock_levels'];

/** The Debezium topics of the sample ERP (config/erp-delta.yaml). */
export const CDC_TOPICS: Readonly<Record<EntityName, string>> = {
  customers: 'erp.public.customers',
  products: 'erp.public.products',
  stock_levels: 'erp.public.stock_levels',
};

/** A row code no other test (or earlier run) uses, e.g. `T-1a2b3c4d`. */
export function uniqueCode(prefix = 'T'): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** Polls `check` until it returns something other than undefined or false. */
export async function waitUntil<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs: number, describe?: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await check();
    if (result !== undefined && result !== false) return result;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${describe ? `\n${describe()}` : ''}`);
    await sleep(100);
  }
}

async function withAdmin<T>(use: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    return await use(admin);
  } finally {
    await admin.disconnect();
  }
}

// ---------------------------------------------------------------------------------------------
// The tracker process

export interface LogLine {
  msg?: string;
  level?: number;
  [field: string]: unknown;
}

export interface TrackerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** One `erp-delta run` child process, its stderr parsed as pino JSON lines. */
export class TrackerProcess {
  readonly lines: LogLine[] = [];
  readonly exited: Promise<TrackerExit>;
  private stderrText = '';
  private exit: TrackerExit | undefined;
  private readonly events = new EventEmitter();
  private readonly child: ChildProcess;

  constructor(
    readonly name: string,
    args: readonly string[],
    env: NodeJS.ProcessEnv = {},
  ) {
    // Debug: a tracker that stalls starting names its last start-up step in the tail a failure shows.
    this.child = spawn(process.execPath, [bin, 'run', ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LOG_LEVEL: 'debug', ...env } });
    let partial = '';
    this.child.stderr?.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      this.stderrText += text;
      partial += text;
      const complete = partial.split('\n');
      partial = complete.pop() ?? '';
      for (const raw of complete) this.addLine(raw);
    });
    this.exited = new Promise((resolve) => {
      this.child.on('close', (code, signal) => {
        if (partial !== '') this.addLine(partial);
        // For a look at what the instances did: ERP_DELTA_TEST_LOG_DIR=/tmp/logs.
        const logDir = process.env['ERP_DELTA_TEST_LOG_DIR'];
        if (logDir) {
          mkdirSync(logDir, { recursive: true });
          writeFileSync(join(logDir, `${this.name.replace(/[^A-Za-z0-9_-]+/g, '_')}-${this.pid}.log`), this.stderrText);
        }
        this.exit = { code, signal };
        this.events.emit('exit');
        resolve(this.exit);
      });
    });
  }

  private addLine(raw: string): void {
    if (raw.trim() === '') return;
    let line: LogLine;
    try {
      line = JSON.parse(raw) as LogLine;
    } catch {
      line = { msg: raw };
    }
    this.lines.push(line);
    this.events.emit('line', line);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  get stderr(): string {
    return this.stderrText;
  }

  /** The last lines of stderr, for failure messages. */
  tail(lines = 30): string {
    return `--- ${this.name} (pid ${this.pid}, ${this.exit ? `exited ${JSON.stringify(this.exit)}` : 'running'}) stderr, last ${lines} lines:\n${this.stderrText
      .split('\n')
      .slice(-lines - 1)
      .join('\n')}`;
  }

  logs(msg: string): LogLine[] {
    return this.lines.filter((line) => line.msg === msg);
  }

  /** The first log line (from `from` on) that matches; fails early if the process exits first. */
  waitForLog(match: string | ((line: LogLine) => boolean), timeoutMs = 60_000, from = 0): Promise<LogLine> {
    const matches = typeof match === 'string' ? (line: LogLine) => line.msg === match : match;
    const found = this.lines.slice(from).find(matches);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const cleanup = (): void => {
        clearTimeout(timer);
        this.events.off('line', onLine);
        this.events.off('exit', onExit);
      };
      const onLine = (line: LogLine): void => {
        if (!matches(line)) return;
        cleanup();
        resolve(line);
      };
      const onExit = (): void => {
        cleanup();
        reject(new Error(`${this.name} exited before logging ${String(match)}\n${this.tail()}`));
      };
      const timer = setTimeout(() => {
        cleanup();
        // A start-up stalls on what it waits for: the registry's side of the story is in its log.
        reject(new Error(`${this.name} did not log ${String(match)} within ${timeoutMs} ms\n${this.tail()}\n--- registry log, last 15 lines:\n${testStack().logTail('registry', 15)}`));
      }, timeoutMs);
      this.events.on('line', onLine);
      this.events.on('exit', onExit);
      if (!this.running) onExit();
    });
  }

  /** SIGTERM, as a process manager stops it: it must exit 0 in time. */
  async stop(timeoutMs = 30_000): Promise<void> {
    if (!this.running) throw new Error(`${this.name} had already exited\n${this.tail()}`);
    this.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const exit = await Promise.race([
      this.exited,
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (exit === undefined) {
      this.child.kill('SIGKILL');
      throw new Error(`${this.name} did not stop within ${timeoutMs} ms of SIGTERM\n${this.tail()}`);
    }
    assert.deepEqual(exit, { code: 0, signal: null }, `${this.name} must exit 0 on SIGTERM\n${this.tail()}`);
  }

  /** SIGSTOP: frozen mid-flight (as in a long GC pause or a hung host), until thaw() or kill(). */
  freeze(): void {
    this.child.kill('SIGSTOP');
  }

  /** SIGCONT after freeze(). */
  thaw(): void {
    this.child.kill('SIGCONT');
  }

  /** `kill -9`: no chance to commit, close or leave the group. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }
}

// ---------------------------------------------------------------------------------------------
// One test's tracker: config, processes, and what it wrote

/** One record of a delta topic; the Avro value is decoded when first looked at. */
export class DeltaRecord {
  private decoded: Delta | null | undefined;

  constructor(
    /** One of ENTITY_NAMES, or an entity the test added to its config (addEntity). */
    readonly entity: string,
    readonly partition: number,
    readonly offset: number,
    readonly key: string,
    private readonly value: Buffer | null,
    private readonly schemas: ReadonlyMap<number, Schema>,
  ) {}

  get tombstone(): boolean {
    return this.value === null;
  }

  /** The delta; null for a tombstone. */
  get delta(): Delta | null {
    if (this.decoded === undefined) {
      if (this.value === null) {
        this.decoded = null;
      } else {
        // Confluent wire format: magic byte 0, 4-byte schema id, Avro body.
        const schema = this.schemas.get(this.value.readInt32BE(1));
        if (!schema || this.value[0] !== 0) throw new Error(`delta ${this.entity} ${this.partition}:${this.offset} is not in the Confluent wire format of a known schema`);
        // avsc decodes into record class instances: plain JSON compares with deepEqual.
        this.decoded = JSON.parse(JSON.stringify(schema.fromBuffer(this.value.subarray(5)))) as Delta;
      }
    }
    return this.decoded;
  }

  toJSON(): object {
    return { entity: this.entity, partition: this.partition, offset: this.offset, key: this.key, delta: this.delta };
  }
}

export interface TrackerTestOptions {
  /** The delivery section of the config (the group is the test's loader group). */
  delivery?: Record<string, unknown>;
  /** The refresh section of the config (topic and loader group are the test's own; no schedule by default). */
  refresh?: Record<string, unknown>;
  /** assignment.respectManual of the config (default false, as in config/erp-delta.yaml). */
  respectManual?: boolean;
  /** CDC topics of the test's own for some entities, instead of Debezium's (see produce()). */
  cdcTopics?: Partial<Record<EntityName, string>>;
  /** The registry section of the tracker's config (url: the test stack's registry unless given). */
  registry?: { url?: string; requestTimeoutMs?: number; auth?: { username: string; password: string }; tls?: { ca: string } };
  /**
   * The capture section (capture health, issue 19), its connect.url the test stack's Connect
   * unless given. Absent: no capture watch, so that a test's readiness does not hang on Connect.
   */
  capture?: { connect?: Record<string, unknown>; [key: string]: unknown };
  /** The tracker section of the config (transactionLingerMs); absent: the defaults. */
  tracker?: { transactionLingerMs?: number };
  /** More keys of the kafka section (sessionTimeoutMs); brokers, clientId and groupId are the test's. */
  kafka?: { sessionTimeoutMs?: number };
}

/** An entity as the config declares it (README, "The tracker"): what addEntity writes. */
export interface EntityConfig {
  topic: string;
  keyFields: string[];
  fields: Record<string, { column: string; normalizer: string; [option: string]: unknown }>;
  [key: string]: unknown;
}

export class TrackerTest {
  readonly id: string;
  readonly groupId: string;
  readonly deltaTopics: Readonly<Record<EntityName, string>>;
  readonly cdcTopics: Readonly<Record<EntityName, string>>;
  readonly dlqTopic: string;
  readonly assignmentTopic: string;
  readonly manualAssignmentTopic: string;
  readonly refreshTopic: string;
  readonly sourceEpochTopic: string;
  /** The group the config names as the loader (a refresh pauses while it lags). */
  readonly loaderGroupId: string;
  readonly workDir: string;
  readonly configPath: string;
  private readonly processes: TrackerProcess[] = [];
  private readonly registry: SchemaRegistry;
  /** Entities a test added to the config (addEntity): name -> its CDC and delta topics. */
  private readonly addedEntities = new Map<string, { cdcTopic: string; deltaTopic: string }>();

  /** Writes a tracker config for the test stack, with topics and a group of this test's own. */
  constructor(label = 'tracker', options: TrackerTestOptions = {}) {
    this.id = `t${randomUUID().slice(0, 8)}`;
    this.cdcTopics = { ...CDC_TOPICS, ...options.cdcTopics };
    this.assignmentTopic = `erp-delta.${this.id}.user-assignments`;
    this.manualAssignmentTopic = `erp-delta.${this.id}.manual-assignments`;
    this.refreshTopic = `erp-delta.${this.id}.refreshes`;
    this.sourceEpochTopic = `erp-delta.${this.id}.source-epochs`;
    this.loaderGroupId = `erp-delta-test-${this.id}-loader`;
    this.groupId = `erp-delta-test-${this.id}`;
    this.deltaTopics = {
      customers: `erp-delta.${this.id}.customers`,
      products: `erp-delta.${this.id}.products`,
      stock_levels: `erp-delta.${this.id}.stock_levels`,
    };
    this.dlqTopic = `erp-delta.${this.id}.dlq`;
    this.workDir = mkdtempSync(join(tmpdir(), `erp-delta-${label}-${this.id}-`));
    this.configPath = join(this.workDir, 'erp-delta.yaml');
    const stack = testStack();
    const registryUrl = stack.component('registry').endpoint();
    // Exact longs, as erp-delta writes them: a bigint column beyond 2^53 reads back with all its digits.
    this.registry = new SchemaRegistry({ host: registryUrl }, { [SchemaType.AVRO]: { typeHook: exactLongTypeHook } });

    const config = parseYaml(readFileSync(projectFiles.defaultConfig, 'utf8')) as {
      kafka: Record<string, unknown>;
      registry: Record<string, unknown>;
      assignment?: Record<string, unknown>;
      entities: Record<string, Record<string, unknown>>;
      [key: string]: unknown;
    };
    config.kafka['brokers'] = [stack.component('kafka').endpoint()];
    config.kafka['clientId'] = `erp-delta-${this.id}`;
    config.kafka['groupId'] = this.groupId;
    Object.assign(config.kafka, options.kafka);
    Object.assign(config.registry, { url: registryUrl, ...options.registry });
    config['dlqTopic'] = this.dlqTopic;
    config['sourceEpochTopic'] = this.sourceEpochTopic;
    config['dataDir'] = join(this.workDir, 'data');
    if (!config.assignment) throw new Error('config/erp-delta.yaml has no assignment section');
    config.assignment['topic'] = this.assignmentTopic;
    config.assignment['manualTopic'] = this.manualAssignmentTopic;
    config.assignment['respectManual'] = options.respectManual ?? false;
    config['refresh'] = { topic: this.refreshTopic, loaderGroupId: this.loaderGroupId, schedule: null, ...options.refresh };
    // Any free port: several instances run at once; each logs the port it got.
    config['admin'] = { port: 0 };
    config['delivery'] = { groupId: this.loaderGroupId, ...options.delivery };
    if (options.tracker) config['tracker'] = options.tracker;
    if (options.capture) config['capture'] = { ...options.capture, connect: { url: stack.component('connect').endpoint(), ...options.capture.connect } };
    else delete config['capture'];
    for (const name of ENTITY_NAMES) {
      const entity = config.entities[name];
      if (!entity) throw new Error(`config/erp-delta.yaml has no entity ${name}`);
      assert.equal(entity['topic'], CDC_TOPICS[name]);
      entity['topic'] = this.cdcTopics[name];
      entity['deltaTopic'] = this.deltaTopics[name];
    }
    writeFileSync(this.configPath, stringifyYaml(config));
  }

  /**
   * Adds an entity of the test's own to the config (a table the test created, read from a CDC
   * topic of the test's connector), with a delta topic of this test, before the tracker starts.
   * waitCaughtUp waits for its CDC topic too, readEntityDeltas reads its deltas, and cleanup
   * deletes its delta topic (and its CDC topic, unless it is one of the sample ERP's).
   */
  addEntity(name: string, entity: EntityConfig): string {
    if ((ENTITY_NAMES as readonly string[]).includes(name) || this.addedEntities.has(name)) throw new Error(`the config has an entity ${name} already`);
    const deltaTopic = `erp-delta.${this.id}.${name}`;
    const config = parseYaml(readFileSync(this.configPath, 'utf8')) as { entities: Record<string, unknown> };
    config.entities[name] = { ...entity, deltaTopic };
    writeFileSync(this.configPath, stringifyYaml(config));
    this.addedEntities.set(name, { cdcTopic: entity.topic, deltaTopic });
    return deltaTopic;
  }

  /** Every CDC topic the config reads: the sample ERP's (or the test's replacements) and those of added entities. */
  private allCdcTopics(): string[] {
    return [...new Set([...Object.values(this.cdcTopics), ...[...this.addedEntities.values()].map(({ cdcTopic }) => cdcTopic)])];
  }

  /** A data directory of this test (an instance name gives each instance its own). */
  dataDir(instance = 'a'): string {
    return join(this.workDir, `data-${instance}`);
  }

  /** Starts `erp-delta run` with this test's config; wait for it with ready() or waitForLog(). */
  start(instance = 'a', dataDir = this.dataDir(instance), env: NodeJS.ProcessEnv = {}): TrackerProcess {
    const tracker = new TrackerProcess(`tracker ${this.id}/${instance}`, ['--config', this.configPath, '--data-dir', dataDir], env);
    this.processes.push(tracker);
    return tracker;
  }

  /** Starts a tracker and waits until its tasks are ready and it has caught up with the CDC topics. */
  async startCaughtUp(instance = 'a', dataDir = this.dataDir(instance), env: NodeJS.ProcessEnv = {}): Promise<TrackerProcess> {
    const tracker = this.start(instance, dataDir, env);
    await tracker.waitForLog('tasks ready');
    await this.waitCaughtUp();
    return tracker;
  }

  /** Runs an `erp-delta` command with this test's config (`assign`, `assignments`, ...). */
  cli(args: readonly string[]): Promise<CliResult> {
    return runCli([...args, '--config', this.configPath]);
  }

  /** The last lines of every instance's stderr, for failure messages. */
  describeProcesses(): string {
    return this.processes.map((tracker) => tracker.tail(15)).join('\n');
  }

  /**
   * Waits until the group's committed offsets reach the current end of every CDC partition. The
   * tracker commits input offsets in the transactions that carry the deltas, so from then on
   * every delta answering a CDC record written before this call is committed.
   * Callers first wait for their database changes to reach the CDC topics (CdcRecorder).
   */
  async waitCaughtUp(timeoutMs = 60_000): Promise<void> {
    await withAdmin(async (admin) => {
      const targets: Array<{ topic: string; partition: number; high: bigint }> = [];
      for (const topic of this.allCdcTopics()) {
        for (const { partition, high, low } of await admin.fetchTopicOffsets(topic)) {
          if (BigInt(high) > BigInt(low)) targets.push({ topic, partition, high: BigInt(high) });
        }
      }
      let lag = '';
      await waitUntil(
        `group ${this.groupId} to catch up with the CDC topics`,
        async () => {
          const committed = new Map<string, bigint>();
          for (const { topic, partitions } of await admin.fetchOffsets({ groupId: this.groupId, topics: this.allCdcTopics() })) {
            for (const { partition, offset } of partitions) committed.set(`${topic}-${partition}`, BigInt(offset));
          }
          const behind = targets.filter(({ topic, partition, high }) => (committed.get(`${topic}-${partition}`) ?? -1n) < high);
          lag = behind.map(({ topic, partition, high }) => `${topic}-${partition}: committed ${committed.get(`${topic}-${partition}`) ?? -1n}, end ${high}`).join('; ');
          return behind.length === 0;
        },
        timeoutMs,
        () => `still behind: ${lag}\n${this.describeProcesses()}`,
      );
    });
  }

  /** The group's members and the CDC partitions each one holds (ids like `erp.public.customers-0`). */
  async groupAssignment(): Promise<Array<{ memberId: string; partitions: string[] }>> {
    return withAdmin(async (admin) => {
      const { groups } = await admin.describeGroups([this.groupId]);
      const group = groups[0];
      if (group?.state !== 'Stable') return [];
      return group.members.map((member) => {
        const decoded = AssignerProtocol.MemberAssignment.decode(member.memberAssignment);
        const partitions = Object.entries(decoded?.assignment ?? {}).flatMap(([topic, numbers]) => numbers.map((partition) => `${topic}-${partition}`));
        return { memberId: member.memberId, partitions: partitions.sort() };
      });
    });
  }

  /**
   * Removes every member from the group: after a `kill -9`, the dead instance's member would hold
   * its partitions until its session times out (see leave-group.ts). Only call it when no live
   * instance is in the group.
   */
  async evictGroupMembers(): Promise<void> {
    const members = await withAdmin(async (admin) => (await admin.describeGroups([this.groupId])).groups[0]?.members ?? []);
    await leaveGroup(
      testStack().component('kafka').endpoint(),
      this.groupId,
      members.map((member) => member.memberId),
    );
  }

  /** Every delta of this test's delta topics (of some entities), read committed, up to their current end. */
  async readDeltas(entities: readonly EntityName[] = ENTITY_NAMES, timeoutMs = 60_000): Promise<Deltas> {
    return this.readDeltaTopics(new Map(entities.map((name) => [this.deltaTopics[name], name])), timeoutMs);
  }

  /** Every delta of entities the test added (addEntity), read committed, up to their current end. */
  async readEntityDeltas(entities: readonly string[], timeoutMs = 60_000): Promise<Deltas> {
    return this.readDeltaTopics(
      new Map(
        entities.map((name) => {
          const added = this.addedEntities.get(name);
          if (!added) throw new Error(`no entity ${name} was added to the config`);
          return [added.deltaTopic, name];
        }),
      ),
      timeoutMs,
    );
  }

  /** Per partition of an entity's delta topic, its end now (its last stable offset). */
  async deltaEnds(entity: EntityName): Promise<Map<number, bigint>> {
    return withAdmin(async (admin) => new Map((await admin.fetchTopicOffsets(this.deltaTopics[entity])).map(({ partition, high }) => [partition, BigInt(high)])));
  }

  /**
   * The deltas of an entity written from the given offsets on (per partition, as deltaEnds gave
   * them), read committed, up to the topic's end: for a delta topic too large to read whole.
   */
  async readDeltasFrom(entity: EntityName, from: ReadonlyMap<number, bigint>, timeoutMs = 60_000): Promise<Deltas> {
    const topic = this.deltaTopics[entity];
    const raw: RawRecord[] = [];
    const kafka = kafkaClients({ clientId: 'erp-delta-test', brokers: [testStack().component('kafka').endpoint()] }, undefined);
    const reader = await kafka.readPartitions({
      groupPrefix: 'erp-delta-test-reader',
      partitions: [...from].map(([partition, offset]) => ({ topic, partition, from: String(offset) })),
      onBatch: async ({ partition, messages }) => {
        for (const message of messages) raw.push({ topic, partition, offset: Number(message.offset), key: message.key, value: message.value, headers: {} });
      },
    });
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error(`reading ${topic} from ${[...from].map(([partition, offset]) => `${partition}:${offset}`).join(', ')} did not reach its end within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      await Promise.race([reader.caughtUp(), expired]);
    } finally {
      clearTimeout(timer);
      await reader.stop();
    }
    return this.toDeltas(raw, new Map([[topic, entity]]));
  }

  private async readDeltaTopics(byTopic: ReadonlyMap<string, string>, timeoutMs: number): Promise<Deltas> {
    return this.toDeltas(await readToEnd([...byTopic.keys()], timeoutMs), byTopic);
  }

  /** Records of delta topics as deltas of their entities, their schemas fetched once each. */
  private async toDeltas(raw: readonly RawRecord[], byTopic: ReadonlyMap<string, string>): Promise<Deltas> {
    const schemas = new Map<number, Schema>();
    for (const record of raw) {
      if (record.value === null || record.value.length < 5) continue;
      const id = record.value.readInt32BE(1);
      if (!schemas.has(id)) schemas.set(id, await this.registry.getSchema(id));
    }
    const records: DeltaRecord[] = [];
    for (const record of raw) {
      const entity = byTopic.get(record.topic);
      if (entity) records.push(new DeltaRecord(entity, record.partition, record.offset, record.key?.toString('utf8') ?? '', record.value, schemas));
    }
    return new Deltas(records);
  }

  /**
   * Writes deltas to an entity's delta topic as the tracker would (Avro with its registered
   * schema): how a test gives a task loaded records its CDC topic does not explain. `partition`:
   * all to that partition (the changelog of that input partition's task), else by key.
   */
  async writeDeltas(entity: EntityName, deltas: readonly Delta[], options: { partition?: number } = {}): Promise<void> {
    const schemaId = await this.registry.getLatestSchemaId(`${this.deltaTopics[entity]}-value`);
    const messages: Message[] = [];
    for (const delta of deltas) messages.push({ key: delta.key, value: await this.registry.encode(schemaId, delta), ...(options.partition === undefined ? {} : { partition: options.partition }) });
    const producer = testKafka().producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    try {
      // A request of a few thousand records stays below the broker's largest record batch; a few
      // requests at a time, since their order does not matter here.
      const requests: Message[][] = [];
      for (let index = 0; index < messages.length; index += 2_000) requests.push(messages.slice(index, index + 2_000));
      for (let index = 0; index < requests.length; index += 4) {
        await Promise.all(requests.slice(index, index + 4).map((part) => producer.send({ topic: this.deltaTopics[entity], acks: -1, messages: part })));
      }
    } finally {
      await producer.disconnect();
    }
  }

  /** Every record of this test's dead-letter topic, up to its current end. */
  async readDeadLetters(timeoutMs = 60_000): Promise<RawRecord[]> {
    return readToEnd([this.dlqTopic], timeoutMs);
  }

  /** Stops (kill -9) whatever still runs, deletes the test's topics, group and directories. */
  async cleanup(): Promise<void> {
    await Promise.all(this.processes.map((tracker) => tracker.kill()));
    if (process.env['ERP_DELTA_KEEP_TEST_TOPICS'] === '1') return;
    // A killed instance is still a member until its session times out: a group with members cannot be deleted.
    await this.evictGroupMembers().catch(() => undefined);
    await withAdmin(async (admin) => {
      const existing = new Set(await admin.listTopics());
      const ownCdcTopics = this.allCdcTopics().filter((topic) => !Object.values(CDC_TOPICS).includes(topic));
      const addedDeltaTopics = [...this.addedEntities.values()].map(({ deltaTopic }) => deltaTopic);
      const topics = [
        ...Object.values(this.deltaTopics),
        ...addedDeltaTopics,
        this.dlqTopic,
        this.assignmentTopic,
        this.manualAssignmentTopic,
        this.refreshTopic,
        this.sourceEpochTopic,
        ...ownCdcTopics,
      ].filter((topic) => existing.has(topic));
      if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => undefined);
      await admin.deleteGroups([this.groupId, this.loaderGroupId]).catch(() => undefined);
    }).catch(() => undefined);
    rmSync(this.workDir, { recursive: true, force: true });
  }
}

/** The deltas a test's tracker wrote, in the order of each partition. */
export class Deltas {
  constructor(readonly all: readonly DeltaRecord[]) {}

  /** The deltas and tombstones of one key, in the order they were written. */
  of(entity: string, key: string): DeltaRecord[] {
    return this.all.filter((record) => record.entity === entity && record.key === key).sort((a, b) => a.offset - b.offset);
  }

  /** Deltas and tombstones of the given keys of an entity. */
  ofKeys(entity: string, keys: Iterable<string>): DeltaRecord[] {
    const wanted = new Set(keys);
    return this.all.filter((record) => record.entity === entity && wanted.has(record.key));
  }

  count(entity?: string): number {
    return entity === undefined ? this.all.length : this.all.filter((record) => record.entity === entity).length;
  }

  /** The records written after `earlier` was read (by partition offset). */
  since(earlier: Deltas): Deltas {
    const ends = new Map<string, number>();
    for (const record of earlier.all) {
      const id = `${record.entity}-${record.partition}`;
      ends.set(id, Math.max(ends.get(id) ?? -1, record.offset));
    }
    return new Deltas(this.all.filter((record) => record.offset > (ends.get(`${record.entity}-${record.partition}`) ?? -1)));
  }
}

// ---------------------------------------------------------------------------------------------
// Reading topics

export interface RawRecord {
  topic: string;
  partition: number;
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
}

/**
 * A consumer of its own group that records every record of some topics from their beginning,
 * read committed (aborted transactions never show), and knows how far it has read each partition
 * (transaction markers included, which eachBatch never shows).
 */
export class TopicRecorder {
  readonly records: RawRecord[] = [];
  private readonly positions = new Map<string, bigint>();
  private readonly listeners = new Set<(record: RawRecord) => void>();
  private crashed: Error | undefined;

  private constructor(
    readonly topics: readonly string[],
    private readonly consumer: Consumer,
    private readonly groupId: string,
  ) {}

  /** readUncommitted: also records of aborted and open transactions (to see what read_committed hides). */
  static async start(topics: readonly string[], options: { readUncommitted?: boolean } = {}): Promise<TopicRecorder> {
    const groupId = `erp-delta-test-reader-${randomUUID()}`;
    const consumer = testKafka().consumer({ groupId, maxWaitTimeInMs: 100, readUncommitted: options.readUncommitted ?? false });
    const recorder = new TopicRecorder(topics, consumer, groupId);
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      const id = `${payload.topic}-${payload.partition}`;
      const next = BigInt(payload.lastOffset) + 1n;
      if (next > (recorder.positions.get(id) ?? 0n)) recorder.positions.set(id, next);
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      // A consumer that kafkajs restarts (the broker went away for a while) goes on recording.
      if (!payload.restart) recorder.crashed = payload.error;
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [...topics], fromBeginning: true });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) {
          const record = {
            topic: batch.topic,
            partition: batch.partition,
            offset: Number(message.offset),
            key: message.key,
            value: message.value,
            headers: message.headers ?? {},
          };
          recorder.records.push(record);
          for (const listener of recorder.listeners) listener(record);
        }
      },
    });
    return recorder;
  }

  /** Waits until `check` over the records so far returns something. */
  waitFor<T>(what: string, check: (records: readonly RawRecord[]) => T | undefined | false, timeoutMs = 60_000): Promise<T> {
    return waitUntil(
      what,
      () => {
        if (this.crashed) throw this.crashed;
        return check(this.records);
      },
      timeoutMs,
    );
  }

  /** The offset after the last record (or transaction marker) read from a partition. */
  position(topic: string, partition: number): bigint {
    return this.positions.get(`${topic}-${partition}`) ?? 0n;
  }

  /** The next record read from now on, as soon as it is read (no polling). */
  nextRecord(timeoutMs = 60_000): Promise<RawRecord> {
    return new Promise((resolve, reject) => {
      const listener = (record: RawRecord): void => {
        clearTimeout(timer);
        this.listeners.delete(listener);
        resolve(record);
      };
      const timer = setTimeout(() => {
        this.listeners.delete(listener);
        reject(new Error(`no record of ${this.topics.join(', ')} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.listeners.add(listener);
    });
  }

  /**
   * Waits until every partition has been read up to its end as of this call. (kafkajs's admin asks
   * for offsets read committed: on a transactional topic the end is the last stable offset.)
   */
  async readToEnd(timeoutMs = 60_000): Promise<readonly RawRecord[]> {
    const targets = await withAdmin(async (admin) => {
      const result: Array<{ id: string; high: bigint }> = [];
      for (const topic of this.topics) {
        for (const { partition, high, low } of await admin.fetchTopicOffsets(topic)) {
          if (BigInt(high) > BigInt(low)) result.push({ id: `${topic}-${partition}`, high: BigInt(high) });
        }
      }
      return result;
    });
    await waitUntil(
      `reading ${this.topics.join(', ')} to the end`,
      () => {
        if (this.crashed) throw this.crashed;
        return targets.every(({ id, high }) => (this.positions.get(id) ?? 0n) >= high);
      },
      timeoutMs,
      () => targets.map(({ id, high }) => `${id}: at ${this.positions.get(id) ?? 0n} of ${high}`).join('; '),
    );
    return this.records;
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
    await withAdmin((admin) => admin.deleteGroups([this.groupId])).catch(() => undefined);
  }
}

/** Every record of `topics` from the beginning to their end as of the call, read committed. */
export async function readToEnd(topics: readonly string[], timeoutMs = 60_000, options: { readUncommitted?: boolean } = {}): Promise<RawRecord[]> {
  const recorder = await TopicRecorder.start(topics, options);
  try {
    return [...(await recorder.readToEnd(timeoutMs))];
  } finally {
    await recorder.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// The CDC topics

export interface CdcEvent {
  partition: number;
  offset: number;
  /** c, u, d, r; 'tombstone' for the null value after a delete. */
  op: string;
  after: Record<string, unknown> | null;
  source: Record<string, unknown> | null;
}

/** Records the CDC topics, so that a test knows its database changes reached Kafka. */
export class CdcRecorder {
  private constructor(private readonly recorder: TopicRecorder) {}

  static async start(entities: readonly EntityName[] = ENTITY_NAMES): Promise<CdcRecorder> {
    return new CdcRecorder(await TopicRecorder.start(entities.map((entity) => CDC_TOPICS[entity])));
  }

  /** The CDC events of one row (by its `code` key column), in order. */
  events(entity: EntityName, code: string): CdcEvent[] {
    return this.recorder.records
      .filter((record) => record.topic === CDC_TOPICS[entity] && keyCode(record.key) === code)
      .sort((a, b) => a.offset - b.offset)
      .map((record) => {
        if (record.value === null) return { partition: record.partition, offset: record.offset, op: 'tombstone', after: null, source: null };
        let value: { op?: string; after?: Record<string, unknown> | null; source?: Record<string, unknown> | null };
        try {
          value = JSON.parse(record.value.toString('utf8')) as typeof value;
        } catch {
          return { partition: record.partition, offset: record.offset, op: 'not JSON', after: null, source: null };
        }
        return { partition: record.partition, offset: record.offset, op: value.op ?? 'no op', after: value.after ?? null, source: value.source ?? null };
      });
  }

  /** Waits until the row has at least `count` CDC records (a delete counts two: d and tombstone). */
  async waitForEvents(entity: EntityName, code: string, count: number, timeoutMs = 60_000): Promise<CdcEvent[]> {
    await this.recorder
      .waitFor(`${count} CDC records of ${entity} ${code}`, () => this.events(entity, code).length >= count, timeoutMs)
      .catch((error: unknown) => {
        throw new Error(`${(error as Error).message}; got: ${JSON.stringify(this.events(entity, code))}`);
      });
    return this.events(entity, code);
  }

  /** Waits until `check` over all recorded CDC records returns something. */
  waitFor<T>(what: string, check: (records: readonly RawRecord[]) => T | undefined | false, timeoutMs = 60_000): Promise<T> {
    return this.recorder.waitFor(what, check, timeoutMs);
  }

  get records(): readonly RawRecord[] {
    return this.recorder.records;
  }

  stop(): Promise<void> {
    return this.recorder.stop();
  }
}

/**
 * Writes records to a topic as any producer would (Kafka's default partitioner, like Debezium's):
 * how tests put records on a CDC topic that the database cannot produce.
 */
export async function produce(topic: string, messages: Message[]): Promise<RecordMetadata[]> {
  const producer = testKafka().producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    return await producer.send({ topic, messages });
  } finally {
    await producer.disconnect();
  }
}

/** The `code` column of a CDC key (`{"code": "..."}`), or undefined for any other key. */
export function keyCode(key: Buffer | null): string | undefined {
  if (key === null || key.length === 0) return undefined;
  try {
    const parsed = JSON.parse(key.toString('utf8')) as unknown;
    const code = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>)['code'] : undefined;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}

/** What most tracker tests stand on: their own topics, the ERP database, the CDC events, a caught-up tracker. */
export interface CaughtUpTracker {
  test: TrackerTest;
  tracker: TrackerProcess;
  cdc: CdcRecorder;
  db: pg.Client;
}

/**
 * Registers the suite's before/after hooks for that fixture; its fields are set once `before` ran.
 * `entities` limits the CDC events recorded (all three tables by default).
 */
export function useCaughtUpTracker(name: string, entities?: readonly EntityName[], options?: TrackerTestOptions): CaughtUpTracker {
  const fixture = {} as CaughtUpTracker;
  before(async () => {
    fixture.test = new TrackerTest(name, options);
    fixture.db = await erpDatabase();
    fixture.cdc = await CdcRecorder.start(entities);
    fixture.tracker = await fixture.test.startCaughtUp();
  });
  after(async () => {
    await fixture.tracker?.stop();
    await fixture.cdc?.stop();
    await fixture.db?.end();
    await fixture.test?.cleanup();
  });
  return fixture;
}

/**
 * After an outage (Kafka's, Connect's): every product code written meanwhile reached the delta
 * topic as exactly one UPSERT. The fixture's CDC recorder may have lost its group during the
 * outage (it cannot find its coordinator), so a recorder started now reads the topic anew.
 */
export async function expectOneUpsertEach(fixture: CaughtUpTracker, codes: readonly string[]): Promise<void> {
  const cdc = await CdcRecorder.start(['products']);
  try {
    for (const code of codes) await cdc.waitForEvents('products', code, 1, 180_000);
  } finally {
    await cdc.stop();
  }
  await fixture.test.waitCaughtUp(120_000);
  const deltas = await fixture.test.readDeltas(['products']);
  for (const code of codes)
    assert.deepEqual(
      deltas.of('products', code).map((record) => record.delta?.op),
      ['UPSERT'],
      `${code}: one UPSERT`,
    );
}
