import { isIP } from 'node:net';
import {
  Admin,
  compatibilityPartitioner,
  type Consumer,
  FindCoordinatorKeyTypes,
  findErrorBy,
  type Message,
  type MessageConsumerMetadata,
  type MessageToProduce,
  Producer,
  type ProducerOptions,
  type SASLOptions,
} from '@platformatic/kafka';
import { ErpDeltaError, isErpDeltaError } from '../errors/erp-delta-error.js';
import type { OutgoingRecord, ProduceRequest, ProducerTransaction, TransactionalProducer, WrittenPartition } from './kafka-port.js';

type Transaction = Awaited<ReturnType<Producer['beginTransaction']>>;

/** How to reach the cluster, as kafka-client.ts reads it from the config (PEM files and secrets read already). */
export interface PlatformaticConnection {
  clientId: string;
  brokers: readonly string[];
  tls?: { ca?: string | undefined; cert?: string | undefined; key?: string | undefined; rejectUnauthorized: boolean } | undefined;
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string } | { mechanism: 'oauthbearer'; token: () => string } | undefined;
  connectionTimeoutMs?: number | undefined;
  requestTimeoutMs?: number | undefined;
}

/**
 * Retries of a transaction's request. A transaction begun right after a commit is answered
 * CONCURRENT_TRANSACTIONS until the broker has written the commit's markers, a few ms: the first
 * retries come soon (the client's default waits a whole second, which took a transactional
 * producer from 100,000 to 2,225 messages/s in bench:clients), later ones back off (10 ms
 * doubling, at most 2 s): about 2.5 s in all before the transaction fails and its task is reopened.
 */
const RETRIES = 8;
const FIRST_RETRY_MS = 10;
const MAX_RETRY_MS = 2_000;

/**
 * A task's transactional producer (kafka-port.ts), made by @platformatic/kafka: it writes a
 * transaction's records at about half kafkajs's CPU per record, which made the tracker 7 - 20 %
 * faster end to end (docs/decisions/kafka-client.md). Everything else (consumers, admin, the
 * idempotent producer) stays kafkajs's.
 *
 * A transaction's input offset is committed as an EOS producer without a group generation does
 * (generation -1, as kafkajs and Kafka Streams' per-task producers do): each task's producer has a
 * transactional id of its own, and its InitProducerId fences every earlier producer of that id.
 */
export async function platformaticTransactionalProducer(connection: PlatformaticConnection, transactionalId: string): Promise<TransactionalProducer> {
  const producer = new Producer({
    ...clientOptions(connection),
    transactionalId,
    idempotent: true,
    // Without these, the client's first InitProducerId names producer id 0, epoch 0: the broker takes
    // it for a stale producer of an id that has a history, and fences it (PRODUCER_FENCED), so no
    // task could start again on a transactional id used before. -1 asks for the id's current one.
    producerId: -1n,
    producerEpoch: -1,
    autocreateTopics: false,
    // Kafka's own clients' partitioner (murmur2, positive): a key lands where Java producers put it.
    partitioner: compatibilityPartitioner,
  });
  const coordinators = new GroupCoordinators(connection);
  try {
    // InitProducerId happens when the first transaction begins: that fences a zombie of this id and
    // settles its open transaction, so it must happen now, before the caller reads what the zombie
    // may have left (a changelog's end). Nothing was sent: the transaction is dropped locally.
    await (await producer.beginTransaction()).cancel();
  } catch (error) {
    await producer.close(true).catch(() => undefined);
    throw unavailable(connection, `the transactional producer ${transactionalId} could not start`, error);
  }
  const failed = (what: string, error: unknown) => transactionFailed(connection, transactionalId, what, error);
  return {
    transaction: async () => {
      const transaction = await producer.beginTransaction().catch((error: unknown) => {
        throw failed('beginning a transaction', error);
      });
      return new PlatformaticTransaction(transaction, coordinators, failed);
    },
    disconnect: async () => {
      await producer.close(true).catch(() => undefined);
    },
  };
}

function clientOptions(
  connection: PlatformaticConnection,
): Pick<ProducerOptions<Buffer, Buffer, Buffer, Buffer>, 'clientId' | 'bootstrapBrokers' | 'tls' | 'tlsServerName' | 'sasl' | 'connectTimeout' | 'requestTimeout' | 'retries' | 'retryDelay'> {
  return {
    clientId: connection.clientId,
    bootstrapBrokers: [...connection.brokers],
    ...(connection.tls === undefined
      ? {}
      : {
          tls: connection.tls,
          // A certificate names a host, not an address: a host's name is sent for SNI and checked.
          tlsServerName: connection.brokers.some((broker) => isIP(hostOf(broker)) === 0),
        }),
    ...(connection.sasl === undefined ? {} : { sasl: saslOptions(connection.sasl) }),
    ...(connection.connectionTimeoutMs === undefined ? {} : { connectTimeout: connection.connectionTimeoutMs }),
    ...(connection.requestTimeoutMs === undefined ? {} : { requestTimeout: connection.requestTimeoutMs }),
    retries: RETRIES,
    retryDelay: (_client, _operation, attempt) => Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** (attempt - 1)),
  };
}

function saslOptions(sasl: NonNullable<PlatformaticConnection['sasl']>): SASLOptions {
  // The token is read at every authentication: a file something else keeps fresh is what is sent.
  if (sasl.mechanism === 'oauthbearer') return { mechanism: 'OAUTHBEARER', token: sasl.token };
  return { mechanism: sasl.mechanism === 'plain' ? 'PLAIN' : sasl.mechanism === 'scram-sha-256' ? 'SCRAM-SHA-256' : 'SCRAM-SHA-512', username: sasl.username, password: sasl.password };
}

/** The host of a broker: the config allows only `host:port` and `[v6 address]:port`. */
function hostOf(broker: string): string {
  return broker.slice(0, broker.lastIndexOf(':')).replace(/^\[(.*)\]$/, '$1');
}

/**
 * The broker that coordinates a consumer group's offsets, asked once per group and producer by an
 * admin client of its own that closes after the answer: a task's producer keeps no idle connection.
 */
class GroupCoordinators {
  private readonly known = new Map<string, number>();

  constructor(private readonly connection: PlatformaticConnection) {}

  async of(groupId: string): Promise<number> {
    const known = this.known.get(groupId);
    if (known !== undefined) return known;
    const admin = new Admin(clientOptions(this.connection));
    const answer = await admin.findCoordinator({ keyType: FindCoordinatorKeyTypes.GROUP, keys: [groupId] }).finally(() => admin.close().catch(() => undefined));
    const found = answer.find((entry) => entry.key === groupId);
    if (found === undefined)
      throw new ErpDeltaError('KAFKA_UNAVAILABLE', `Kafka at ${this.connection.brokers.join(', ')} named no coordinator for the consumer group ${groupId}.`, { retriable: true });
    // A coordinator that moves later fails the transaction: the task is reopened with a new producer, which asks again.
    this.known.set(groupId, found.nodeId);
    return found.nodeId;
  }
}

class PlatformaticTransaction implements ProducerTransaction {
  /** Whether anything reached the broker: a transaction that stayed empty has nothing to end there. */
  private begun = false;

  constructor(
    private readonly transaction: Transaction,
    private readonly coordinators: GroupCoordinators,
    private readonly failed: (what: string, error: unknown) => ErpDeltaError,
  ) {}

  async send(request: ProduceRequest): Promise<WrittenPartition[]> {
    this.begun = true;
    const result = await this.step(`writing to ${request.topic}`, () => this.transaction.send({ messages: request.messages.map((message) => outgoing(request.topic, message)) }));
    return (result.offsets ?? []).map(({ topic, partition, offset }) => ({ topicName: topic, partition, baseOffset: String(offset) }));
  }

  async sendOffsets(offsets: { consumerGroupId: string; topics: Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }> }): Promise<void> {
    const groupId = offsets.consumerGroupId;
    const consumer: MessageConsumerMetadata = { groupId, generationId: -1, memberId: '', coordinatorId: await this.coordinators.of(groupId) };
    this.begun = true;
    // The client asks only a consumer's group id of it here; erp-delta's consumers are kafkajs's.
    await this.step(`adding the offsets of group ${groupId}`, () => this.transaction.addConsumer({ groupId } as Consumer));
    for (const { topic, partitions } of offsets.topics) {
      for (const { partition, offset } of partitions) {
        // The client commits the offset after a consumed message's, and reads no more of it than these.
        await this.step(`committing offset ${offset} of ${topic}-${partition} for group ${groupId}`, () =>
          this.transaction.addOffset({ topic, partition, offset: BigInt(offset) - 1n, metadata: { consumer } } as unknown as Message),
        );
      }
    }
  }

  async commit(): Promise<void> {
    await this.step('committing', () => (this.begun ? this.transaction.commit() : this.transaction.cancel()));
  }

  async abort(): Promise<void> {
    await this.step('aborting', () => (this.begun ? this.transaction.abort() : this.transaction.cancel()));
  }

  private async step<T>(what: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw this.failed(what, error);
    }
  }
}

/** The broker's answers that mean a newer producer holds the transactional id. */
const FENCED = ['PRODUCER_FENCED', 'INVALID_PRODUCER_EPOCH'];

/**
 * A transaction's request that failed, as erp-delta's error: PRODUCER_FENCED when a newer producer
 * holds the transactional id (a task of the same partition opened elsewhere after a rebalance, or
 * here again: nothing of the transaction is committed), else KAFKA_UNAVAILABLE with what the broker
 * answered (a commit whose answer was lost may have committed). Either way its task is replaced,
 * and the new task's restore reads whatever did commit (tracker.ts).
 */
export function transactionFailed(connection: Pick<PlatformaticConnection, 'brokers'>, transactionalId: string, what: string, error: unknown): ErpDeltaError {
  if (isErpDeltaError(error)) return error;
  const fenced = error instanceof Error ? FENCED.find((apiId) => findErrorBy(error, 'apiId', apiId) !== null) : undefined;
  if (fenced !== undefined) {
    return new ErpDeltaError(
      'PRODUCER_FENCED',
      `The transactional producer ${transactionalId} was fenced while ${what} (${fenced}): a newer producer holds its transactional id, as when its partition moved to another instance or its task was opened again. Nothing of the transaction is committed; a new task reads the batch again.`,
      { retriable: true, cause: error },
    );
  }
  return unavailable(connection, `${what} in a transaction of ${transactionalId}`, error);
}

/** A record as the client writes it: bytes for the key and value (none for a tombstone), headers by name. */
export function outgoing(topic: string, message: OutgoingRecord): MessageToProduce {
  const record: MessageToProduce = { topic };
  if (message.key !== undefined && message.key !== null) record.key = typeof message.key === 'string' ? Buffer.from(message.key) : message.key;
  if (message.value !== null) record.value = typeof message.value === 'string' ? Buffer.from(message.value) : message.value;
  if (message.partition !== undefined) record.partition = message.partition;
  if (message.headers !== undefined) {
    const headers = new Map<Buffer, Buffer>();
    for (const [name, value] of Object.entries(message.headers)) {
      if (value === undefined) continue;
      // Each value of a repeated header is a header of its own (a Map of Buffers keys them apart).
      for (const one of Array.isArray(value) ? value : [value]) headers.set(Buffer.from(name), typeof one === 'string' ? Buffer.from(one) : one);
    }
    record.headers = headers;
  }
  return record;
}

function unavailable(connection: Pick<PlatformaticConnection, 'brokers'>, what: string, error: unknown): ErpDeltaError {
  return new ErpDeltaError('KAFKA_UNAVAILABLE', `Kafka at ${connection.brokers.join(', ')}: ${what}: ${reasons(error)}`, { retriable: true, cause: error });
}

/** The client's error and the errors it gathered over its retries, which say what the broker answered. */
function reasons(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const inner = (error as Error & { errors?: unknown }).errors;
  const said = Array.isArray(inner) ? [...new Set(inner.filter((one): one is Error => one instanceof Error).map((one) => one.message))] : [];
  return said.length === 0 ? error.message : `${error.message} (${said.join('; ')})`;
}
