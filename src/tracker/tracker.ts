import { join } from 'node:path';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { setTimeout as sleep } from 'node:timers/promises';
import { Cron } from 'croner';
import { readiness, type Readiness, type ReadinessInputs } from '../admin/readiness.js';
import { assignmentJoin } from '../assignment/assigned-user.js';
import { AssignmentFeed } from '../assignment/assignment-feed.js';
import { AssignmentRecheck } from '../assignment/assignment-recheck.js';
import { AssignmentTable, type AssignmentChange } from '../assignment/assignment-table.js';
import { writeAssignment, type WrittenAssignment } from '../assignment/assignment-topic.js';
import { assignmentText } from '../assignment/assignment-value.js';
import type { TrackerConfig } from '../config/tracker-config.js';
import { ErpDeltaError, isErpDeltaError } from '../errors/erp-delta-error.js';
import { kafkaClients } from '../kafka/kafka-client.js';
import type { FetchedBatch, GroupConsumer, KafkaAdmin, KafkaClients, OutgoingRecord } from '../kafka/kafka-port.js';
import { assertCompacted } from '../refresh/compaction-check.js';
import { RefreshControl, refreshGroupId } from '../refresh/refresh-control.js';
import { requestKey, truncateRequest, type RefreshRequest } from '../refresh/refresh-record.js';
import { RefreshRunner } from '../refresh/refresh-runner.js';
import { SnapshotWatch } from '../refresh/snapshot-watch.js';
import { nextScheduledRun, scheduledRuns } from '../refresh/scheduled-runs.js';
import { projectFiles } from '../project-files.js';
import { latestCompare, refreshStatus, type RefreshStatus } from '../refresh/refresh-status.js';
import { LoaderLagGate } from '../refresh/refresh-throttle.js';
import type { Logger } from '../logging/logger.js';
import { TrackerMetrics } from '../metrics/tracker-metrics.js';
import { probeRegistry, registryClient } from '../registry/registry-client.js';
import type { DeltaHistory } from '../model/delta-history.js';
import type { EntityCounters } from '../status/counter-history.js';
import type { AssignmentMapping, PositionStatus, TrackerActions, TrackerView } from '../status/tracker-view.js';
import { registerCompareMetrics } from '../metrics/compare-metrics.js';
import { PositionReport } from './position-report.js';
import { DeltaCodec } from './delta-codec.js';
import type { DeltaSource } from '../model/delta.js';
import type { BatchOutcome, Task, TaskContext } from './task.js';
import { taskIo } from './task-io.js';
import { TaskManager, type TaskHelpers, type TopicPartition } from './task-manager.js';
import { taskId } from './task-state.js';
import { trackedEntities } from '../model/tracked-entity.js';
import type { TrackedEntity } from '../model/tracked-entity.js';
import { ensureTopics } from './topics.js';
import type { FollowedSourceEpochs, TrackerParts } from './tracker-parts.js';

/** "Why was this record sent?": the last deltas shown, and how far back each partition is read. */
const DELTA_HISTORY_LIMIT = 10;
const DELTA_HISTORY_TAIL = 100_000;

/** What runs beside a running task: its part in refreshes, and its assignment re-check (the assignment entity's tasks only). */
interface RunningTaskHelpers extends TaskHelpers {
  refresh: RefreshRunner | undefined;
  recheck: AssignmentRecheck | undefined;
}

export interface TrackerOptions {
  config: TrackerConfig;
  dataDir: string;
  logger: Logger;
  /** What the tracker calls of capture/ and state/, built by cli/ (tracker-parts.ts). */
  parts: TrackerParts;
}

/**
 * The change tracker: a consumer group over the CDC topics with one task per assigned input
 * partition. Kafka distributes the partitions among instances; on each assignment the new tasks
 * restore their stores from their changelogs before they process a record, and tasks of partitions
 * that moved away are closed. What it calls of capture/ and state/ comes through `parts`; the
 * watch of the capture runs beside it, not in it (cli/watched-tracker.ts).
 */
export class Tracker implements TrackerView, TrackerActions {
  readonly metrics = new TrackerMetrics();
  private readonly kafka: KafkaClients;
  private readonly entitiesByTopic: Map<string, TrackedEntity>;
  /** The tasks of the partitions assigned here, and their lifecycle (task-manager.ts). */
  private tasks: TaskManager<Task, RunningTaskHelpers> | undefined;
  private consumer: GroupConsumer | undefined;
  /** Per task id: the open or restore that failed while its partition was paused (awaitTask). */
  private readonly openFailures = new Map<string, unknown>();
  private assignmentTable: AssignmentTable | undefined;
  private assignmentFeed: AssignmentFeed | undefined;
  private readonly lagGates = new Map<string, LoaderLagGate>();
  /** Refreshes this instance has logged the start of. */
  private readonly announcedRefreshes = new Set<string>();
  private refreshControl: RefreshControl | undefined;
  private refreshSchedule: Cron | undefined;
  private snapshotWatch: SnapshotWatch | undefined;
  /** Kept open for the refresh's offset and lag lookups. */
  private admin: KafkaAdmin | undefined;
  private started = false;
  private registry: SchemaRegistry | undefined;
  private epochFeed: FollowedSourceEpochs | undefined;
  private positionReport: PositionReport | undefined;
  private probes: { atMs: number; kafka: ReadinessInputs['kafka']; registry: ReadinessInputs['registry'] } | undefined;
  private readonly fatal = Promise.withResolvers<ErpDeltaError>();
  private fatalError: ErpDeltaError | undefined;
  /**
   * Settles with an error that no retry can get past and that must stop the process: a store
   * that found its filesystem full. `run` waits for it beside SIGTERM (cli/run-command.ts).
   */
  readonly failed: Promise<ErpDeltaError> = this.fatal.promise;

  constructor(private readonly options: TrackerOptions) {
    const { config, logger } = options;
    this.kafka = kafkaClients(config.kafka, logger);
    this.entitiesByTopic = new Map(trackedEntities(config).map((entity) => [entity.topic, entity]));
    registerCompareMetrics(this.metrics.registry, () => (this.refreshControl ? latestCompare(this.refreshControl.board, config, Date.now()) : undefined));
  }

  async start(): Promise<void> {
    const { config, logger, dataDir, parts } = this.options;
    const admin = await this.kafka.connectAdmin();
    this.admin = admin;
    await ensureTopics(admin, config, logger);
    // Each start-up step says when it is done: a start that stalls names the step it is in.
    await this.startRefreshControl(admin);
    logger.debug({ topic: config.refresh.topic }, 'start-up: refresh topic read');
    // One client, so one schema cache, for the deltas written and read and the CDC records decoded.
    const registry = registryClient(config.registry);
    this.registry = registry;
    const codec = await DeltaCodec.register(config, registry, logger);
    logger.debug('start-up: delta schemas registered');
    const epochs = await parts.followSourceEpochs(this.kafka, config.sourceEpochTopic, logger);
    this.epochFeed = epochs;
    this.positionReport = new PositionReport(this.metrics, logger);
    logger.debug({ topic: config.sourceEpochTopic }, 'start-up: source epochs read');
    const context: TaskContext = {
      kafka: this.kafka,
      groupId: config.kafka.groupId,
      dataDir,
      stores: {
        openStore: (dir, options) => parts.openStore(dir, { ...options, onDiskFull: (error) => this.failWith(error) }),
        wipeStore: (dir) => parts.wipeStore(dir),
      },
      dlqTopic: config.dlqTopic,
      codec,
      decoder: parts.recordDecoder(registry),
      metrics: this.metrics,
      logger,
      assignment: config.assignment && (await this.startAssignmentTable(config.assignment)),
      epochs,
      positions: this.positionReport,
      newerRecordsBefore: (topic, partition, offset, timestampMs) => this.newerRecordsBefore(topic, partition, offset, timestampMs),
      partitionStart: (topic, partition) => this.partitionStart(topic, partition),
      truncateRequest: (entity, truncate) => this.truncateRequest(entity, truncate),
    };
    if (config.assignment) logger.debug({ topic: config.assignment.topic }, 'start-up: assignment table read');
    const tasks = new TaskManager({ io: taskIo(context, this.entitiesByTopic), logger, startHelpers: (task: Task) => this.startHelpers(task) });
    this.tasks = tasks;

    const consumer = this.kafka.cdcConsumer(config.kafka.groupId);
    this.consumer = consumer;
    await consumer.run({
      topics: [...this.entitiesByTopic.keys()],
      onAssignment: (assignment, { memberId }) => {
        // Info: each join is a rebalance, and a member id that changes means the group had taken
        // this instance out (its heartbeats had stopped for a session timeout).
        this.metrics.recordGroupJoin();
        logger.info({ memberId, partitions: Object.values(assignment).reduce((sum, partitions) => sum + partitions.length, 0), assignment }, 'joined the group');
        // Assignments are handled one after the other, and batches wait for theirs (taskFor).
        const assigned = Object.entries(assignment).flatMap(([topic, partitions]) => partitions.map((partition) => ({ topic, partition })));
        tasks.assign(assigned).catch((error: unknown) => {
          logger.error({ err: error }, 'assignment failed');
        });
      },
      eachBatch: (payload) => this.onBatch(payload),
      onRestart: (error, inMs) => logger.error({ err: error, inMs }, 'the CDC consumer stopped on an error its Kafka client does not retry; it runs again shortly'),
    });
    this.metrics.lagSource = () => this.consumerLag();
    this.metrics.runningStoresSource = () => tasks.running().map(({ task }) => task.store);
    this.started = true;
    logger.info({ entities: [...this.entitiesByTopic.values()].map((entity) => entity.name), group: config.kafka.groupId }, 'tracker running');
  }

  /**
   * Reads the whole assignment mapping into the global table before any task processes a record
   * (DESIGN "Assignment join"), and keeps reading it: each change is handed to the re-check of
   * every ready task of the assignment entity.
   */
  private async startAssignmentTable(assignment: NonNullable<TrackerConfig['assignment']>): Promise<NonNullable<TaskContext['assignment']>> {
    const { config, dataDir, logger } = this.options;
    const table = await AssignmentTable.open(join(dataDir, 'assignments', assignment.topic), (error) => this.failWith(error));
    this.assignmentTable = table;
    this.assignmentFeed = await AssignmentFeed.start({
      kafka: this.kafka,
      assignment,
      table,
      dlqTopic: config.dlqTopic,
      logger,
      onChanges: (changes) => this.onAssignmentChanges(changes),
    });
    return { entity: assignment.entity, join: assignmentJoin(table, assignment) };
  }

  /**
   * Reads the refresh topic (requests and progress of the whole group) and keeps reading it; runs
   * the configured schedule. A refresh needs compacted CDC topics: checked now, and again by each
   * request.
   */
  private async startRefreshControl(admin: KafkaAdmin): Promise<void> {
    const { config, logger } = this.options;
    await assertCompacted(
      admin,
      Object.values(config.entities).map((entity) => entity.topic),
    ).catch((error: unknown) => {
      if (!isErpDeltaError(error, 'REFRESH_REFUSED')) throw error;
      logger.error({ code: error.code, hint: error.hint }, error.message);
    });
    this.refreshControl = await RefreshControl.open(this.kafka, admin, config.refresh.topic, config.kafka.groupId, () => this.onRefreshBoardChange());
    await this.startSnapshotWatch(admin, this.refreshControl);
    const schedule = config.refresh.schedule;
    if (schedule) {
      this.refreshSchedule = new Cron(schedule.cron, { timezone: schedule.timeZone, protect: true }, (job: Cron) => {
        const due = job.currentRun() ?? new Date();
        void this.requestScheduledRefresh(due);
      });
      logger.info({ cron: schedule.cron, timeZone: schedule.timeZone, next: this.refreshSchedule.nextRun()?.toISOString() }, 'refresh schedule');
    }
  }

  /** Follows the connectors' snapshot notifications, for the full compares (snapshot-watch.ts). */
  private async startSnapshotWatch(admin: KafkaAdmin, control: RefreshControl): Promise<void> {
    const { config, logger, parts } = this.options;
    const connectorsDir = config.refresh.connectorsDir ?? projectFiles.connectorsDir;
    const { found, missing } = parts.findSnapshotTargets(Object.keys(config.entities), connectorsDir);
    if (missing.length > 0)
      logger.warn({ entities: missing, connectorsDir }, 'no connector file with a Kafka signal channel captures these entities: a full compare (refresh --from-source) cannot run for them');
    this.snapshotWatch = await SnapshotWatch.start(this.kafka, admin, control, found, logger);
  }

  /**
   * Every instance runs the schedule; the refresh ids come from the due time, so the group runs
   * each once. A firing's runs (scheduled-runs.ts) go one after the other: the first now, each
   * next one when the one before has completed (onRefreshBoardChange).
   */
  private async requestScheduledRefresh(due: Date, run = scheduledRuns(this.options.config, due)[0]): Promise<void> {
    const { config, logger, parts } = this.options;
    const control = this.refreshControl;
    if (!control || !this.admin || run === undefined) return;
    try {
      await control.caughtUp();
      if (control.board.request(run.id)) return;
      const targets = this.snapshotWatch?.targets.filter((target) => run.entities.includes(target.entity)) ?? [];
      // Before the request: a compare whose snapshot cannot be asked for would stay running and refuse every refresh after it.
      if (run.kind === 'compare') await parts.checkSignalTopics(this.admin, targets);
      const request = await control.request(this.admin, config, {
        trigger: `schedule ${due.toISOString()}`,
        id: run.id,
        entities: run.entities,
        kind: run.kind,
        rowEstimates: () => parts.tableRowEstimates(targets),
      });
      for (const [topic, why] of Object.entries(request.estimatesUnknown ?? {})) {
        logger.warn({ refresh: request.id, topic, why }, "full compare: the table's row estimate is unknown, so its progress shows rows compared without a percentage or ETA");
      }
      if (run.kind === 'compare') await parts.sendSnapshotSignals(targets, request.id);
      logger.info({ refresh: request.id, kind: run.kind, entities: request.entities }, 'scheduled refresh requested');
    } catch (error) {
      logger.warn({ refresh: run.id, err: error }, 'scheduled refresh not started');
    }
  }

  /** The next run of the firing that requested `completed`, if it was the schedule's. */
  private requestNextScheduledRun(completed: RefreshRequest): void {
    const dueText = /^schedule (\S+)$/.exec(completed.trigger)?.[1];
    const due = dueText === undefined ? undefined : new Date(dueText);
    if (due === undefined || Number.isNaN(due.getTime())) return;
    const next = nextScheduledRun(scheduledRuns(this.options.config, due), completed.id);
    if (next) void this.requestScheduledRefresh(due, next);
  }

  private onRefreshBoardChange(): void {
    const control = this.refreshControl;
    if (!control) return;
    for (const { helpers } of this.tasks?.running() ?? []) helpers.refresh?.kick();
    void this.snapshotWatch?.reconsider().catch((error: unknown) => this.options.logger.warn({ err: error }, 'could not record where a snapshot ended'));
    const running = control.board.running();
    if (running && !this.announcedRefreshes.has(running.id)) {
      this.announcedRefreshes.add(running.id);
      this.options.logger.info(
        { refresh: running.id, entities: running.entities, trigger: running.trigger, records: refreshStatus(control.board, this.options.config, Date.now(), running.id).running?.totals.total },
        'refresh started',
      );
    }
    if (running && control.board.isDone(running)) {
      void control
        .complete(running)
        .then(async () => {
          const totals = refreshStatus(control.board, this.options.config, Date.now(), running.id).running?.totals;
          this.options.logger.info({ refresh: running.id, entities: running.entities, ...totals, ms: Date.now() - running.requestedAtMs }, 'refresh completed');
          // The replay positions are of no use any more; left behind, each refresh would add a group.
          await this.admin?.deleteGroups([refreshGroupId(this.options.config.kafka.groupId, running.id)]).catch(() => undefined);
          this.requestNextScheduledRun(running);
        })
        .catch((error: unknown) => this.options.logger.warn({ refresh: running.id, err: error }, 'could not mark the refresh completed'));
    }
  }

  private lagGateFor(request: RefreshRequest): LoaderLagGate {
    let gate = this.lagGates.get(request.id);
    if (!gate) {
      const { config, logger } = this.options;
      const deltaTopics = request.entities.flatMap((name) => (config.entities[name] ? [config.entities[name].deltaTopic] : []));
      gate = new LoaderLagGate(this.admin as KafkaAdmin, config.refresh.loaderGroupId, deltaTopics, config.refresh.maxLoaderLag, logger);
      this.lagGates.set(request.id, gate);
    }
    return gate;
  }

  private onAssignmentChanges(changes: readonly AssignmentChange[]): void {
    for (const {
      helpers: { recheck },
    } of this.tasks?.running() ?? []) {
      if (!recheck) continue;
      for (const change of changes) {
        if (change.role === 'mapping') recheck.requestRep(change.key, change.tsMs);
        else recheck.requestKey(change.key, change.tsMs);
      }
    }
  }

  /**
   * A restored task starts processing: it takes part in a running refresh, and one of the
   * assignment entity first checks every rep.
   */
  private startHelpers(task: Task): RunningTaskHelpers {
    const { assignmentTable, options, refreshControl, admin } = this;
    let refresh: RefreshRunner | undefined;
    if (refreshControl && admin) {
      refresh = new RefreshRunner(task, {
        kafka: this.kafka,
        admin,
        control: refreshControl,
        groupId: options.config.kafka.groupId,
        maxRecordsPerSecond: options.config.refresh.maxRecordsPerSecond,
        gateFor: (request) => this.lagGateFor(request),
        metrics: this.metrics,
        logger: options.logger,
      });
      refresh.kick();
    }
    const stop = async (): Promise<void> => {
      await refresh?.stop();
    };
    if (!task.join || !assignmentTable) return { refresh, recheck: undefined, stop };
    // A task whose re-check failed (its producer fenced, Kafka gone) is replaced: its new re-check
    // picks up where the state stands.
    const recheck = new AssignmentRecheck(task, {
      table: assignmentTable,
      respectManual: options.config.assignment?.respectManual ?? false,
      logger: options.logger,
      onFailure: () => void this.tasks?.replace(task),
    });
    recheck.requestAll(Date.now());
    return { refresh, recheck, stop };
  }

  private async onBatch({ batch, resolveOffset, heartbeat, isRunning, isStale, pause }: FetchedBatch): Promise<void> {
    if (batch.messages.length === 0) return;
    const tasks = this.tasks;
    if (!tasks) return;
    const partition = { topic: batch.topic, partition: batch.partition };
    // The assignment's restore must finish before this partition's records are compared.
    const task = tasks.runningTask(partition) ?? this.awaitTask(tasks, partition, pause);
    if (!task || !isRunning() || isStale()) return;
    let outcome: BatchOutcome;
    try {
      outcome = await task.processBatch(batch.messages, {
        moreAvailable: BigInt(batch.lastOffset()) + 1n < BigInt(batch.highWatermark),
        transactionLingerMs: this.options.config.tracker.transactionLingerMs,
      });
    } catch (error) {
      // When in doubt, re-check: the retried batch gets a fresh task, whose new producer fences
      // anything left of this one and whose store restores whatever this one committed.
      await this.tasks?.discard(task);
      throw error;
    }
    if (BigInt(outcome.nextOffset) > BigInt(batch.firstOffset() ?? outcome.nextOffset)) resolveOffset(String(BigInt(outcome.nextOffset) - 1n));
    // A capture restart (Task): the partition is read again from its start, committed already.
    if (outcome.readFrom !== undefined) this.consumer?.seek({ topic: batch.topic, partition: batch.partition, offset: outcome.readFrom });
    // A source transaction left for the rest of its records: what is not resolved is fetched again.
    if (outcome.lingerMs !== undefined) await sleep(outcome.lingerMs);
    await heartbeat();
  }

  /**
   * A batch of a partition whose task does not run yet (it opens or restores): the partition is
   * paused and the batch left unresolved, so that it is fetched again once the task runs (or
   * will not: then its next batch opens a new one). A batch that waited here for the restore
   * instead would hold up every other partition (kafkajs fetches again only once each batch of a
   * fetch is handled) and stop the member's heartbeats: a restore longer than the session timeout
   * would take the instance out of its group, and its partitions, restore and all, elsewhere.
   * A failed open or restore fails the partition's next batch, which kafkajs retries as before.
   */
  private awaitTask(tasks: TaskManager<Task, RunningTaskHelpers>, partition: TopicPartition, pause: FetchedBatch['pause']): undefined {
    const id = taskId(partition.topic, partition.partition);
    const failure = this.openFailures.get(id);
    if (failure !== undefined) {
      this.openFailures.delete(id);
      throw failure;
    }
    const resume = pause();
    this.options.logger.debug({ task: id }, 'partition paused until its task runs');
    tasks
      .taskFor(partition)
      .catch((error: unknown) => {
        this.openFailures.set(id, error);
      })
      .finally(() => {
        this.options.logger.debug({ task: id }, 'partition resumed');
        resume();
      });
    return undefined;
  }

  /**
   * The first offset whose record was written after `timestampMs` is before `offset`: the records
   * there came after the one read last, which only a topic created again explains (Task).
   */
  private async newerRecordsBefore(topic: string, partition: number, offset: string, timestampMs: number): Promise<boolean> {
    const admin = this.admin;
    if (!admin) return true;
    const first = (await admin.fetchTopicOffsetsByTimestamp(topic, timestampMs + 1)).find((entry) => entry.partition === partition)?.offset;
    return first !== undefined && BigInt(first) >= 0n && BigInt(first) < BigInt(offset);
  }

  /** The refresh topic's record that has every task of `entity` sweep for a truncate (truncateRequest). */
  private async truncateRequest(entity: TrackedEntity, truncate: DeltaSource): Promise<{ topic: string; message: OutgoingRecord }> {
    const { config } = this.options;
    const partitions = (await (this.admin as KafkaAdmin).fetchTopicOffsets(entity.topic)).map((entry) => entry.partition);
    const request = truncateRequest(config.kafka.groupId, entity.name, truncate, partitions, Date.now());
    return { topic: config.refresh.topic, message: { key: requestKey(request.id), value: JSON.stringify(request) } };
  }

  private async partitionStart(topic: string, partition: number): Promise<string> {
    const offsets = await this.admin?.fetchTopicOffsets(topic);
    return offsets?.find((entry) => entry.partition === partition)?.low ?? '0';
  }

  /**
   * For /readyz: started, no task restoring, Kafka and the registry answering (probed at most
   * every 2 s, each within 2 s).
   */
  async readiness(): Promise<Readiness> {
    if (!this.probes || Date.now() - this.probes.atMs > 2_000) {
      const [kafka, registry] = await Promise.all([this.probeKafka(), probeRegistry(this.options.config.registry)]);
      this.probes = { atMs: Date.now(), kafka, registry };
    }
    const { restoring, tasks } = this.tasks?.counts() ?? { restoring: 0, tasks: 0 };
    return readiness({ started: this.started, restoring, tasks, kafka: this.probes.kafka, registry: this.probes.registry });
  }

  private async probeKafka(): Promise<ReadinessInputs['kafka']> {
    if (!this.admin) return { reachable: false, error: 'not connected yet' };
    try {
      await Promise.race([
        this.admin.describeCluster(),
        sleep(2_000, undefined, { ref: false }).then(() => {
          throw new Error('no answer within 2 s');
        }),
      ]);
      return { reachable: true };
    } catch (error) {
      return { reachable: false, error: (error as Error).message };
    }
  }

  /** Per entity: CDC end offsets minus the group's committed offsets. */
  async consumerLag(): Promise<Record<string, number>> {
    const admin = this.admin;
    if (!admin) return {};
    const { groupId } = this.options.config.kafka;
    const lags: Record<string, number> = {};
    for (const [topic, entity] of this.entitiesByTopic) {
      const committed = (await admin.fetchOffsets({ groupId, topics: [topic] }))[0]?.partitions ?? [];
      let lag = 0;
      for (const { partition, high, low } of await admin.fetchTopicOffsets(topic)) {
        const offset = Number(committed.find((entry) => entry.partition === partition)?.offset ?? -1);
        lag += Number(high) - (offset < 0 ? Number(low) : offset);
      }
      lags[entity.name] = lag;
    }
    return lags;
  }

  // What the status page shows and does (TrackerView, TrackerActions).

  entityNames(): string[] {
    return [...this.entitiesByTopic.values()].map((entity) => entity.name);
  }

  entityCounters(): Promise<Record<string, EntityCounters>> {
    return this.metrics.entityCounters(this.entityNames());
  }

  sourcePositions(): Record<string, PositionStatus & { epoch: number }> {
    return Object.fromEntries(
      this.entityNames().map((name) => [
        name,
        {
          ...(this.positionReport?.status()[name] ?? { behind: 0, lastBehind: null, withoutPosition: 0 }),
          epoch: this.epochFeed?.epochOf(name) ?? 0,
        },
      ]),
    );
  }

  refreshStatus(): RefreshStatus {
    return this.refreshControl ? refreshStatus(this.refreshControl.board, this.options.config, Date.now()) : {};
  }

  /** The mapping as this instance's table holds it: what the joins use now. */
  assignmentMapping(): AssignmentMapping | null {
    const { assignment } = this.options.config;
    if (!assignment || !this.assignmentTable) return null;
    return { topic: assignment.topic, entity: assignment.entity, mapping: this.assignmentTable.entries('mapping').map(([repCode, userId]) => ({ repCode, userId })) };
  }

  /** Requests a refresh of every entity, as `erp-delta refresh` does; refused while one runs. */
  async requestRefresh(trigger: string): Promise<RefreshRequest> {
    if (!this.refreshControl || !this.admin) throw new ErpDeltaError('TASK_CLOSED', 'The tracker is not running.', { retriable: true });
    const request = await this.refreshControl.request(this.admin, this.options.config, { trigger });
    this.options.logger.info({ refresh: request.id, entities: request.entities, trigger }, 'refresh requested');
    return request;
  }

  /** Writes one mapping record, as `erp-delta assign` / `unassign` do; the feed then applies it. */
  async assign(repCode: string, userId: string | null): Promise<WrittenAssignment> {
    const { assignment } = this.options.config;
    if (!assignment) throw new ErpDeltaError('INVALID_CONFIG', 'The config has no "assignment" section, so there is no mapping to change.');
    const written = await writeAssignment(this.kafka, assignment.topic, assignmentText(repCode, 'sales rep code'), userId === null ? null : assignmentText(userId, 'user id'));
    this.options.logger.info({ rep: repCode, userId, ...written }, userId === null ? 'rep unassigned from the status page' : 'rep assigned from the status page');
    return written;
  }

  /** The last deltas of a key, from the tail of its delta topic: "why was this record sent?". */
  async deltaHistory(entityName: string, key: string): Promise<DeltaHistory> {
    const entity = this.options.config.entities[entityName];
    if (!entity) throw new ErpDeltaError('INVALID_OPTION', `"${entityName}" is not an entity of the config (${this.entityNames().join(', ')}).`);
    if (!this.admin || !this.registry) throw new ErpDeltaError('TASK_CLOSED', 'The tracker is not running.', { retriable: true });
    return this.options.parts.readDeltaHistory(this.kafka, this.admin, this.registry, entity.deltaTopic, key, { limit: DELTA_HISTORY_LIMIT, tailPerPartition: DELTA_HISTORY_TAIL });
  }

  /** The first error that must stop the process: logged once, then `failed` settles with it. */
  private failWith(error: ErpDeltaError): void {
    if (this.fatalError) return;
    this.fatalError = error;
    this.options.logger.fatal({ err: error }, 'erp-delta must stop');
    this.fatal.resolve(error);
  }

  async stop(): Promise<void> {
    // A scrape after this must not reconnect the admin client (it would keep the process alive).
    this.metrics.lagSource = undefined;
    this.metrics.runningStoresSource = undefined;
    this.started = false;
    await this.consumer?.disconnect();
    await this.tasks?.closeAll();
    this.refreshSchedule?.stop();
    await this.assignmentFeed?.stop();
    await this.assignmentTable?.close();
    await this.epochFeed?.stop();
    await this.snapshotWatch?.stop();
    await this.refreshControl?.close();
    await this.admin?.disconnect();
  }
}
