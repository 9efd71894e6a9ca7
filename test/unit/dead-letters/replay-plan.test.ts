import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DeadLetter } from '../../../src/dead-letters/dead-letter-topic.js';
import { LatestOffsets, partitionsToCheck, planReplay, skipSuperseded, type ReplayAction, type ReplayOptions } from '../../../src/dead-letters/replay-plan.js';

const CDC = 'erp.public.products';
const DELTAS = 'erp-delta.products';
const entities = new Map([['products', { topic: CDC, deltaTopic: DELTAS }]]);
const options: ReplayOptions = { sinceMs: 0, hasTarget: false, entities };

let dlqOffset = 0;
function letter(source: { topic?: string; partition?: number; offset?: number }, overrides: Partial<DeadLetter> = {}): DeadLetter {
  dlqOffset += 1;
  return {
    partition: 0,
    offset: String(dlqOffset),
    timestamp: '2026-11-25T10:00:00.000Z',
    entity: 'products',
    source: { topic: source.topic, partition: source.partition, offset: source.offset },
    errorCode: 'NORMALIZE_FAILED',
    reason: 'no column',
    key: Buffer.from('{"code":"P1"}'),
    value: Buffer.from('{}'),
    ...overrides,
  };
}

function summary(actions: readonly ReplayAction[]): string[] {
  return actions.map((action) =>
    action.kind === 'skip' ? `skip: ${action.reason}` : `${action.kind} ${action.topic}[${action.partition}]@${action.kind === 'redrive' ? action.originalOffset : action.offset}`,
  );
}

describe('planReplay', () => {
  it('re-drives a tracker dead letter to its CDC partition at its original offset', () => {
    assert.deepEqual(summary(planReplay([letter({ topic: CDC, partition: 2, offset: 17 })], options)), [`redrive ${CDC}[2]@17`]);
  });

  it('re-posts a rejected delta only with a target, and says why not without one', () => {
    const rejected = letter({ topic: DELTAS, partition: 1, offset: 5 }, { errorCode: 'DELIVERY_REJECTED' });
    assert.deepEqual(summary(planReplay([rejected], { ...options, hasTarget: true })), [`repost ${DELTAS}[1]@5`]);
    assert.deepEqual(summary(planReplay([rejected], options)), ['skip: a delta the target rejected: give --target URL to POST it again']);
  });

  it('leaves out dead letters before --since and of other entities', () => {
    const early = letter({ topic: CDC, partition: 0, offset: 1 }, { timestamp: '2026-11-25T09:59:59.999Z' });
    const other = letter({ topic: 'erp.public.customers', partition: 0, offset: 2 }, { entity: 'customers' });
    const kept = letter({ topic: CDC, partition: 0, offset: 3 });
    assert.deepEqual(summary(planReplay([early, other, kept], { ...options, sinceMs: Date.parse('2026-11-25T10:00:00Z'), entity: 'products' })), [`redrive ${CDC}[0]@3`]);
  });

  it('skips what it cannot place: missing headers, an entity or topic the config does not have', () => {
    assert.deepEqual(
      summary(
        planReplay(
          [letter({ topic: CDC, partition: 0 }), letter({ topic: CDC, partition: 0, offset: 1 }, { entity: 'gone' }), letter({ topic: 'erp.old.products', partition: 0, offset: 1 })],
          options,
        ),
      ),
      [
        'skip: its headers do not name its entity and source topic, partition and offset',
        'skip: entity "gone" is not in the config',
        `skip: erp.old.products is not the CDC topic of entity "products" in the config (${CDC})`,
      ],
    );
  });

  it('acts once on a record dead-lettered twice (a re-drive that failed again)', () => {
    const actions = summary(planReplay([letter({ topic: CDC, partition: 0, offset: 9 }), letter({ topic: CDC, partition: 0, offset: 9 })], options));
    assert.equal(actions[0], `redrive ${CDC}[0]@9`);
    assert.match(actions[1] ?? '', /^skip: the same record as the dead letter at 0@\d+, handled once$/);
  });
});

describe('skipSuperseded', () => {
  const key = Buffer.from('{"code":"P1"}');
  const planned = planReplay([letter({ topic: CDC, partition: 0, offset: 10 }), letter({ topic: DELTAS, partition: 0, offset: 4 }, { errorCode: 'DELIVERY_REJECTED' })], {
    ...options,
    hasTarget: true,
  });

  it('reads each partition from just after its first dead record', () => {
    assert.deepEqual(partitionsToCheck(planned), [
      { topic: CDC, partition: 0, from: '11' },
      { topic: DELTAS, partition: 0, from: '5' },
    ]);
  });

  it('skips a dead letter whose key has a newer record since', () => {
    const latest = new LatestOffsets();
    latest.see(CDC, 0, key, 12);
    latest.see(DELTAS, 0, key, 6);
    assert.deepEqual(summary(skipSuperseded(planned, latest)), [
      `skip: superseded: ${CDC}[0] has a newer record of this key at offset 12`,
      `skip: superseded: ${DELTAS}[0] has a newer delta of this key at offset 6`,
    ]);
  });

  it('keeps it when the later records are other keys, other partitions, or earlier re-drives of itself', () => {
    const latest = new LatestOffsets();
    latest.see(CDC, 0, Buffer.from('{"code":"P2"}'), 30);
    latest.see(CDC, 1, key, 30);
    latest.see(CDC, 0, key, 10);
    assert.deepEqual(summary(skipSuperseded(planned, latest)), [`redrive ${CDC}[0]@10`, `repost ${DELTAS}[0]@4`]);
  });
});
