import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import type { Message, PartitionMetadata } from 'kafkajs';
import { groupMessagesPerPartition, type GroupingInput } from '../../../src/kafka/group-messages-per-partition.js';

const require = createRequire(import.meta.url);
/** kafkajs's own (this test never loads kafkajs-replacements.ts, which replaces it). */
const kafkajsGrouping = require('kafkajs/src/producer/groupMessagesPerPartition.js') as (input: GroupingInput) => Record<number, Message[]>;

const partitions = (count: number): PartitionMetadata[] => Array.from({ length: count }, (_, partition) => ({ partitionId: partition, leader: 1, replicas: [1], isr: [1], partitionErrorCode: 0, offlineReplicas: [] }));

describe('groupMessagesPerPartition (linear)', () => {
  it('groups exactly as kafkajs does: same partitions, same order within each', () => {
    let seed = 7;
    const random = (): number => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed / 2 ** 31; };
    for (const size of [0, 1, 5, 1_000]) {
      const messages: Message[] = Array.from({ length: size }, (_, index) => ({ key: `k${index}`, value: `v${index}`, partition: Math.floor(random() * 3) }));
      const input: GroupingInput = { topic: 'deltas', partitionMetadata: partitions(3), messages, partitioner: ({ message }) => message.partition as number };
      assert.deepEqual(groupMessagesPerPartition(input), kafkajsGrouping(input));
    }
  });

  it('returns nothing without partition metadata, as kafkajs does', () => {
    const input: GroupingInput = { topic: 'deltas', partitionMetadata: [], messages: [{ value: 'x' }], partitioner: () => 0 };
    assert.deepEqual(groupMessagesPerPartition(input), kafkajsGrouping(input));
    assert.deepEqual(groupMessagesPerPartition(input), {});
  });
});
