import type { TrackerConfig } from '../config/tracker-config.js';
import { tableRowEstimates } from '../capture/row-estimates.js';
import { assertSignalTopicsExist, findSnapshotTargets, sendIncrementalSnapshotSignals } from '../capture/snapshot-signal.js';
import { SourceDecoder } from '../capture/source-decoder.js';
import { SourceEpochFeed } from '../capture/source-epochs.js';
import { readDeltaHistory } from '../state/delta-history.js';
import { leveldbOptions, StateStore } from '../state/state-store.js';
import type { TrackerParts } from '../tracker/tracker-parts.js';

/**
 * The tracker's parts for `config`, from capture/ and state/: wired here, since no folder of the
 * flow imports another (DESIGN "Layout"; tracker/tracker-parts.ts says what each part is).
 */
export function trackerParts(config: TrackerConfig): TrackerParts {
  return {
    openStore: (dir, { repIndex, tasksInProcess, onDiskFull }) => StateStore.open(dir, { repIndex, leveldb: leveldbOptions(config.stateStore, tasksInProcess), onDiskFull }),
    wipeStore: (dir) => StateStore.wipe(dir),
    recordDecoder: (registry) => new SourceDecoder(registry),
    followSourceEpochs: (kafka, topic, logger) => SourceEpochFeed.start(kafka, topic, logger),
    findSnapshotTargets: (entityNames, connectorsDir) => findSnapshotTargets(config, entityNames, connectorsDir),
    checkSignalTopics: assertSignalTopicsExist,
    sendSnapshotSignals: (targets, refreshId) => sendIncrementalSnapshotSignals(config, targets, refreshId),
    tableRowEstimates: (targets) => tableRowEstimates(config, targets),
    readDeltaHistory,
  };
}
