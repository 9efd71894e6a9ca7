import { ErpDeltaError } from '../errors/erp-delta-error.js';
import type { KafkaClients } from '../kafka/kafka-port.js';

/**
 * How far back from each partition's end to look for a record with a value: the newest records
 * describe the table as it is now, and a compacted topic seldom ends in more tombstones than this.
 */
const TAIL_RECORDS = 100n;

export interface CdcRecordSample {
  key: Buffer | null;
  value: Buffer;
}

/**
 * One recent change record of a CDC topic (not a tombstone), for what its schema part says about
 * the table. Reads the last records of each partition that has any, through a reader group of
 * its own that is deleted afterwards; commits nothing.
 */
export async function readCdcRecordSample(kafka: KafkaClients, topic: string): Promise<CdcRecordSample> {
  const brokers = kafka.brokers;
  const admin = await kafka.connectAdmin();
  let starts: Array<{ topic: string; partition: number; from: string }>;
  try {
    if (!(await admin.listTopics()).includes(topic)) {
      throw new ErpDeltaError('TOPIC_MISMATCH', `CDC topic ${topic} does not exist in Kafka at ${brokers.join(', ')}.`, {
        hint: 'Check --topic, and that the connector captures the table and has run; or read the columns from the ERP database (leave out --from-topic).',
      });
    }
    starts = (await admin.fetchTopicOffsets(topic))
      .filter(({ low, high }) => BigInt(high) > BigInt(low))
      .map(({ partition, low, high }) => {
        const tail = BigInt(high) - TAIL_RECORDS;
        return { topic, partition, from: String(tail > BigInt(low) ? tail : BigInt(low)) };
      });
  } finally {
    await admin.disconnect();
  }
  if (starts.length === 0) throw noRecord(topic, 'holds no record');

  let sample: CdcRecordSample | undefined;
  let found: () => void = () => undefined;
  const sampled = new Promise<void>((resolve) => {
    found = resolve;
  });
  const reader = await kafka.readPartitions({
    groupPrefix: 'erp-delta-entities-init',
    partitions: starts,
    onBatch: async ({ messages }) => {
      const record = messages.findLast((message) => message.value !== null && message.value.length > 0);
      if (sample === undefined && record?.value) {
        sample = { key: record.key ?? null, value: record.value };
        found();
      }
    },
  });
  try {
    await Promise.race([sampled, reader.caughtUp()]);
  } finally {
    await reader.stop();
  }
  if (sample === undefined) throw noRecord(topic, `holds only tombstones in the last ${TAIL_RECORDS} records of each partition`);
  return sample;
}

function noRecord(topic: string, why: string): ErpDeltaError {
  return new ErpDeltaError('TOPIC_SCHEMA_MISSING', `CDC topic ${topic} ${why}: there is no change record to read the columns from.`, {
    hint: 'Read the columns from the ERP database instead: leave out --from-topic.',
  });
}
