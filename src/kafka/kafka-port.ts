/**
 * What erp-delta asks of a Kafka client, and nothing more: the records it reads and writes, the
 * admin calls it makes, a transactional producer, a group consumer that hands over fetched batches,
 * and a reader of chosen partitions. Only src/kafka/ knows which library is behind them
 * (kafka-client.ts builds every client); everything else is written against these.
 *
 * The shapes follow what the code has always used, so that the library's own objects satisfy them
 * as they are: a fetched record is never copied or mapped on the tracker's hot path.
 */

/** A record's headers: a value per name, several when a name repeats. */
export type RecordHeaders = Record<string, Buffer | string | Array<Buffer | string> | undefined>;

/** A record as read from a partition. */
export interface KafkaRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers?: RecordHeaders | undefined;
  /** Its offset in the partition, as text (offsets exceed 2^53). */
  offset: string;
  /** When it was written (or created), in ms since the epoch, as text. */
  timestamp: string;
}

/** A record to write; the partition is chosen from the key unless given. */
export interface OutgoingRecord {
  key?: Buffer | string | null | undefined;
  value: Buffer | string | null;
  headers?: RecordHeaders | undefined;
  partition?: number | undefined;
}

/** Records to write to one topic; `acks: -1` waits for every in-sync replica (a transaction always does). */
export interface ProduceRequest {
  topic: string;
  messages: OutgoingRecord[];
  acks?: -1 | undefined;
}

/** Where a write landed in one partition: its first record's offset. */
export interface WrittenPartition {
  topicName: string;
  partition: number;
  baseOffset?: string | undefined;
}

/** A topic, a partition and an offset: a position to read from or commit. */
export interface TopicPartitionOffset {
  topic: string;
  partition: number;
  offset: string;
}

/** An idempotent producer, for writes that are not part of a task's transaction. */
export interface KafkaProducer {
  connect(): Promise<void>;
  send(request: ProduceRequest): Promise<WrittenPartition[]>;
  disconnect(): Promise<void>;
}

/**
 * A task's transactional producer (DESIGN guarantee 1): its deltas, dead letters and the input
 * offset are committed together or not at all. Connected and having fenced every earlier producer
 * of its transactional id when handed out (KafkaClients.transactionalProducer).
 */
export interface TransactionalProducer {
  /** Begins a transaction; one at a time. */
  transaction(): Promise<ProducerTransaction>;
  disconnect(): Promise<void>;
}

export interface ProducerTransaction {
  send(request: ProduceRequest): Promise<WrittenPartition[]>;
  /** Commits a consumer group's offsets with the transaction: the input read is committed with what it produced. */
  sendOffsets(offsets: { consumerGroupId: string; topics: Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }> }): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/** A topic to create. */
export interface NewTopic {
  topic: string;
  numPartitions: number;
  configEntries: Array<{ name: string; value: string }>;
}

/** A partition's offsets: `low` its first, `high` the one after its last (on a transactional topic: its last stable offset). */
export interface PartitionEnds {
  partition: number;
  low: string;
  high: string;
}

/** A partition's offset: committed by a group, or found for a time. -1 when there is none. */
export interface PartitionOffset {
  partition: number;
  offset: string;
}

export interface TopicMetadata {
  name: string;
  /** `leader` is -1 while the partition has none. */
  partitions: Array<{ partitionId: number; leader: number }>;
}

/** The Kafka protocol's config resource type of a topic (DescribeConfigs). */
export const TOPIC_CONFIG_RESOURCE = 2;

/** The cluster calls erp-delta makes: topics, their offsets, consumer groups' offsets, configs. */
export interface KafkaAdmin {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  listTopics(): Promise<string[]>;
  /** False when every topic existed already. Does not wait for the topics to be served (topic-metadata.ts does). */
  createTopics(request: { topics: NewTopic[]; waitForLeaders: false }): Promise<boolean>;
  fetchTopicMetadata(request: { topics: string[] }): Promise<{ topics: TopicMetadata[] }>;
  fetchTopicOffsets(topic: string): Promise<PartitionEnds[]>;
  /** Per partition, the first offset written at or after `timestampMs`; -1 when none was. */
  fetchTopicOffsetsByTimestamp(topic: string, timestampMs: number): Promise<PartitionOffset[]>;
  fetchOffsets(request: { groupId: string; topics: string[] }): Promise<Array<{ topic: string; partitions: PartitionOffset[] }>>;
  /** Moves an empty group's offsets. */
  setOffsets(request: { groupId: string; topic: string; partitions: PartitionOffset[] }): Promise<void>;
  resetOffsets(request: { groupId: string; topic: string; earliest: true }): Promise<void>;
  deleteGroups(groupIds: string[]): Promise<unknown>;
  describeCluster(): Promise<{ brokers: Array<{ nodeId: number; host: string; port: number }>; controller: number | null }>;
  describeConfigs(request: { includeSynonyms: boolean; resources: Array<{ type: typeof TOPIC_CONFIG_RESOURCE; name: string; configNames: string[] }> }): Promise<{
    resources: Array<{ resourceName: string; configEntries: Array<{ configName: string; configValue: string }> }>;
  }>;
}

/** The records of one partition a group consumer fetched, and what its handler may do meanwhile. */
export interface FetchedBatch {
  batch: {
    topic: string;
    partition: number;
    /** The partition's end when fetched (read committed: its last stable offset). */
    highWatermark: string;
    messages: readonly KafkaRecord[];
    firstOffset(): string | null;
    /** The offset of the fetch's last record or transaction marker. */
    lastOffset(): string;
  };
  /** Marks records up to this offset as handled: a rebalance or a retry goes on after it. */
  resolveOffset(offset: string): void;
  /** Keeps the group membership alive during a long batch. */
  heartbeat(): Promise<void>;
  /**
   * Stops fetching this batch's partition: its records not resolved are fetched again, from the
   * first one not resolved, once the function returned is called. What a handler does with a
   * partition that cannot be processed yet, so that the other partitions go on meanwhile.
   */
  pause(): () => void;
  /** False once the consumer stops. */
  isRunning(): boolean;
  /** True once a rebalance or a seek made the rest of this batch out of date. */
  isStale(): boolean;
}

/** What a group consumer reads and whom it tells. Offsets are committed by the handler's side, never automatically. */
export interface GroupSubscription {
  /** Read from their start where the group has committed nothing. */
  topics: string[];
  eachBatch(fetched: FetchedBatch): Promise<void>;
  /**
   * The partitions assigned to this member, on every rebalance, before their batches, and the
   * member's id in the group (a new one after the group had taken it out).
   */
  onAssignment?(assignment: Readonly<Record<string, number[]>>, member: { memberId: string }): void;
  /** A fetch that held only transaction markers (no batch for eachBatch): where the partition's reading got to. */
  onMarkersOnly?(position: TopicPartitionOffset): void;
  /**
   * The consumer stopped on an error its client does not retry, and runs again in `inMs`: the
   * member rejoins its group, and reading goes on from the committed offsets.
   */
  onRestart?(error: Error, inMs: number): void;
}

/** A member of a consumer group, reading committed records only. */
export interface GroupConsumer {
  /** Connects, joins the group and hands fetched batches to the subscription; resolves once running. */
  run(subscription: GroupSubscription): Promise<void>;
  /** Reads a partition again from `offset`, from its next fetch on. */
  seek(position: TopicPartitionOffset): void;
  /** Commits the group's offsets (the offset of the next record to read). */
  commitOffsets(offsets: TopicPartitionOffset[]): Promise<void>;
  disconnect(): Promise<void>;
}

/** A partition to read, from `from` on (default: its earliest offset). */
export interface PartitionStart {
  topic: string;
  partition: number;
  from?: string | undefined;
}

export interface PartitionBatch {
  topic: string;
  partition: number;
  /** Only records at or after the partition's `from`, read committed. */
  messages: KafkaRecord[];
  /** The offset after the last record of the fetched batch (transaction markers included). */
  nextOffset: string;
  /** Keeps the reader's group membership alive while a batch takes long (a throttled refresh). */
  heartbeat: () => Promise<void>;
}

export interface PartitionReaderOptions {
  /** Prefix of the reader's own consumer group; a random suffix makes it unique. */
  groupPrefix: string;
  partitions: readonly PartitionStart[];
  onBatch: (batch: PartitionBatch) => Promise<void>;
  /**
   * Whether batches of different partitions may be handled at the same time (one partition's
   * batches always in order): for a caller whose partitions share nothing, such as a restore
   * writing each partition to its own store. Default: one batch at a time.
   */
  partitionsInParallel?: boolean | undefined;
}

/**
 * Reads chosen partitions from chosen offsets, read committed, and knows how far it has read each
 * one: what restoring a changelog partition, keeping a global table and listing a compacted topic
 * all need. Commits nothing: the caller keeps its own positions.
 */
export interface PartitionReader {
  /** The offset after the last record (or marker) read from a partition, or where reading starts. */
  position(topic: string, partition: number): bigint;
  /**
   * Resolves once every partition has been read up to its end as of this call (its last stable
   * offset). `onPartition` is told of each partition as soon as it is read up to its end, once,
   * after the last batch of it the caller handled and before any later one.
   */
  caughtUp(onPartition?: (topic: string, partition: number) => void): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Every client erp-delta makes of one cluster, each with its options named once (kafka-client.ts):
 * made from the config's `kafka` section, with its brokers, TLS and SASL.
 */
export interface KafkaClients {
  readonly brokers: readonly string[];
  /** An admin client, not connected. */
  admin(): KafkaAdmin;
  /** An admin client, connected; an unreachable cluster is KAFKA_UNAVAILABLE naming the brokers. */
  connectAdmin(): Promise<KafkaAdmin>;
  /** An idempotent producer, not connected; it never creates a topic (erp-delta creates each with its settings). */
  producer(): KafkaProducer;
  /** A task's transactional producer, connected, every earlier producer of `transactionalId` fenced and its open transaction aborted. */
  transactionalProducer(transactionalId: string): Promise<TransactionalProducer>;
  /** The tracker's member of its group over the CDC topics. */
  cdcConsumer(groupId: string): GroupConsumer;
  /** The loader's member of its group over the delta topics: `lingerMs` to gather a fetch, `partitions` handled side by side. */
  deltaConsumer(groupId: string, options: { lingerMs: number; partitions: number }): GroupConsumer;
  /** Starts reading chosen partitions (PartitionReader). */
  readPartitions(options: PartitionReaderOptions): Promise<PartitionReader>;
}
