import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ErpDeltaError } from '../../../src/errors/erp-delta-error.js';
import { createLogger } from '../../../src/logging/logger.js';
import { StateStore } from '../../../src/state/state-store.js';
import type { LoadedRecord } from '../../../src/model/loaded-record.js';
import { TaskManager, type ManagedTask, type TaskHelpers, type TaskIo, type TopicPartition } from '../../../src/tracker/task-manager.js';
import type { ChangelogPosition, TaskState } from '../../../src/tracker/task-state.js';

const TOPIC = 'erp.public.customers';
const P0: TopicPartition = { topic: TOPIC, partition: 0 };
const P1: TopicPartition = { topic: TOPIC, partition: 1 };
const ID0 = `${TOPIC}-0`;
const ID1 = `${TOPIC}-1`;

/** A promise the test settles when it wants: to hold an open or a restore where it is. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** A logger at debug (the manager logs each state change there) writing its lines into an array. */
function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return {
    logger: createLogger('test', 'debug', sink),
    lines,
    /** The states a task went through, in order. */
    states: (id: string) => lines.filter((line) => line['msg'] === 'task state' && line['task'] === id).map((line) => line['to'] as TaskState),
    warnings: () => lines.filter((line) => line['level'] === 40),
  };
}

/** A task of the fake I/O: it only knows whether it is closed. */
class FakeTask implements ManagedTask {
  closed = false;
  constructor(
    readonly id: string,
    readonly incarnation: number,
  ) {}
  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

/** A task's store as the fake I/O keeps it: a checkpoint, and whether its files can open. */
interface FakeStore {
  checkpoint: string;
  corrupt: boolean;
}

/**
 * erp-delta's task I/O (TaskIo) in memory: stores with checkpoints, changelogs with ends, and a
 * record of every call. `holdOpen` and `holdRestore` keep an open or a restore waiting.
 */
class FakeIo implements TaskIo<FakeTask> {
  readonly calls: string[] = [];
  readonly stores = new Map<string, FakeStore>();
  readonly changelogEnds = new Map<string, string>();
  readonly opened: FakeTask[] = [];
  holdOpen: Promise<void> | undefined;
  holdRestore: Promise<void> | undefined;
  failOpen: Error | undefined;
  failRestore: Error | undefined;
  /** Tasks whose changelogs are read before the restore is held (holdRestore) or fails. */
  readonly restoredFirst = new Set<string>();

  store(id: string): FakeStore {
    let store = this.stores.get(id);
    if (!store) {
      store = { checkpoint: '0', corrupt: false };
      this.stores.set(id, store);
    }
    return store;
  }

  async openTask({ topic, partition }: TopicPartition, tasksInProcess: number): Promise<FakeTask> {
    const id = `${topic}-${partition}`;
    this.calls.push(`open ${id} (${tasksInProcess} in process)`);
    await this.holdOpen;
    if (this.failOpen) throw this.failOpen;
    if (this.store(id).corrupt) throw new ErpDeltaError('STORE_CORRUPT', `The state store in /data/tasks/${id} cannot open: Corruption: CURRENT file does not end with newline`);
    const task = new FakeTask(id, this.opened.filter((opened) => opened.id === id).length + 1);
    this.opened.push(task);
    return task;
  }

  wipeStore({ topic, partition }: TopicPartition): Promise<void> {
    const id = `${topic}-${partition}`;
    this.calls.push(`wipe ${id}`);
    this.stores.set(id, { checkpoint: '0', corrupt: false });
    return Promise.resolve();
  }

  changelogPositions(tasks: readonly FakeTask[]): Promise<ChangelogPosition[]> {
    this.calls.push(`positions ${tasks.map((task) => task.id).join(' ')}`);
    return Promise.resolve(tasks.map((task) => ({ checkpoint: this.store(task.id).checkpoint, end: this.changelogEnds.get(task.id) ?? '0' })));
  }

  async restore(plans: ReadonlyArray<{ task: FakeTask; from: string; end: string }>, onRestored: (task: FakeTask) => void): Promise<void> {
    this.calls.push(`restore ${plans.map(({ task, from }) => `${task.id}#${task.incarnation} from ${from}`).join(', ')}`);
    // These changelogs are read before the others: their tasks are handed back at once.
    for (const { task, end } of plans) {
      if (!this.restoredFirst.has(task.id)) continue;
      this.store(task.id).checkpoint = end;
      onRestored(task);
    }
    await this.holdRestore;
    if (this.failRestore) throw this.failRestore;
    for (const { task } of plans) this.store(task.id).checkpoint = this.changelogEnds.get(task.id) ?? '0';
  }
}

/** Helpers that say when they were started and stopped. */
class FakeHelpers implements TaskHelpers {
  stopped = false;
  constructor(readonly task: ManagedTask) {}
  stop(): Promise<void> {
    this.stopped = true;
    return Promise.resolve();
  }
}

function managerWith<T extends ManagedTask>(io: TaskIo<T>) {
  const log = capture();
  const helpers: FakeHelpers[] = [];
  const manager = new TaskManager<T, FakeHelpers>({
    io,
    logger: log.logger,
    startHelpers: (task) => {
      const started = new FakeHelpers(task);
      helpers.push(started);
      return started;
    },
  });
  return { manager, helpers, log };
}

/** Lets queued promise callbacks run. */
async function settle(): Promise<void> {
  for (let turn = 0; turn < 20; turn += 1) await Promise.resolve();
}

describe('task manager: the normal lifecycle', () => {
  it('opens the assigned tasks, restores them together from their checkpoints, and runs each once its store has caught up', async () => {
    const io = new FakeIo();
    io.store(ID0).checkpoint = '10';
    io.changelogEnds.set(ID0, '25');
    io.changelogEnds.set(ID1, '1');
    const { manager, helpers, log } = managerWith(io);
    const open = gate();
    const restore = gate();
    io.holdOpen = open.promise;
    io.holdRestore = restore.promise;

    const assigned = manager.assign([P0, P1]);
    await settle();
    assert.equal(manager.stateOf(P0), 'CREATED');
    assert.deepEqual(manager.counts(), { restoring: 2, tasks: 2 });
    open.open();
    await settle();
    assert.equal(manager.stateOf(P0), 'RESTORING');
    assert.equal(manager.stateOf(P1), 'RUNNING', 'partition 1 has nothing to read: it runs while partition 0 restores');
    assert.deepEqual(manager.counts(), { restoring: 1, tasks: 2 });
    assert.deepEqual(
      helpers.map((started) => started.task.id),
      [ID1],
      'nothing runs beside a task that is restoring',
    );
    restore.open();
    await assigned;

    assert.deepEqual(io.calls, [
      `open ${ID0} (2 in process)`,
      `open ${ID1} (2 in process)`,
      `positions ${ID0} ${ID1}`,
      // partition 1's changelog holds only a commit marker past its (empty) store: nothing to read.
      `restore ${ID0}#1 from 10`,
    ]);
    assert.equal(manager.stateOf(P0), 'RUNNING');
    assert.deepEqual(log.states(ID0), ['CREATED', 'RESTORING', 'RUNNING']);
    assert.deepEqual(manager.counts(), { restoring: 0, tasks: 2 });
    assert.deepEqual(
      manager.running().map(({ task }) => task.id),
      [ID0, ID1],
    );
    assert.deepEqual(
      helpers.map((started) => started.task.id),
      [ID1, ID0],
    );
    assert.deepEqual(log.lines.find((line) => line['msg'] === 'tasks ready')?.['tasks'], [ID1, ID0]);
    const task = await manager.taskFor(P0);
    assert.equal(task?.id, ID0);

    // The partition moves away: its task stops its helpers, then closes.
    await manager.assign([P1]);
    assert.equal(manager.stateOf(P0), undefined);
    assert.equal(task?.closed, true);
    assert.equal(helpers[1]?.stopped, true);
    assert.equal(helpers[0]?.stopped, false, 'the task that stays keeps running');
    assert.deepEqual(log.states(ID0), ['CREATED', 'RESTORING', 'RUNNING', 'SUSPENDED', 'CLOSED']);
    assert.ok(log.lines.some((line) => line['msg'] === 'task closed: its partition moved away' && line['task'] === ID0));
    assert.deepEqual(manager.counts(), { restoring: 0, tasks: 1 });
    assert.equal(await manager.taskFor(P1), io.opened[1], 'a kept task is the same task');
    assert.equal(io.opened.length, 2);
  });

  it('opens and restores the task of a batch that finds none (after a failed one was discarded)', async () => {
    const io = new FakeIo();
    io.changelogEnds.set(ID0, '5');
    const { manager, log } = managerWith(io);
    const first = await manager.taskFor(P0);
    assert.equal(manager.stateOf(P0), 'RUNNING');
    assert.ok(first);

    await manager.discard(first);
    assert.equal(first.closed, true);
    assert.equal(manager.stateOf(P0), undefined);
    await manager.discard(first);

    const second = await manager.taskFor(P0);
    assert.notEqual(second, first);
    assert.equal(second?.incarnation, 2);
    assert.deepEqual(log.states(ID0), ['CREATED', 'RESTORING', 'RUNNING', 'SUSPENDED', 'CLOSED', 'CREATED', 'RESTORING', 'RUNNING']);
  });

  it("replaces a task whose helper failed, when it is still its partition's task", async () => {
    const io = new FakeIo();
    const { manager, helpers } = managerWith(io);
    await manager.assign([P0]);
    const failed = io.opened[0] as FakeTask;
    await manager.replace(failed);
    assert.equal(failed.closed, true);
    assert.equal(helpers[0]?.stopped, true);
    const replacement = await manager.taskFor(P0);
    assert.equal(replacement?.incarnation, 2);
    assert.equal(manager.stateOf(P0), 'RUNNING');
    await manager.replace(failed);
    assert.equal(io.opened.length, 2, 'a task already replaced is not replaced again');
  });

  it('forgets the tasks of an open or a restore that failed, so that their next batch tries again', async () => {
    const io = new FakeIo();
    io.changelogEnds.set(ID0, '5');
    const { manager, helpers } = managerWith(io);
    io.failRestore = new ErpDeltaError('KAFKA_UNAVAILABLE', 'no broker', { retriable: true });
    await assert.rejects(manager.assign([P0, P1]), { code: 'KAFKA_UNAVAILABLE' });
    assert.equal(manager.stateOf(P0), undefined);
    assert.equal(manager.stateOf(P1), 'RUNNING', 'partition 1 had nothing to restore: it ran, and runs on');
    assert.deepEqual(
      io.opened.map((task) => [task.id, task.closed]),
      [
        [ID0, true],
        [ID1, false],
      ],
      'the task not restored is closed',
    );
    assert.equal(helpers.length, 1);
    assert.deepEqual(manager.counts(), { restoring: 0, tasks: 1 });

    io.failRestore = undefined;
    io.failOpen = new ErpDeltaError('KAFKA_UNAVAILABLE', 'no broker', { retriable: true });
    await assert.rejects(manager.taskFor(P0), { code: 'KAFKA_UNAVAILABLE' });
    assert.equal(io.calls.filter((call) => call.startsWith('wipe')).length, 0, 'Kafka being away wipes nothing');
    io.failOpen = undefined;
    assert.equal((await manager.taskFor(P0))?.incarnation, 2, 'opened again: the second task opened for the partition');
  });
});

describe('task manager: a restore holds up no other partition', () => {
  it("hands a running task to its batches at once, while another partition's task restores", async () => {
    const io = new FakeIo();
    io.changelogEnds.set(ID1, '1000');
    const { manager } = managerWith(io);
    await manager.assign([P0]);
    const running = io.opened[0];
    const restore = gate();
    io.holdRestore = restore.promise;

    // A rebalance brings partition 1, whose changelog is long.
    const assigned = manager.assign([P0, P1]);
    await settle();
    assert.equal(manager.stateOf(P1), 'RESTORING');
    assert.equal(manager.runningTask(P0), running);
    assert.equal(manager.runningTask(P1), undefined);
    assert.equal(await Promise.race([manager.taskFor(P0), sleep(50).then(() => 'waiting')]), running, "partition 0's batch does not wait for partition 1's restore");
    const waiting = manager.taskFor(P1);
    assert.equal(await Promise.race([waiting, sleep(50).then(() => 'waiting')]), 'waiting', "partition 1's batch has to wait");

    restore.open();
    await assigned;
    assert.equal(await waiting, io.opened[1]);
    assert.equal(manager.runningTask(P1), io.opened[1]);
  });

  it('runs each task as soon as its own store has caught up; a failure later closes only the tasks not restored', async () => {
    const io = new FakeIo();
    io.changelogEnds.set(ID0, '30');
    io.changelogEnds.set(ID1, '5000');
    io.restoredFirst.add(ID0);
    const { manager, helpers, log } = managerWith(io);
    const restore = gate();
    io.holdRestore = restore.promise;

    const assigned = manager.assign([P0, P1]);
    // Batches that come as the assignment starts: each waits for its own task only.
    const batchOf0 = manager.taskFor(P0);
    const batchOf1 = manager.taskFor(P1);
    await settle();
    assert.equal(manager.stateOf(P0), 'RUNNING', "partition 0's small changelog is read: it runs");
    assert.equal(await Promise.race([batchOf0, sleep(50).then(() => 'waiting')]), io.opened[0], "partition 0's batch does not wait for partition 1's restore");
    assert.equal(await Promise.race([batchOf1, sleep(50).then(() => 'waiting')]), 'waiting');
    assert.equal(manager.stateOf(P1), 'RESTORING');
    assert.deepEqual(manager.counts(), { restoring: 1, tasks: 2 });
    assert.deepEqual(
      helpers.map((started) => started.task.id),
      [ID0],
    );
    assert.equal(await manager.taskFor(P0), io.opened[0]);

    io.failRestore = new ErpDeltaError('KAFKA_UNAVAILABLE', 'no broker', { retriable: true });
    restore.open();
    await assert.rejects(assigned, { code: 'KAFKA_UNAVAILABLE' });
    assert.equal(manager.stateOf(P0), 'RUNNING', 'restored, it runs on');
    assert.equal(manager.stateOf(P1), undefined, 'not restored, it is forgotten: its next batch tries again');
    assert.equal(await batchOf1, undefined, 'the batch that waited for it is told there is no task');
    assert.equal(io.opened[1]?.closed, true);
    assert.deepEqual(manager.counts(), { restoring: 0, tasks: 1 });
    assert.deepEqual(log.states(ID0), ['CREATED', 'RESTORING', 'RUNNING']);
  });
});

describe('task manager: revocation and re-assignment', () => {
  it('revoked during its restore, a task never runs: suspended at once, closed once the restore is over', async () => {
    const io = new FakeIo();
    io.changelogEnds.set(ID0, '100');
    const { manager, helpers, log } = managerWith(io);
    const restore = gate();
    io.holdRestore = restore.promise;
    const first = manager.assign([P0]);
    await settle();
    assert.equal(manager.stateOf(P0), 'RESTORING');

    const second = manager.assign([]);
    assert.equal(manager.stateOf(P0), 'SUSPENDED', 'suspended as soon as the assignment arrives');
    assert.equal(await Promise.race([manager.taskFor(P0), Promise.resolve('waiting')]), 'waiting');
    restore.open();
    await first;
    await second;

    assert.equal(helpers.length, 0, 'no helper started for a task that moved away');
    assert.equal(io.opened[0]?.closed, true);
    assert.deepEqual(log.states(ID0), ['CREATED', 'RESTORING', 'SUSPENDED', 'CLOSED']);
    assert.deepEqual(log.lines.find((line) => line['msg'] === 'tasks ready')?.['tasks'], []);
    assert.deepEqual(manager.counts(), { restoring: 0, tasks: 0 });
  });

  it('resumes a suspended task re-assigned: restored again from its checkpoint, running again, with new helpers', async () => {
    const io = new FakeIo();
    io.changelogEnds.set(ID0, '20');
    const { manager, helpers, log } = managerWith(io);
    await manager.assign([P0]);
    const task = io.opened[0] as FakeTask;

    await manager.suspend(P0);
    assert.equal(manager.stateOf(P0), 'SUSPENDED');
    assert.equal(helpers[0]?.stopped, true);
    assert.equal(task.closed, false, 'a suspended task keeps its store and producer');
    assert.equal(await manager.taskFor(P0), undefined, 'a suspended task takes no batch');
    assert.deepEqual(manager.running(), []);

    // Meanwhile its changelog grew (another instance had the partition).
    io.changelogEnds.set(ID0, '35');
    await manager.assign([P0]);
    assert.equal(manager.stateOf(P0), 'RUNNING');
    assert.equal(await manager.taskFor(P0), task, 'the same task, not a new one');
    assert.equal(io.opened.length, 1);
    assert.deepEqual(io.calls.slice(-2), [`positions ${ID0}`, `restore ${ID0}#1 from 20`]);
    assert.equal(helpers.length, 2);
    assert.equal(helpers[1]?.stopped, false);
    assert.deepEqual(log.states(ID0), ['CREATED', 'RESTORING', 'RUNNING', 'SUSPENDED', 'RESTORING', 'RUNNING']);
  });

  it('closes a task whose partition moves away and opens a new one when it comes back', async () => {
    const io = new FakeIo();
    const { manager, log } = managerWith(io);
    await manager.assign([P0]);
    const away = manager.assign([]);
    const back = manager.assign([P0]);
    await away;
    await back;
    assert.equal(io.opened[0]?.closed, true);
    assert.equal((await manager.taskFor(P0))?.incarnation, 2);
    assert.deepEqual(log.states(ID0), ['CREATED', 'RESTORING', 'RUNNING', 'SUSPENDED', 'CLOSED', 'CREATED', 'RESTORING', 'RUNNING']);
  });
});

describe('task manager: close from every state', () => {
  it('CREATED: a task revoked while it opens closes once opened, never restored', async () => {
    const io = new FakeIo();
    const { manager, log } = managerWith(io);
    const open = gate();
    io.holdOpen = open.promise;
    const first = manager.assign([P0]);
    await settle();
    assert.equal(manager.stateOf(P0), 'CREATED');
    const second = manager.assign([]);
    open.open();
    await first;
    await second;
    assert.deepEqual(log.states(ID0), ['CREATED', 'SUSPENDED', 'CLOSED']);
    assert.equal(io.opened[0]?.closed, true);
    assert.ok(!io.calls.some((call) => call.startsWith('restore') && call.includes(ID0)));
  });

  it('RESTORING, RUNNING and SUSPENDED: closeAll goes through SUSPENDED and releases every task', async () => {
    for (const from of ['RESTORING', 'RUNNING', 'SUSPENDED'] as const) {
      const io = new FakeIo();
      io.changelogEnds.set(ID0, '9');
      const { manager, helpers, log } = managerWith(io);
      const restore = gate();
      if (from === 'RESTORING') io.holdRestore = restore.promise;
      const assigned = manager.assign([P0]);
      if (from !== 'RESTORING') await assigned;
      if (from === 'SUSPENDED') await manager.suspend(P0);
      await settle();
      assert.equal(manager.stateOf(P0), from);
      const closed = manager.closeAll();
      restore.open();
      await assigned;
      await closed;
      assert.equal(manager.stateOf(P0), undefined, from);
      assert.equal(io.opened[0]?.closed, true, from);
      assert.ok(
        helpers.every((started) => started.stopped),
        from,
      );
      assert.deepEqual(log.states(ID0).slice(-2), ['SUSPENDED', 'CLOSED'], from);
      assert.equal(log.states(ID0).filter((state) => state === 'CLOSED').length, 1, from);
    }
  });

  it('CLOSED: closing again does nothing', async () => {
    const io = new FakeIo();
    const { manager, log } = managerWith(io);
    await manager.assign([P0]);
    const task = io.opened[0] as FakeTask;
    await manager.closeAll();
    const states = log.states(ID0).length;
    await manager.closeAll();
    await manager.discard(task);
    await manager.suspend(P0);
    await manager.assign([]);
    assert.equal(log.states(ID0).length, states);
    assert.equal(manager.stateOf(P0), undefined);
  });
});

describe('task manager: a corrupted task is wiped and restored from its changelog', () => {
  it("(a) a checkpoint past the changelog's end (the delta topic created again): closed, wiped, opened again, restored from the start", async () => {
    const io = new FakeIo();
    io.store(ID0).checkpoint = '120';
    io.changelogEnds.set(ID0, '40');
    io.store(ID1).checkpoint = '7';
    io.changelogEnds.set(ID1, '8');
    const { manager, helpers, log } = managerWith(io);
    await manager.assign([P0, P1]);

    assert.deepEqual(io.calls, [`open ${ID0} (2 in process)`, `open ${ID1} (2 in process)`, `positions ${ID0} ${ID1}`, `wipe ${ID0}`, `open ${ID0} (2 in process)`, `restore ${ID0}#2 from 0`]);
    assert.equal(io.opened[0]?.closed, true, 'the corrupted task is closed before its store is wiped');
    assert.equal(manager.stateOf(P0), 'RUNNING');
    assert.equal(await manager.taskFor(P0), io.opened[2]);
    assert.equal(io.store(ID0).checkpoint, '40');
    assert.deepEqual(new Set(helpers.map((started) => started.task)), new Set([io.opened[1], io.opened[2]]), 'helpers run beside the revived task, not the corrupted one');
    assert.deepEqual(log.states(ID0), ['CREATED', 'RESTORING', 'SUSPENDED', 'CLOSED', 'CREATED', 'RESTORING', 'RUNNING']);
    assert.deepEqual(log.states(ID1), ['CREATED', 'RESTORING', 'RUNNING'], 'the healthy task of the group is left alone');
    const [warning, ...more] = log.warnings();
    assert.equal(more.length, 0);
    assert.equal(warning?.['task'], ID0);
    assert.equal(warning?.['checkpoint'], '120');
    assert.equal(warning?.['changelogEnd'], '40');
    assert.match(String(warning?.['msg']), /checkpoint is past its changelog's end.*wiping the store and restoring it from the changelog/);
  });

  it('(a) with an empty changelog: wiped, and nothing to restore', async () => {
    const io = new FakeIo();
    io.store(ID0).checkpoint = '3';
    const { manager, log } = managerWith(io);
    await manager.assign([P0]);
    assert.deepEqual(io.calls, [`open ${ID0} (1 in process)`, `positions ${ID0}`, `wipe ${ID0}`, `open ${ID0} (1 in process)`, 'restore ']);
    assert.equal(manager.stateOf(P0), 'RUNNING');
    assert.equal(log.warnings().length, 1);
  });

  it('(b) a store that cannot open: wiped, opened empty, restored from the start', async () => {
    const io = new FakeIo();
    io.store(ID0).corrupt = true;
    io.store(ID0).checkpoint = '55';
    io.changelogEnds.set(ID0, '60');
    const { manager, log } = managerWith(io);
    await manager.assign([P0]);
    assert.deepEqual(io.calls, [`open ${ID0} (1 in process)`, `wipe ${ID0}`, `open ${ID0} (1 in process)`, `positions ${ID0}`, `restore ${ID0}#1 from 0`]);
    assert.equal(manager.stateOf(P0), 'RUNNING');
    assert.deepEqual(log.states(ID0), ['CREATED', 'RESTORING', 'RUNNING']);
    const [warning, ...more] = log.warnings();
    assert.equal(more.length, 0);
    assert.equal(warning?.['task'], ID0);
    assert.match(String(warning?.['reason']), /cannot open: Corruption/);
    assert.match(String(warning?.['msg']), /state store cannot open; wiping the store and restoring it from the changelog/);
  });
});

describe('task manager: a store that cannot open, with a real LevelDB', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'erp-delta-task-manager-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));
  const storeDir = (id: string) => join(dataDir, 'tasks', id);

  function loaded(key: string): LoadedRecord {
    return { key, data: { code: key }, source: { topic: TOPIC, partition: 0, offset: 1, tsMs: 0, connector: null, position: null, epoch: 0 } };
  }

  /** Tasks over real stores; the restore writes the changelog's one record. */
  class StoreTask implements ManagedTask {
    constructor(
      readonly id: string,
      readonly store: StateStore,
    ) {}
    close(): Promise<void> {
      return this.store.close();
    }
  }

  function storeIo(): TaskIo<StoreTask> & { calls: string[] } {
    const calls: string[] = [];
    return {
      calls,
      openTask: async ({ topic, partition }) => {
        const id = `${topic}-${partition}`;
        calls.push(`open ${id}`);
        return new StoreTask(id, await StateStore.open(storeDir(id)));
      },
      wipeStore: async ({ topic, partition }) => {
        calls.push(`wipe ${topic}-${partition}`);
        await StateStore.wipe(storeDir(`${topic}-${partition}`));
      },
      changelogPositions: async (tasks) => Promise.all(tasks.map(async (task) => ({ checkpoint: (await task.store.changelogNextOffset()) ?? '0', end: '2' }))),
      restore: async (plans) => {
        calls.push(`restore ${plans.map(({ task, from }) => `${task.id} from ${from}`).join(', ')}`);
        for (const { task } of plans) await task.store.write({ put: [loaded('C-RESTORED')], delete: [], changelogNextOffset: '1' });
      },
    };
  }

  it('wipes a store whose files are corrupt, and the restore fills it again', async () => {
    const old = await StateStore.open(storeDir(ID0));
    await old.write({ put: [loaded('C-OLD')], delete: [], changelogNextOffset: '1' });
    await old.close();
    // A crash while the disk filled, a bad sector: CURRENT no longer names a manifest.
    writeFileSync(join(storeDir(ID0), 'CURRENT'), 'MANIFEST-0000');

    const io = storeIo();
    const { manager, log } = managerWith(io);
    await manager.assign([P0]);
    assert.deepEqual(io.calls, [`open ${ID0}`, `wipe ${ID0}`, `open ${ID0}`, `restore ${ID0} from 0`]);
    const task = await manager.taskFor(P0);
    assert.ok(task);
    assert.deepEqual(
      (await task.store.getMany(['C-OLD', 'C-RESTORED'])).map((record) => record?.key),
      [undefined, 'C-RESTORED'],
    );
    const [warning] = log.warnings();
    assert.equal(warning?.['task'], ID0);
    assert.match(String(warning?.['reason']), /Corruption/);
    await manager.closeAll();
  });

  it('wipes nothing when the store is only locked (another process holds it): the open fails', async () => {
    const holder = await StateStore.open(storeDir(ID1));
    await holder.write({ put: [loaded('C-KEPT')], delete: [], changelogNextOffset: '1' });
    const io = storeIo();
    const { manager } = managerWith(io);
    await assert.rejects(manager.assign([P1]), (error: unknown) => (error as { code?: string }).code !== 'STORE_CORRUPT');
    assert.deepEqual(io.calls, [`open ${ID1}`]);
    assert.equal((await holder.getMany(['C-KEPT']))[0]?.key, 'C-KEPT');
    await holder.close();
  });
});
