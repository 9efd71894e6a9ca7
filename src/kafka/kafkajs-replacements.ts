import { createRequire } from 'node:module';
import { groupMessagesPerPartition } from './group-messages-per-partition.js';
import { numberRecordDecoder, type KafkaRecordDecoder } from './record-decoder.js';

/**
 * Two kafkajs internals replaced by ones with the same results at a fraction of the cost, on the
 * tracker's hot path (bench/RESULTS.md): the producer's grouping of a send's messages by partition
 * (group-messages-per-partition.ts) and the consumer's decoding of each fetched record
 * (record-decoder.ts).
 *
 * Imported first by the CLI (src/cli/main.ts), before anything loads kafkajs: kafkajs's modules
 * take these functions when they load, so the replacements must be in the module cache by then.
 * kafkajs is pinned (2.2.4, no longer released), so this file is stable; should kafkajs be loaded
 * already, nothing is replaced and kafkajs is only slower.
 */
const require = createRequire(import.meta.url);

function replaceBeforeLoad<T>(dependent: string, replaced: string, replacement: (original: T) => T): void {
  if (require.cache[require.resolve(dependent)] !== undefined) return;
  const original = require(replaced) as T;
  const cached = require.cache[require.resolve(replaced)];
  if (cached) cached.exports = replacement(original);
}

replaceBeforeLoad('kafkajs/src/producer/sendMessages.js', 'kafkajs/src/producer/groupMessagesPerPartition.js', () => groupMessagesPerPartition);
replaceBeforeLoad<KafkaRecordDecoder>('kafkajs/src/protocol/recordBatch/v0/decoder.js', 'kafkajs/src/protocol/recordBatch/record/v0/decoder.js', numberRecordDecoder);
