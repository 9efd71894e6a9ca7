import { createRequire } from 'node:module';
import { groupMessagesPerPartition } from './group-messages-per-partition.js';

/**
 * Imported first by the CLI (src/cli/main.ts), before anything loads kafkajs: kafkajs's producer
 * takes its groupMessagesPerPartition when its module loads, so the linear one must be in the
 * module cache by then. kafkajs is pinned (2.2.4, no longer released), so this file is stable;
 * should kafkajs be loaded already, nothing is replaced and sends are only slower.
 */
const require = createRequire(import.meta.url);
const producerModule = require.resolve('kafkajs/src/producer/sendMessages.js');
const groupingModule = require.resolve('kafkajs/src/producer/groupMessagesPerPartition.js');

if (require.cache[producerModule] === undefined) {
  require(groupingModule);
  const cached = require.cache[groupingModule];
  if (cached) cached.exports = groupMessagesPerPartition;
}
