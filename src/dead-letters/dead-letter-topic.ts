import type { TrackerConfig } from '../config/tracker-config.js';
import type { KafkaClients, RecordHeaders } from '../kafka/kafka-port.js';
import { DEAD_LETTER_HEADERS } from './dead-letter.js';

/** Where a dead letter came from: a CDC record (tracker) or a delta (loader), by its headers. */
export interface DeadLetterSource {
  topic: string | undefined;
  partition: number | undefined;
  offset: number | undefined;
}

/** One record of the dead-letter topic, with the record it keeps as it arrived. */
export interface DeadLetter {
  /** Its own place in the dead-letter topic. */
  partition: number;
  offset: string;
  /** When it was written (ISO). */
  timestamp: string;
  entity: string | undefined;
  source: DeadLetterSource;
  errorCode: string | undefined;
  reason: string | undefined;
  key: Buffer | null;
  value: Buffer | null;
}

/** A dead letter as `dlq list` and `dlq replay` print it: the key as text, not the value. */
export interface DeadLetterEntry extends Omit<DeadLetter, 'key' | 'value'> {
  /** The original key, as text (it may not be text: then its bytes in base64). */
  key: string | null;
}

/** Every dead letter of the config's dead-letter topic up to its end now, oldest first. */
export async function readDeadLetters(kafka: KafkaClients, config: TrackerConfig): Promise<DeadLetter[]> {
  const admin = await kafka.connectAdmin();
  let partitions: number[];
  try {
    partitions = (await admin.listTopics()).includes(config.dlqTopic) ? (await admin.fetchTopicOffsets(config.dlqTopic)).map(({ partition }) => partition) : [];
  } finally {
    await admin.disconnect();
  }
  if (partitions.length === 0) return [];
  const letters: DeadLetter[] = [];
  const reader = await kafka.readPartitions({
    groupPrefix: 'erp-delta-dlq',
    partitions: partitions.map((partition) => ({ topic: config.dlqTopic, partition })),
    onBatch: async ({ partition, messages }) => {
      for (const message of messages) {
        const header = (name: string): string | undefined => headerText(message.headers, name);
        const number = (name: string): number | undefined => (header(name) === undefined ? undefined : Number(header(name)));
        letters.push({
          partition,
          offset: message.offset,
          timestamp: new Date(Number(message.timestamp)).toISOString(),
          entity: header(DEAD_LETTER_HEADERS.entity),
          source: { topic: header(DEAD_LETTER_HEADERS.topic), partition: number(DEAD_LETTER_HEADERS.partition), offset: number(DEAD_LETTER_HEADERS.offset) },
          errorCode: header(DEAD_LETTER_HEADERS.errorCode),
          reason: header(DEAD_LETTER_HEADERS.reason),
          key: message.key,
          value: message.value,
        });
      }
    },
  });
  try {
    await reader.caughtUp();
  } finally {
    await reader.stop();
  }
  // Partitions are read side by side; a stable sort by time keeps each partition's own order.
  return letters.sort((a, b) => a.timestamp.localeCompare(b.timestamp));
}

export function deadLetterEntry({ key, value: _value, ...letter }: DeadLetter): DeadLetterEntry {
  return { ...letter, key: key === null ? null : printable(key) };
}

function headerText(headers: RecordHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}

function printable(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  return /^[\x20-\x7e\u00a0-\uffff]*$/.test(text) && !text.includes('\ufffd') ? text : `base64:${bytes.toString('base64')}`;
}
