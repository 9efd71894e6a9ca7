import { createRequire } from 'node:module';
import { groupMessagesPerPartition } from './group-messages-per-partition.js';
import { onePassProduceRequest, type ProduceRequestFactory } from './produce-request-encoder.js';
import { numberRecordDecoder, type KafkaRecordDecoder } from './record-decoder.js';
import { exactSizeRecordEncoder, type KafkaRecordEncoder } from './record-encoder.js';
import { cacheTransactionCoordinators, type CoordinatorLookup } from './transaction-coordinator-cache.js';

/**
 * kafkajs internals replaced by ones with the same results at a fraction of the cost, on the
 * tracker's hot path (bench/HISTORY.md): the producer's grouping of a send's messages by partition
 * (group-messages-per-partition.ts), its encoding of a Produce request (produce-request-encoder.ts)
 * and of each record where that one leaves it to kafkajs (record-encoder.ts), and the
 * consumer's decoding of each fetched record (record-decoder.ts); and the lookup of the transaction
 * coordinator before each of a transaction's requests (transaction-coordinator-cache.ts).
 *
 * Imported first by the CLI (src/cli/main.ts), before anything loads kafkajs: kafkajs's modules
 * take these functions when they load, so the replacements must be in the module cache by then.
 * kafkajs is pinned (2.2.4, no longer released), so this file is stable; should kafkajs be loaded
 * already, nothing is replaced and kafkajs is only slower.
 */
const require = createRequire(import.meta.url);

/** Replaces a kafkajs module's exports, unless the module was loaded already (someone may hold them). */
function replaceBeforeLoad<T>(replaced: string, replacement: (original: T) => T): void {
  const path = require.resolve(replaced);
  if (isLoaded(path)) return;
  const original = require(path) as T;
  const loaded = require.cache[path];
  if (loaded) loaded.exports = replacement(original);
}

function isLoaded(path: string): boolean {
  return require.cache[path] !== undefined;
}

replaceBeforeLoad('kafkajs/src/producer/groupMessagesPerPartition.js', () => groupMessagesPerPartition);
replaceBeforeLoad<KafkaRecordDecoder>('kafkajs/src/protocol/recordBatch/record/v0/decoder.js', numberRecordDecoder);
const encoderPrototype = (require('kafkajs/src/protocol/encoder.js') as { prototype: object }).prototype;
replaceBeforeLoad<KafkaRecordEncoder>('kafkajs/src/protocol/recordBatch/record/v0/index.js', (original) => exactSizeRecordEncoder(original, encoderPrototype));
const Long = require('kafkajs/src/utils/long.js') as { fromValue(value: unknown): { getHighBits(): number; getLowBits(): number } };
replaceBeforeLoad<ProduceRequestFactory>('kafkajs/src/protocol/requests/produce/v3/request.js', (original) => onePassProduceRequest(original, {
  encoderPrototype,
  crc32C: require('kafkajs/src/protocol/recordBatch/crc32C/index.js') as (bytes: Buffer) => number,
  longBits: (value) => {
    const long = Long.fromValue(value);
    return { high: long.getHighBits(), low: long.getLowBits() };
  },
}));
cacheTransactionCoordinators((require('kafkajs/src/cluster/index.js') as { prototype: CoordinatorLookup }).prototype);
