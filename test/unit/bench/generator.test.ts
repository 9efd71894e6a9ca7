import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { parseConfig } from '../../../src/config/tracker-config.js';
import { compareWithLoaded } from '../../../src/model/compare.js';
import { decodeDebeziumJson } from '../../../src/capture/decode-debezium-json.js';
import type { Delta } from '../../../src/model/delta.js';
import { desiredRecord } from '../../../src/model/desired-record.js';
import { entityKey } from '../../../src/model/entity-key.js';
import { loadedRecordOf, type LoadedRecord } from '../../../src/model/loaded-record.js';
import { trackedEntities, type TrackedEntity } from '../../../src/model/tracked-entity.js';
import { BENCH_CDC_TOPIC, BENCH_ENTITY, benchConfigObject } from '../../../bench/bench-config.js';
import { BenchGenerator, planStream, type BenchEvent, type EventKind } from '../../../bench/generator.js';

const config = parseConfig(
  benchConfigObject({
    bootstrap: '127.0.0.1:9092',
    registryUrl: 'http://127.0.0.1:8081/apis/ccompat/v7',
    groupId: 'bench-test',
    dataDir: '/tmp/unused',
  }),
  'the bench config',
);
const entity = trackedEntities(config).find((candidate) => candidate.name === BENCH_ENTITY) as TrackedEntity;

/** The tracker's decisions applied in memory, as a task applies them to one partition's keys. */
class InMemoryTracker {
  private readonly loaded = new Map<string, LoadedRecord>();
  private offset = 0;
  emitted = 0;

  apply(event: BenchEvent): Delta | undefined {
    const offset = this.offset++;
    const decoded = decodeDebeziumJson(Buffer.from(event.key), Buffer.from(event.value));
    assert.equal(decoded.kind, 'change');
    if (decoded.kind !== 'change') return undefined;
    const key = entityKey(entity, decoded.key);
    const loaded = this.loaded.get(key);
    const desired = decoded.after === null ? null : desiredRecord(entity, decoded.after, loaded);
    const delta = compareWithLoaded(
      entity,
      { key, desired, source: { topic: BENCH_CDC_TOPIC, partition: 0, offset, tsMs: decoded.sourceTsMs, connector: null, position: null, epoch: 0 } },
      loaded,
      'CHANGE',
      0,
    );
    if (delta) {
      this.emitted++;
      const next = loadedRecordOf(delta);
      if (next) this.loaded.set(key, next);
      else this.loaded.delete(key);
    }
    return delta;
  }
}

function digest(events: Iterable<BenchEvent>): string {
  const hash = createHash('sha256');
  for (const event of events) hash.update(event.key).update('\0').update(event.value).update('\n');
  return hash.digest('hex');
}

describe('bench generator', () => {
  const EVENTS = 20_000;
  const KEYS = 4_000;

  it('plans keys + floor(events / 20) emitted deltas, and refuses streams that cannot hold them', () => {
    assert.deepEqual(planStream(1_000_000, 200_000), { events: 1_000_000, keys: 200_000, changes: 50_000, noOps: 750_000, expectedEmitted: 250_000 });
    assert.deepEqual(planStream(39, 10), { events: 39, keys: 10, changes: 1, noOps: 28, expectedEmitted: 11 });
    assert.match(planStream(100, 96) as string, /at most 95 keys/);
    assert.match(planStream(0, 1) as string, /events must be a positive integer/);
    assert.match(planStream(10, 1.5) as string, /keys must be a positive integer/);
  });

  it("emits exactly what the tracker's decode, desired record and compare emit, event by event", () => {
    const generator = new BenchGenerator({ events: EVENTS, keys: KEYS, seed: 7 });
    const tracker = new InMemoryTracker();
    const emittedByKind: Record<EventKind, number> = { snapshot: 0, change: 0, untracked: 0, normalizedEqual: 0, resnapshot: 0 };
    let index = 0;
    for (const event of generator.events()) {
      const delta = tracker.apply(event);
      assert.equal(delta !== undefined, event.emits, `event ${index} (${event.kind} of ${event.code}): the generator says emits=${event.emits}`);
      if (event.kind === 'change') assert.equal(delta?.changedFields.length, 1, `a change changes exactly one tracked field (event ${index})`);
      if (delta) emittedByKind[event.kind]++;
      index++;
    }
    assert.equal(index, EVENTS);
    assert.equal(generator.expectedEmitted, KEYS + EVENTS / 20);
    assert.equal(tracker.emitted, generator.expectedEmitted);
    assert.deepEqual(emittedByKind, { snapshot: KEYS, change: EVENTS / 20, untracked: 0, normalizedEqual: 0, resnapshot: 0 });
    assert.equal(generator.counts.snapshot, KEYS);
    assert.equal(generator.counts.change, EVENTS / 20);
    const noise = generator.counts.untracked + generator.counts.normalizedEqual + generator.counts.resnapshot;
    assert.equal(noise, EVENTS - KEYS - EVENTS / 20);
    // Every kind of noise is well represented.
    for (const kind of ['untracked', 'normalizedEqual', 'resnapshot'] as const) assert.ok(generator.counts[kind] > noise / 5, `${kind}: ${generator.counts[kind]}`);

    // Latency-phase changes always emit, one delta each.
    for (let n = 0; n < 3 * KEYS; n++) {
      const event = generator.latencyChange(1_800_000_000_000 + n);
      assert.equal(event.emits, true);
      assert.ok(tracker.apply(event), `latency change ${n} emits`);
    }
    assert.equal(tracker.emitted, generator.expectedEmitted);
  });

  it('writes Debezium\'s plain envelope: schemas disabled, decimals as strings, the key as {"code": ...}', () => {
    const events = [...new BenchGenerator({ events: 40, keys: 10, seed: 1 }).events()];
    const first = events[0] as BenchEvent;
    assert.deepEqual(JSON.parse(first.key), { code: 'ITEM0000000' });
    const value = JSON.parse(first.value) as Record<string, unknown>;
    assert.deepEqual(Object.keys(value), ['before', 'after', 'source', 'transaction', 'op', 'ts_ms']);
    assert.equal(value['op'], 'r');
    const after = value['after'] as Record<string, unknown>;
    assert.match(after['price'] as string, /^\d+\.\d\d$/);
    assert.equal(typeof after['qty'], 'number');
    assert.ok(events.slice(10).every((event) => ['change', 'untracked', 'normalizedEqual', 'resnapshot'].includes(event.kind)));
  });

  it('is deterministic for a seed, and differs across seeds', () => {
    const a = digest(new BenchGenerator({ events: 5_000, keys: 500, seed: 42 }).events());
    const b = digest(new BenchGenerator({ events: 5_000, keys: 500, seed: 42 }).events());
    const c = digest(new BenchGenerator({ events: 5_000, keys: 500, seed: 43 }).events());
    assert.equal(a, b);
    assert.notEqual(a, c);
  });
});
