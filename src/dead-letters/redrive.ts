import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { TrackerConfig } from '../config/tracker-config.js';
import { postDelivery } from '../delivery/delivery-post.js';
import { deliveryRequest } from '../delivery/delivery-request.js';
import type { KafkaClients, OutgoingRecord } from '../kafka/kafka-port.js';
import { registryClient } from '../registry/registry-client.js';
import { REDRIVE_HEADERS, sourceOffsetOf } from './dead-letter.js';
import type { Delta } from '../model/delta.js';
import { SourceDecoder } from '../capture/source-decoder.js';
import { trackedEntities } from '../model/tracked-entity.js';
import { deadLetterEntry, readDeadLetters, type DeadLetterEntry } from './dead-letter-topic.js';
import { failureUnderConfig } from './redrive-check.js';
import { DELIVERY_REJECTED, LatestOffsets, partitionsToCheck, planReplay, skipSuperseded, type ReplayAction } from './replay-plan.js';

export interface RedriveOptions {
  sinceMs: number;
  entity?: string | undefined;
  /** The target's base URL: rejected deltas are POSTed there again. */
  target?: string | undefined;
  /** Decide and report, change nothing. */
  dryRun: boolean;
  /** Only the deltas the target rejected (the loader's status page re-sends those): CDC records are left alone. */
  rejectedDeltasOnly?: boolean | undefined;
}

/** What became of one dead letter; `would-*` in a dry run. */
export type RedriveOutcome = 'redriven' | 'reposted' | 'would-redrive' | 'would-repost' | 'skipped' | 'failed';

export interface RedriveResult {
  deadLetter: DeadLetterEntry;
  outcome: RedriveOutcome;
  detail: string;
}

/**
 * `dlq replay`: reads the dead-letter topic, decides (replay-plan.ts, redrive-check.ts), and
 * re-drives. A dead letter is never written again nor removed: it stays for `dlq list` and for a
 * later replay, which the tracker's per-key order check and the target's idempotency keys make
 * harmless.
 */
export async function redriveDeadLetters(kafka: KafkaClients, config: TrackerConfig, options: RedriveOptions): Promise<RedriveResult[]> {
  const entities = new Map(Object.values(config.entities).map((entity) => [entity.name, { topic: entity.topic, deltaTopic: entity.deltaTopic }]));
  const letters = (await readDeadLetters(kafka, config)).filter((letter) => !options.rejectedDeltasOnly || letter.errorCode === DELIVERY_REJECTED);
  const planned = planReplay(letters, { sinceMs: options.sinceMs, entity: options.entity, hasTarget: options.target !== undefined, entities });
  const deltaTopics = new Set([...entities.values()].map((entity) => entity.deltaTopic));
  const registry = registryClient(config.registry);
  const actions = await skipStillFailing(skipSuperseded(planned, await latestOffsets(kafka, partitionsToCheck(planned), deltaTopics)), config, registry);

  const results = new Map<ReplayAction, RedriveResult>();
  const result = (action: ReplayAction, outcome: RedriveOutcome, detail: string): void => {
    results.set(action, { deadLetter: deadLetterEntry(action.letter), outcome, detail });
  };
  const redrives = actions.filter((action): action is Extract<ReplayAction, { kind: 'redrive' }> => action.kind === 'redrive');
  if (options.dryRun) {
    for (const action of redrives) result(action, 'would-redrive', `would be written back to ${action.topic}[${action.partition}], at its original offset ${action.originalOffset}`);
  } else if (redrives.length > 0) {
    try {
      await produceRedrives(kafka, redrives);
      for (const action of redrives) result(action, 'redriven', `written back to ${action.topic}[${action.partition}], at its original offset ${action.originalOffset}`);
    } catch (error) {
      for (const action of redrives) result(action, 'failed', `not written back to ${action.topic}[${action.partition}]: ${(error as Error).message}`);
    }
  }
  for (const action of actions) {
    if (action.kind === 'skip') result(action, 'skipped', action.reason);
    if (action.kind !== 'repost' || options.target === undefined) continue;
    if (options.dryRun) result(action, 'would-repost', `would be POSTed to ${options.target} again`);
    else {
      const { outcome, detail } = await repost(registry, config, options.target, action);
      result(action, outcome, detail);
    }
  }
  return actions.map((action) => results.get(action) as RedriveResult);
}

/** A CDC record the current config still cannot process is not re-driven (redrive-check.ts). */
async function skipStillFailing(actions: readonly ReplayAction[], config: TrackerConfig, registry: SchemaRegistry): Promise<ReplayAction[]> {
  const entities = new Map(trackedEntities(config).map((entity) => [entity.name, entity]));
  const decoder = new SourceDecoder(registry);
  const checked: ReplayAction[] = [];
  for (const action of actions) {
    const entity = action.kind === 'redrive' ? entities.get(action.letter.entity ?? '') : undefined;
    const failure = entity && (await failureUnderConfig(entity, decoder, action.letter));
    checked.push(failure ? { kind: 'skip', letter: action.letter, reason: `it still fails under this config (${failure.code}): ${failure.message}` } : action);
  }
  return checked;
}

/**
 * The newest offset of each key after the dead letters' records. For a delta topic a tombstone is
 * not a newer delta: it follows the DELETE it belongs to.
 */
async function latestOffsets(kafka: KafkaClients, partitions: ReturnType<typeof partitionsToCheck>, deltaTopics: ReadonlySet<string>): Promise<LatestOffsets> {
  const latest = new LatestOffsets();
  if (partitions.length === 0) return latest;
  const reader = await kafka.readPartitions({
    groupPrefix: 'erp-delta-dlq-replay',
    partitions,
    onBatch: async ({ topic, partition, messages }) => {
      for (const message of messages) {
        if (message.value === null && deltaTopics.has(topic)) continue;
        latest.see(topic, partition, message.key, sourceOffsetOf(Number(message.offset), message.headers));
      }
    },
  });
  try {
    await reader.caughtUp();
  } finally {
    await reader.stop();
  }
  return latest;
}

/** In one send per topic, to the original partitions, in dead-letter order: per-key order holds. */
async function produceRedrives(kafka: KafkaClients, redrives: ReadonlyArray<Extract<ReplayAction, { kind: 'redrive' }>>): Promise<void> {
  const byTopic = new Map<string, OutgoingRecord[]>();
  for (const { topic, partition, originalOffset, letter } of redrives) {
    const messages = byTopic.get(topic) ?? [];
    messages.push({ key: letter.key, value: letter.value, partition, headers: { [REDRIVE_HEADERS.sourceOffset]: String(originalOffset) } });
    byTopic.set(topic, messages);
  }
  const producer = kafka.producer();
  await producer.connect();
  try {
    for (const [topic, messages] of byTopic) await producer.send({ topic, acks: -1, messages });
  } finally {
    await producer.disconnect();
  }
}

async function repost(registry: SchemaRegistry, config: TrackerConfig, target: string, action: Extract<ReplayAction, { kind: 'repost' }>): Promise<{ outcome: RedriveOutcome; detail: string }> {
  let delta: Delta;
  try {
    delta = (await registry.decode(action.letter.value as Buffer)) as Delta;
  } catch (error) {
    return { outcome: 'failed', detail: `its delta cannot be decoded: ${(error as Error).message}` };
  }
  const request = deliveryRequest(action.entity, action.topic, action.partition, [{ offset: String(action.offset), delta }]);
  const outcome = await postDelivery(target, config, request.body, request.idempotencyKey);
  if (outcome.kind === 'delivered') return { outcome: 'reposted', detail: `POSTed to ${target}: accepted` };
  if (outcome.kind === 'rejected') return { outcome: 'failed', detail: `the target rejected it again: HTTP ${outcome.status}: ${outcome.body.slice(0, 500)}` };
  return { outcome: 'failed', detail: `the target did not take it (${outcome.reason}): try again later` };
}
