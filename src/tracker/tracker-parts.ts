import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { ErpDeltaError } from '../errors/erp-delta-error.js';
import type { KafkaAdmin, KafkaClients } from '../kafka/kafka-port.js';
import type { Logger } from '../logging/logger.js';
import type { DeltaHistory } from '../model/delta-history.js';
import type { RowEstimates, SnapshotTarget } from '../model/snapshot-target.js';
import type { DecodedSourceRecord } from '../model/source-change.js';
import type { SourceEpochs } from '../model/source-epoch.js';
import type { RepIndexFields, TaskStore } from '../model/task-store.js';

/**
 * What the tracker calls of the stages beside it in the flow: capture/ (decoding, source epochs,
 * snapshots) and state/ (the tasks' stores, a key's deltas). No folder of the flow imports another
 * (DESIGN "Layout"), so the tracker declares here what it needs, and cli/ builds it from those
 * folders for one config (cli/tracker-parts.ts) and hands it over.
 */
export interface TrackerParts {
  /**
   * Opens a task's store in `dir`; `tasksInProcess` stores share the process's write buffer budget
   * (state/state-store.ts); `onDiskFull` is told when a write finds the filesystem full.
   */
  openStore(dir: string, options: { repIndex: RepIndexFields | undefined; tasksInProcess: number; onDiskFull?: (error: ErpDeltaError) => void }): Promise<TaskStore>;
  /** Deletes a closed store's files: what it held comes back from the changelog. */
  wipeStore(dir: string): Promise<void>;
  /** The decoder of the CDC records, asking `registry` for the schemas of Avro ones (capture/source-decoder.ts). */
  recordDecoder(registry: SchemaRegistry): RecordDecoder;
  /** Every entity's source epoch, read to the topic's current end and then followed until stopped (capture/source-epochs.ts). */
  followSourceEpochs(kafka: KafkaClients, topic: string, logger: Logger): Promise<FollowedSourceEpochs>;
  /** The snapshot targets of the entities that have one, and the entities that have none (capture/snapshot-signal.ts). */
  findSnapshotTargets(entityNames: readonly string[], connectorsDir: string): { found: SnapshotTarget[]; missing: string[] };
  /** Throws PREREQUISITE_MISSING naming a target whose signal topic does not exist: checked before a compare is requested. */
  checkSignalTopics(admin: KafkaAdmin, targets: readonly SnapshotTarget[]): Promise<void>;
  /** Asks the targets' connectors for an incremental snapshot, for the full compare `refreshId`. */
  sendSnapshotSignals(targets: readonly SnapshotTarget[], refreshId: string): Promise<unknown>;
  /** The row estimates of the targets' tables; never throws (capture/row-estimates.ts). */
  tableRowEstimates(targets: readonly SnapshotTarget[]): Promise<RowEstimates>;
  /** The last deltas of `key` on `topic`, its delta topic (state/delta-history.ts). */
  readDeltaHistory(kafka: KafkaClients, admin: KafkaAdmin, registry: SchemaRegistry, topic: string, key: string, options: { limit: number; tailPerPartition?: number }): Promise<DeltaHistory>;
}

/**
 * Decodes a CDC record's key and value, whatever converter Connect used. JSON decodes
 * synchronously; only a record that needs the registry returns a promise. Throws DECODE_FAILED for
 * a record that cannot be read, a retriable error when the registry cannot be asked.
 */
export interface RecordDecoder {
  decode(key: Buffer | null, value: Buffer | null): DecodedSourceRecord | Promise<DecodedSourceRecord>;
}

/** The source epochs as the running tracker follows them: stopped with the tracker. */
export interface FollowedSourceEpochs extends SourceEpochs {
  stop(): Promise<void>;
}
