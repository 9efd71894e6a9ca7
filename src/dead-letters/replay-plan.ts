import type { DeadLetter } from './dead-letter-topic.js';

/** The error code the loader gives the deltas the target rejected (src/delivery/loader.ts). */
export const DELIVERY_REJECTED = 'DELIVERY_REJECTED';

/** What `dlq replay` does with one dead letter. */
export type ReplayAction =
  /** A CDC record the tracker could not process: written back to its CDC partition, at its original offset. */
  | { kind: 'redrive'; letter: DeadLetter; topic: string; partition: number; originalOffset: number }
  /** A delta the target rejected: POSTed to the target again, with its own idempotency key. */
  | { kind: 'repost'; letter: DeadLetter; entity: string; topic: string; partition: number; offset: number }
  | { kind: 'skip'; letter: DeadLetter; reason: string };

export interface ReplayOptions {
  /** Only dead letters written at or after this time. */
  sinceMs: number;
  /** Only the dead letters of this entity. */
  entity?: string | undefined;
  /** Whether a target was given: rejected deltas are re-posted only then. */
  hasTarget: boolean;
  /** The config's entities: a dead letter goes back only where the config still reads it from. */
  entities: ReadonlyMap<string, { topic: string; deltaTopic: string }>;
}

/**
 * What to do with each dead letter, oldest first. Dead letters outside `--since` and `--entity` are
 * left out; the others are re-driven or skipped with the reason. The same source record dead-lettered
 * twice (a re-drive that failed again) is acted on once.
 */
export function planReplay(letters: readonly DeadLetter[], options: ReplayOptions): ReplayAction[] {
  const seen = new Map<string, DeadLetter>();
  const actions: ReplayAction[] = [];
  for (const letter of letters) {
    if (Date.parse(letter.timestamp) < options.sinceMs) continue;
    if (options.entity !== undefined && letter.entity !== options.entity) continue;
    const action = actionOf(letter, options);
    if (action.kind !== 'skip') {
      const id = `${action.topic}-${action.partition}-${action.kind === 'redrive' ? action.originalOffset : action.offset}`;
      const first = seen.get(id);
      if (first) {
        actions.push({ kind: 'skip', letter, reason: `the same record as the dead letter at ${first.partition}@${first.offset}, handled once` });
        continue;
      }
      seen.set(id, letter);
    }
    actions.push(action);
  }
  return actions;
}

function actionOf(letter: DeadLetter, options: ReplayOptions): ReplayAction {
  const { topic, partition, offset } = letter.source;
  if (letter.entity === undefined || topic === undefined || partition === undefined || offset === undefined || !Number.isSafeInteger(partition) || !Number.isSafeInteger(offset)) {
    return { kind: 'skip', letter, reason: 'its headers do not name its entity and source topic, partition and offset' };
  }
  const entity = options.entities.get(letter.entity);
  if (!entity) return { kind: 'skip', letter, reason: `entity "${letter.entity}" is not in the config` };
  if (letter.errorCode === DELIVERY_REJECTED) {
    if (topic !== entity.deltaTopic) return { kind: 'skip', letter, reason: `${topic} is not the delta topic of entity "${letter.entity}" in the config (${entity.deltaTopic})` };
    if (!options.hasTarget) return { kind: 'skip', letter, reason: 'a delta the target rejected: give --target URL to POST it again' };
    if (letter.value === null) return { kind: 'skip', letter, reason: 'it holds no delta' };
    return { kind: 'repost', letter, entity: letter.entity, topic, partition, offset };
  }
  if (topic !== entity.topic) return { kind: 'skip', letter, reason: `${topic} is not the CDC topic of entity "${letter.entity}" in the config (${entity.topic})` };
  return { kind: 'redrive', letter, topic, partition, originalOffset: offset };
}

/**
 * The latest offset of each key of some partitions, with keys compared as bytes. For a CDC
 * topic the offset is the one the tracker places the record at (a re-drive at its original one).
 */
export class LatestOffsets {
  private readonly offsets = new Map<string, number>();

  see(topic: string, partition: number, key: Buffer | null, offset: number): void {
    if (key === null || key.length === 0) return;
    const id = keyId(topic, partition, key);
    if (offset > (this.offsets.get(id) ?? -1)) this.offsets.set(id, offset);
  }

  /** The latest offset of the key, if it is after `offset`. */
  after(topic: string, partition: number, key: Buffer | null, offset: number): number | undefined {
    if (key === null || key.length === 0) return undefined;
    const latest = this.offsets.get(keyId(topic, partition, key));
    return latest !== undefined && latest > offset ? latest : undefined;
  }
}

function keyId(topic: string, partition: number, key: Buffer): string {
  return `${topic}\u0000${partition}\u0000${key.toString('base64')}`;
}

/** The partitions to read for `skipSuperseded`, each from just after its first action's record. */
export function partitionsToCheck(actions: readonly ReplayAction[]): Array<{ topic: string; partition: number; from: string }> {
  const from = new Map<string, { topic: string; partition: number; offset: number }>();
  for (const action of actions) {
    if (action.kind === 'skip') continue;
    const offset = action.kind === 'redrive' ? action.originalOffset : action.offset;
    const id = `${action.topic}-${action.partition}`;
    const current = from.get(id);
    if (!current || offset < current.offset) from.set(id, { topic: action.topic, partition: action.partition, offset });
  }
  return [...from.values()].map(({ topic, partition, offset }) => ({ topic, partition, from: String(offset + 1) }));
}

/**
 * Skips a dead letter whose key has a newer record since: re-driving the older one would set the
 * key back. The tracker would not emit it (it stands at its original offset, before the loaded
 * record), but a delete since leaves no loaded record to compare with, and in a compacted CDC
 * topic the re-driven record, being last, would outlive the newer one (a refresh, or a new
 * deployment, would then read the old version). For a rejected delta, a newer delta of the key is
 * what the target should have, and the loader delivers it.
 */
export function skipSuperseded(actions: readonly ReplayAction[], latest: LatestOffsets): ReplayAction[] {
  return actions.map((action): ReplayAction => {
    if (action.kind === 'skip') return action;
    const offset = action.kind === 'redrive' ? action.originalOffset : action.offset;
    const newer = latest.after(action.topic, action.partition, action.letter.key, offset);
    if (newer === undefined) return action;
    return {
      kind: 'skip',
      letter: action.letter,
      reason:
        action.kind === 'redrive'
          ? `superseded: ${action.topic}[${action.partition}] has a newer record of this key at offset ${newer}`
          : `superseded: ${action.topic}[${action.partition}] has a newer delta of this key at offset ${newer}`,
    };
  });
}
