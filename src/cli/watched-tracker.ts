import { withCaptureReasons } from '../admin/readiness.js';
import { CaptureMonitor, captureSettings } from '../capture/capture-monitor.js';
import { kafkaClients } from '../kafka/kafka-client.js';
import { registerCaptureMetrics } from '../metrics/capture-metrics.js';
import type { TrackerActions, TrackerView } from '../status/tracker-view.js';
import { Tracker, type TrackerOptions } from '../tracker/tracker.js';
import { trackerParts } from './tracker-parts.js';

/**
 * The tracker as `run` and `demo` run it: built with its parts (tracker-parts.ts) and, when the
 * config has a `capture` section, with the watch of the capture beside it (issue 19). The watch is
 * wired here rather than in the tracker, since the tracker imports no other stage of the flow: it
 * serves its gauges on the tracker's registry, and its reasons and health join the tracker's on
 * /readyz and the status page (`view`).
 */
export class WatchedTracker {
  readonly tracker: Tracker;
  /** What /readyz and the status page see: the tracker, with the capture's reasons and health when it is watched. */
  readonly view: TrackerView & TrackerActions;
  private readonly capture: CaptureMonitor | undefined;

  constructor(options: Omit<TrackerOptions, 'parts'>) {
    const { config, logger } = options;
    const tracker = new Tracker({ ...options, parts: trackerParts(config) });
    this.tracker = tracker;
    this.view = tracker;
    if (!config.capture) return;
    const capture = new CaptureMonitor({
      settings: captureSettings(config.capture),
      kafka: kafkaClients(config.kafka, logger),
      logger,
      entities: Object.values(config.entities).map(({ name, topic }) => ({ name, topic })),
      newestSourceChangeMs: tracker.metrics.newestSourceChangeMs,
    });
    this.capture = capture;
    registerCaptureMetrics(tracker.metrics.registry, () => capture.health());
    this.view = {
      entityNames: () => tracker.entityNames(),
      entityCounters: () => tracker.entityCounters(),
      consumerLag: () => tracker.consumerLag(),
      readiness: async () => withCaptureReasons(await tracker.readiness(), capture.readinessReasons()),
      refreshStatus: () => tracker.refreshStatus(),
      assignmentMapping: () => tracker.assignmentMapping(),
      sourcePositions: () => tracker.sourcePositions(),
      captureHealth: () => capture.health() ?? null,
      requestRefresh: (trigger) => tracker.requestRefresh(trigger),
      assign: (repCode, userId) => tracker.assign(repCode, userId),
      deltaHistory: (entity, key) => tracker.deltaHistory(entity, key),
    };
  }

  /** Settles with a failure that must stop the process (Tracker.failed). */
  get failed(): Tracker['failed'] {
    return this.tracker.failed;
  }

  get metrics(): Tracker['metrics'] {
    return this.tracker.metrics;
  }

  async start(): Promise<void> {
    // First: the capture's state is worth knowing while the tracker starts and restores.
    this.capture?.start();
    await this.tracker.start();
  }

  async stop(): Promise<void> {
    await this.capture?.stop();
    await this.tracker.stop();
  }
}
