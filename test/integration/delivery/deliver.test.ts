/**
 * Issue 6, the loader, on the real stack: `erp-delta deliver` against the project's own target
 * (`erp-delta target`, real HTTP on localhost), both as child processes, with failures injected at
 * the target: 500s, answers that never come in time, and a 4xx for some records.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import type { ReceivedDelta } from '../../../src/delivery/target-server.js';
import { codes, ProductTopic } from '../../support/product-topic.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { produce, TrackerTest, uniqueCode, waitUntil } from '../../support/tracker-harness.js';

const bin = join(import.meta.dirname, '..', '..', '..', 'bin', 'erp-delta.js');

/** `erp-delta target --port 0`, its URL read from its first line. */
async function startTarget(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [bin, 'target', '--port', '0'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      const match = /target listening on (\S+)/.exec(chunk.toString());
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', () => reject(new Error('the target exited')));
  });
  return { url, child };
}

async function received(url: string): Promise<{ requests: number; received: ReceivedDelta[]; attempts: Array<{ atMs: number; requestKey: string; status: number }> }> {
  return (await fetch(`${url}/received`)).json() as Promise<{ requests: number; received: ReceivedDelta[]; attempts: Array<{ atMs: number; requestKey: string; status: number }> }>;
}

/**
 * Product rows of a fresh CDC topic, run through the tracker into their delta topic (the tracker
 * is left running, caught up), and a target to deliver them to; all removed after the test.
 */
async function deliveryScenario(
  t: TestContext,
  options: { name: string; codePrefix: string; rowCount: number; timeoutMs: number; delivery?: Record<string, unknown>; trackerEnv?: NodeJS.ProcessEnv },
) {
  const products = new ProductTopic();
  await products.create();
  const rows = codes(uniqueCode(options.codePrefix), options.rowCount);
  await products.upsert(rows);
  const test = new TrackerTest(options.name, {
    cdcTopics: { products: products.topic },
    delivery: { batchSize: 20, timeoutMs: options.timeoutMs, retryInitialMs: 50, retryMaxMs: 400, ...options.delivery },
  });
  t.after(() => test.cleanup());
  const tracker = await test.startCaughtUp('a', test.dataDir('a'), options.trackerEnv);
  const target = await startTarget();
  t.after(() => target.child.kill());
  return { products, rows, test, tracker, target };
}

describe('deliver: from the delta topics to the target', () => {
  it('delivers every delta through 500s, timeouts and a 4xx: nothing lost, a re-send keeps its idempotency key', async (t) => {
    const { rows, test, tracker, target } = await deliveryScenario(t, { name: 'deliver', codePrefix: 'P', rowCount: 150, timeoutMs: 500 });
    await tracker.stop();
    const rejected = [rows[7] as string];
    const faults = { failNext: { count: 3, status: 503 }, delayNext: { count: 2, ms: 1_500 }, rejectKeys: rejected };
    assert.equal((await fetch(`${target.url}/_faults`, { method: 'POST', body: JSON.stringify(faults) })).status, 204);

    const deliver = spawn(process.execPath, [bin, 'deliver', '--target', target.url, '--config', test.configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    t.after(() => deliver.kill('SIGKILL'));
    let stderr = '';
    deliver.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });

    const expected = (await test.readDeltas(['products'])).all.filter((record) => !record.tombstone);
    const expectedKeys = new Map(expected.map((record) => [`${test.deltaTopics.products}-${record.partition}-${record.offset}`, record]));
    const rejectedKeys = [...expectedKeys].filter(([, record]) => rejected.includes(record.key)).map(([key]) => key);
    // Everything but the rejected record arrives; the rejected record goes to the DLQ.
    const state = await waitUntil(
      'the target to have every delta but the rejected ones',
      async () => {
        const now = await received(target.url);
        const keys = new Set(now.received.map((entry) => entry.delta.idempotencyKey));
        const deadLetters = await test.readDeadLetters();
        const dead = new Set(
          deadLetters.map(
            (record) => `${record.headers['erp-delta.source.topic']?.toString()}-${record.headers['erp-delta.source.partition']?.toString()}-${record.headers['erp-delta.source.offset']?.toString()}`,
          ),
        );
        return [...expectedKeys.keys()].every((key) => keys.has(key) || dead.has(key)) ? { now, deadLetters, dead } : undefined;
      },
      60_000,
      () => stderr.slice(-3_000),
    );

    assert.ok(state.now.requests > Math.ceil(expected.length / 20), 'the failed requests were retried');
    for (const key of rejectedKeys) assert.ok(state.dead.has(key), `${key}, rejected by the target, is in the DLQ`);
    assert.deepEqual([...state.dead].filter((key) => expectedKeys.has(key)).sort(), [...rejectedKeys].sort(), 'only the refused record is dead-lettered: the rest of its batch reached the target');
    const deadLetter = state.deadLetters.find((record) => record.headers['erp-delta.error.code']?.toString() === 'DELIVERY_REJECTED');
    assert.match(deadLetter?.headers['erp-delta.error.reason']?.toString() ?? '', /HTTP 400: \{"error":"invalid record"/, "with the target's answer");
    // Each idempotency key stands for one delta: any re-send carries the same record.
    const byKey = new Map<string, string>();
    for (const entry of state.now.received) {
      // The loader delivers every entity; this test's own records are its products.
      if (entry.entity !== 'products') continue;
      const payload = JSON.stringify({ ...entry.delta, idempotencyKey: undefined });
      const earlier = byKey.get(entry.delta.idempotencyKey);
      assert.ok(earlier === undefined || earlier === payload, `${entry.delta.idempotencyKey} re-sent with other content`);
      byKey.set(entry.delta.idempotencyKey, payload);
      const record = expectedKeys.get(entry.delta.idempotencyKey);
      assert.ok(record, `${entry.delta.idempotencyKey} is a delta of the topic`);
      assert.deepEqual(entry.delta.data, record.delta?.data);
    }
    assert.match(stderr, /target unavailable: retrying with backoff/);
    assert.match(stderr, /target reachable again/);
    assert.ok((stderr.match(/target unavailable: retrying with backoff/g) ?? []).length <= 4, 'logged once per change of state, not once per retry');

    // Offsets were committed after each acknowledgement: a restarted loader sends nothing again.
    deliver.kill('SIGTERM');
    await new Promise((resolve) => deliver.once('exit', resolve));
    const delivered = (await received(target.url)).received;
    const before = delivered.length;
    const seen = new Set(delivered.map((entry) => entry.delta.idempotencyKey));
    const again = spawn(process.execPath, [bin, 'deliver', '--target', target.url, '--config', test.configPath], { stdio: 'ignore' });
    t.after(() => again.kill('SIGKILL'));
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    const resentAfterRestart = (await received(target.url)).received.slice(before).filter((entry) => seen.has(entry.delta.idempotencyKey));
    assert.deepEqual(
      resentAfterRestart.map((entry) => entry.delta.idempotencyKey),
      [],
      'nothing re-sent after a clean restart',
    );
    again.kill('SIGTERM');
    await new Promise((resolve) => again.once('exit', resolve));

    // A target that lost its data: --replay-from earliest sends the latest version of every record again.
    await fetch(`${target.url}/_faults`, { method: 'POST', body: '{}' });
    const replay = spawn(process.execPath, [bin, 'deliver', '--target', target.url, '--replay-from', 'earliest', '--config', test.configPath], { stdio: 'ignore' });
    t.after(() => replay.kill('SIGKILL'));
    await waitUntil(
      'every record re-sent',
      async () => {
        const resent = new Set(
          (await received(target.url)).received
            .slice(before)
            .filter((entry) => entry.entity === 'products')
            .map((entry) => entry.delta.key),
        );
        return rows.filter((code) => !rejected.includes(code)).every((code) => resent.has(code));
      },
      60_000,
    );
    replay.kill('SIGTERM');
  });

  it("reads the target's per-record answer: only the refused delta is dead-lettered, and the record's next version goes on", async (t) => {
    const { products, rows, test, target } = await deliveryScenario(t, {
      name: 'deliver-refused',
      codePrefix: 'RF',
      rowCount: 30,
      timeoutMs: 5_000,
      delivery: { refusedRecords: { list: '/errors', idempotencyKey: 'idempotencyKey', reason: 'message' } },
    });
    const first = (await test.readDeltas(['products'])).all.filter((record) => !record.tombstone);
    const bad = first.find((record) => record.key === rows[3]);
    assert.ok(bad);
    const badKey = `${test.deltaTopics.products}-${bad.partition}-${bad.offset}`;
    const faults = { rejectDeltas: [badKey], answerPerRecord: true };
    assert.equal((await fetch(`${target.url}/_faults`, { method: 'POST', body: JSON.stringify(faults) })).status, 204);

    const deliver = spawn(process.execPath, [bin, 'deliver', '--target', target.url, '--config', test.configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    t.after(() => deliver.kill('SIGKILL'));
    let stderr = '';
    deliver.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const others = first.filter((record) => record !== bad).map((record) => `${test.deltaTopics.products}-${record.partition}-${record.offset}`);
    await waitUntil(
      'every delta but the refused one at the target',
      async () => {
        const keys = new Set((await received(target.url)).received.map((entry) => entry.delta.idempotencyKey));
        return others.every((key) => keys.has(key));
      },
      60_000,
      () => stderr.slice(-3_000),
    );
    const deadLetters = await waitUntil(
      'the refused delta in the DLQ',
      async () => {
        // The tracker's own dead letters (malformed records other tests put on the shared CDC topics) share the topic.
        const letters = (await test.readDeadLetters(2_000)).filter((record) => record.headers['erp-delta.error.code']?.toString() === 'DELIVERY_REJECTED');
        return letters.length > 0 ? letters : undefined;
      },
      30_000,
    );
    assert.deepEqual(
      deadLetters.map((record) => record.headers['erp-delta.source.offset']?.toString()),
      [String(bad.offset)],
      'exactly the refused delta',
    );
    assert.equal(deadLetters[0]?.headers['erp-delta.error.reason']?.toString(), `The target answered HTTP 400: record ${rows[3]} is invalid`, "with the target's words about it");
    const attempts = (await received(target.url)).attempts.filter((attempt) => attempt.status === 400);
    assert.equal(attempts.length, 1, 'the answer named the refused delta: no splitting');

    // The ERP fixes the record: its next version carries the whole record and is delivered.
    await products.upsert([rows[3] as string]);
    await waitUntil(
      'the fixed version at the target',
      async () => (await received(target.url)).received.some((entry) => entry.delta.key === rows[3]),
      60_000,
      () => stderr.slice(-3_000),
    );
    const all = (await received(target.url)).received;
    const keysSeen = all.map((entry) => entry.delta.idempotencyKey);
    assert.equal(new Set(keysSeen).size, keysSeen.length, 'nothing delivered twice');
    deliver.kill('SIGTERM');
  });

  it('commits a chunk the target acknowledges while the loader stops: nothing re-sent after the restart', async (t) => {
    const { rows, test, tracker, target } = await deliveryScenario(t, { name: 'deliver-stop', codePrefix: 'SL', rowCount: 5, timeoutMs: 5_000 });
    await tracker.stop();
    // The first request is answered, normally, 1.5 s after it arrives: the loader is stopped meanwhile.
    assert.equal((await fetch(`${target.url}/_faults`, { method: 'POST', body: JSON.stringify({ slowNext: { count: 1, ms: 1_500 } }) })).status, 204);
    const deliver = spawn(process.execPath, [bin, 'deliver', '--target', target.url, '--config', test.configPath], { stdio: 'ignore' });
    t.after(() => deliver.kill('SIGKILL'));
    await waitUntil('the first request to arrive at the target', async () => (await received(target.url)).requests >= 1, 60_000);
    deliver.kill('SIGTERM');
    const exitCode = await new Promise((resolve) => deliver.once('exit', resolve));
    assert.equal(exitCode, 0);
    const acknowledged = (await received(target.url)).received;
    assert.ok(acknowledged.length > 0, 'the held request was answered and recorded before the loader exited');

    const again = spawn(process.execPath, [bin, 'deliver', '--target', target.url, '--config', test.configPath], { stdio: 'ignore' });
    t.after(() => again.kill('SIGKILL'));
    const keys = new Set(acknowledged.map((entry) => entry.delta.idempotencyKey));
    await waitUntil(
      'every product delivered',
      async () => {
        const delivered = new Set((await received(target.url)).received.filter((entry) => entry.entity === 'products').map((entry) => entry.delta.key));
        return rows.every((code) => delivered.has(code));
      },
      60_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const resent = (await received(target.url)).received.slice(acknowledged.length).filter((entry) => keys.has(entry.delta.idempotencyKey));
    assert.deepEqual(
      resent.map((entry) => entry.delta.idempotencyKey),
      [],
      'what the target acknowledged during the stop was committed',
    );
    again.kill('SIGTERM');
    await new Promise((resolve) => again.once('exit', resolve));
  });

  it('dlq replay --target re-posts the rejected deltas with their idempotency keys, never one a newer delta superseded', async (t) => {
    const { products, rows, test, tracker, target } = await deliveryScenario(t, { name: 'deliver-replay', codePrefix: 'RJ', rowCount: 6, timeoutMs: 2_000 });
    t.after(() => tracker.kill());
    const faults = (body: object) => fetch(`${target.url}/_faults`, { method: 'POST', body: JSON.stringify(body) });
    const bad = rows[0] as string;
    await faults({ rejectKeys: [bad] });
    const deliver = spawn(process.execPath, [bin, 'deliver', '--target', target.url, '--config', test.configPath], { stdio: 'ignore' });
    t.after(() => deliver.kill('SIGKILL'));

    // The target rejects the batch holding `bad`: that batch's deltas go to the DLQ, the rest arrive.
    const deltas = (await test.readDeltas(['products'])).all.filter((record) => !record.tombstone);
    const keyOf = (record: { partition: number; offset: number }) => `${test.deltaTopics.products}-${record.partition}-${record.offset}`;
    const rejected = await waitUntil(
      'every delta delivered or dead-lettered',
      async () => {
        const arrived = new Set((await received(target.url)).received.map((entry) => entry.delta.idempotencyKey));
        const dead = new Map(
          (await test.readDeadLetters()).map((record) => [
            `${record.headers['erp-delta.source.topic']?.toString()}-${record.headers['erp-delta.source.partition']?.toString()}-${record.headers['erp-delta.source.offset']?.toString()}`,
            record,
          ]),
        );
        return deltas.every((record) => arrived.has(keyOf(record)) || dead.has(keyOf(record))) ? deltas.filter((record) => dead.has(keyOf(record))) : undefined;
      },
      60_000,
    );
    assert.ok(
      rejected.some((record) => record.key === bad),
      'the rejected delta is in the DLQ',
    );
    const replay = (args: string[]) => test.cli(['dlq', 'replay', '--entity', 'products', '--json', ...args]);
    type Replay = { results: Array<{ outcome: string; detail: string; deadLetter: { key: string } }>; summary: Record<string, number> };
    const outcomes = (result: { stdout: string }) => new Map((JSON.parse(result.stdout) as Replay).results.map((entry) => [entry.deadLetter.key, entry]));

    // Without --target: skipped, and it says why.
    const withoutTarget = await replay([]);
    assert.equal(withoutTarget.code, 0, withoutTarget.stderr);
    for (const record of rejected) assert.match(outcomes(withoutTarget).get(record.key)?.detail ?? '', /give --target URL to POST it again/);

    // Rejected again: reported, exit 1, and the DLQ keeps it (nothing written twice).
    const deadLetters = (await test.readDeadLetters()).length;
    const requestsBefore = (await received(target.url)).received.length;
    const again = await replay(['--target', target.url]);
    assert.equal(again.code, 1, again.stdout);
    assert.equal(outcomes(again).get(bad)?.outcome, 'failed');
    assert.match(outcomes(again).get(bad)?.detail ?? '', /the target rejected it again: HTTP 400/);
    assert.equal((await test.readDeadLetters()).length, deadLetters, 'the DLQ is as it was');

    // The fixed target takes them, each with the idempotency key of its delta.
    await faults({});
    const fixed = await replay(['--target', target.url]);
    assert.equal(fixed.code, 0, fixed.stdout);
    assert.equal((JSON.parse(fixed.stdout) as Replay).summary['reposted'], rejected.length);
    const reposted = (await received(target.url)).received.slice(requestsBefore);
    for (const record of rejected) {
      const entry = reposted.find((candidate) => candidate.delta.idempotencyKey === keyOf(record));
      assert.ok(entry, `${keyOf(record)} re-posted`);
      assert.deepEqual(entry.delta.data, record.delta?.data);
    }

    // A newer delta of the key since: the target has it; the old one is not sent again.
    await products.upsert([bad]);
    await test.waitCaughtUp();
    await waitUntil(
      'the newer delta delivered',
      async () => (await received(target.url)).received.some((entry) => entry.delta.key === bad && entry.delta.data?.['description'] === `Product ${bad} v2`),
      60_000,
    );
    const superseded = await replay(['--target', target.url]);
    assert.equal(superseded.code, 0, superseded.stdout);
    assert.equal(outcomes(superseded).get(bad)?.outcome, 'skipped');
    assert.match(outcomes(superseded).get(bad)?.detail ?? '', /superseded: .* has a newer delta of this key at offset \d+/);
    const last = (await received(target.url)).received.filter((entry) => entry.delta.key === bad).at(-1);
    assert.equal(last?.delta.data?.['description'], `Product ${bad} v2`, 'the target keeps the newer version');
    deliver.kill('SIGTERM');
  });

  it("waits what the target's Retry-After asks for on a 429, then delivers everything once", async (t) => {
    const { rows, test, tracker, target } = await deliveryScenario(t, { name: 'deliver-retry-after', codePrefix: 'RA', rowCount: 5, timeoutMs: 2_000 });
    await tracker.stop();
    const faults = { failNext: { count: 2, status: 429, retryAfter: '2' } };
    assert.equal((await fetch(`${target.url}/_faults`, { method: 'POST', body: JSON.stringify(faults) })).status, 204);
    const deliver = spawn(process.execPath, [bin, 'deliver', '--target', target.url, '--config', test.configPath], { stdio: 'ignore' });
    t.after(() => deliver.kill('SIGKILL'));
    // Every row delivered, and every throttled batch retried (the 429s may land on another
    // entity's batch, delivered side by side).
    const retried = (now: Awaited<ReturnType<typeof received>>): boolean =>
      now.attempts.every((attempt) => attempt.status !== 429 || now.attempts.some((later) => later.requestKey === attempt.requestKey && later.atMs > attempt.atMs));
    const state = await waitUntil(
      'every row at the target and every throttled batch retried',
      async () => {
        const now = await received(target.url);
        return rows.every((code) => now.received.some((entry) => entry.delta.key === code)) && retried(now) ? now : undefined;
      },
      60_000,
    );
    // The first two POSTs were answered 429 with Retry-After: 2 (partitions are delivered side by
    // side, so they may be two batches); the backoff alone (200 ms at first) would have come back
    // within a second. A retried batch keeps its Idempotency-Key.
    const throttled = state.attempts.filter((attempt) => attempt.status === 429);
    assert.equal(throttled.length, 2);
    for (const refused of throttled) {
      const next = state.attempts.find((attempt) => attempt.requestKey === refused.requestKey && attempt.atMs > refused.atMs);
      assert.ok(next, `${refused.requestKey} was retried`);
      assert.ok(next.atMs - refused.atMs >= 1_900, `${refused.requestKey}: waited ${next.atMs - refused.atMs} ms after its 429`);
    }
    const ours = state.received.filter((entry) => rows.includes(entry.delta.key));
    assert.equal(new Set(ours.map((entry) => entry.delta.idempotencyKey)).size, ours.length, 'each delta delivered once');
  });

  it('sends the token of delivery.headers from the environment, and never logs it; a missing variable stops the start', async (t) => {
    const secret = `Bearer ${uniqueCode('tok')}`;
    const { rows, test, tracker, target } = await deliveryScenario(t, {
      name: 'deliver-token',
      codePrefix: 'TK',
      rowCount: 4,
      timeoutMs: 2_000,
      delivery: { headers: { Authorization: '${env:ERP_DELTA_TEST_TARGET_AUTHORIZATION}' } },
      // Every command reads the config's references at start-up, the tracker's included.
      trackerEnv: { ERP_DELTA_TEST_TARGET_AUTHORIZATION: secret },
    });
    await tracker.stop();
    assert.equal((await fetch(`${target.url}/_faults`, { method: 'POST', body: JSON.stringify({ requireHeaders: { authorization: secret } }) })).status, 204);

    const missing = await test.cli(['deliver', '--target', target.url]);
    assert.equal(missing.code, 2, missing.stderr);
    assert.match(missing.stderr, /delivery\.headers\.Authorization names the environment variable ERP_DELTA_TEST_TARGET_AUTHORIZATION, which is not set/);

    const deliver = spawn(process.execPath, [bin, 'deliver', '--target', target.url, '--config', test.configPath], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, ERP_DELTA_TEST_TARGET_AUTHORIZATION: secret, LOG_LEVEL: 'debug' },
    });
    t.after(() => deliver.kill('SIGKILL'));
    let stderr = '';
    deliver.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const state = await waitUntil(
      'every row at the target',
      async () => {
        const now = await received(target.url);
        return rows.every((code) => now.received.some((entry) => entry.delta.key === code)) ? now : undefined;
      },
      60_000,
      () => stderr.slice(-2_000),
    );
    assert.deepEqual(
      state.attempts.filter((attempt) => attempt.status === 401),
      [],
      'no request went without the token',
    );
    assert.ok(!stderr.includes(secret.split(' ')[1] as string), 'the token is not in the log');
  });

  it("delivers a tombstone alone (a replay after compaction) as a delete, and a DELETE's own tombstone not again", async (t) => {
    const { products, rows, test, tracker, target } = await deliveryScenario(t, { name: 'deliver-tombstone', codePrefix: 'TB', rowCount: 4, timeoutMs: 2_000 });
    const [deleted, compacted] = rows as [string, string];
    await products.delete([deleted]);
    await test.waitCaughtUp();
    await tracker.stop();
    // Compaction leaves a key's tombstone alone once it removed the DELETE delta before it; no
    // tracker run makes that on demand, so the tombstone is written as compaction would leave it.
    await produce(test.deltaTopics.products, [{ key: compacted, value: null }]);

    const deliver = spawn(process.execPath, [bin, 'deliver', '--target', target.url, '--config', test.configPath], { stdio: 'ignore' });
    t.after(() => deliver.kill('SIGKILL'));
    // The tombstone written here may sit in another partition than its key's upsert (the test's
    // producer partitions by its own hash), and partitions are delivered side by side: wait for all.
    await waitUntil(
      'both deletes and every upsert at the target',
      async () => {
        const state = await received(target.url);
        const arrived = (key: string, op: string): boolean => state.received.some((entry) => entry.delta.key === key && entry.delta.op === op);
        return arrived(compacted, 'DELETE') && arrived(rows[0] as string, 'DELETE') && rows.every((code) => arrived(code, 'UPSERT'));
      },
      60_000,
    );
    // Time for a second delete of either, which must not come.
    await sleep(2_000);
    // The test's own rows: the other entities' delta topics hold what the shared CDC topics hold.
    const ours = (await received(target.url)).received.filter((entry) => rows.includes(entry.delta.key));
    const deletes = ours.filter((entry) => entry.delta.op === 'DELETE').map((entry) => [entry.delta.key, entry.delta.reason]);
    assert.deepEqual(
      deletes.sort(),
      [
        [compacted, 'CHANGE'],
        [deleted, 'CHANGE'],
      ].sort(),
      'one delete each',
    );
    assert.equal(ours.filter((entry) => entry.delta.op === 'UPSERT').length, rows.length, 'one upsert each');
  });

  it('refuses to start without a reachable target, naming it', async (t) => {
    const test = new TrackerTest('deliver-no-target');
    t.after(() => test.cleanup());
    const result = await test.cli(['deliver', '--target', 'http://127.0.0.1:1']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /The target http:\/\/127\.0\.0\.1:1 cannot be reached/);
  });
});
