import type { Logger } from '../logging/logger.js';
import type { TrackerMetrics } from '../metrics/tracker-metrics.js';
import { describeSourcePosition, type SourceConnector } from '../model/source-position.js';
import type { BatchDecision, BehindVersion } from './batch-decision.js';
import type { DeltaSource } from '../model/delta.js';
import type { TrackedEntity } from '../model/tracked-entity.js';
import type { PositionStatus } from '../status/tracker-view.js';

/** How often, at most, a task repeats its error about versions behind the loaded ones. */
const BEHIND_LOG_INTERVAL_MS = 60_000;

/**
 * Says what the batches found about source positions (DESIGN guarantee 7), where an operator
 * looks: metrics for every record, the status page, and the log without flooding it.
 * - Versions behind the loaded ones mean the source's positions started over (its database
 *   restored elsewhere): an error naming the entity and both positions when it starts, then at
 *   most one a minute per task with the count; `erp-delta capture reset` is the way out.
 * - Records without a usable position: a warning once per topic.
 */
export class PositionReport {
  private readonly statuses = new Map<string, PositionStatus>();
  private readonly warnedTopics = new Set<string>();
  private readonly behindLogged = new Map<string, { atMs: number; unlogged: number }>();

  constructor(
    private readonly metrics: TrackerMetrics,
    private readonly logger: Logger,
  ) {}

  report(entity: TrackedEntity, partition: number, decision: Pick<BatchDecision, 'behind' | 'withoutPosition' | 'alreadyApplied' | 'superseded'>): void {
    this.metrics.recordPositions(entity.name, { behind: decision.behind.length, withoutPosition: decision.withoutPosition, alreadyApplied: decision.alreadyApplied, superseded: decision.superseded });
    if (decision.withoutPosition > 0) this.warnWithoutPosition(entity);
    if (decision.withoutPosition === 0 && decision.behind.length === 0) return;
    const status = this.statusOf(entity.name);
    status.withoutPosition += decision.withoutPosition;
    const last = decision.behind.at(-1);
    if (last === undefined) return;
    status.behind += decision.behind.length;
    status.lastBehind = { key: last.key, partition, record: describe(last.record), loaded: describe(last.loaded), atMs: Date.now() };
    this.logBehind(entity, partition, decision.behind);
  }

  status(): Record<string, PositionStatus> {
    return Object.fromEntries(this.statuses);
  }

  private statusOf(entity: string): PositionStatus {
    let status = this.statuses.get(entity);
    if (!status) {
      status = { behind: 0, lastBehind: null, withoutPosition: 0 };
      this.statuses.set(entity, status);
    }
    return status;
  }

  private warnWithoutPosition(entity: TrackedEntity): void {
    if (this.warnedTopics.has(entity.topic)) return;
    this.warnedTopics.add(entity.topic);
    this.logger.warn(
      { entity: entity.name, topic: entity.topic },
      'CDC records without a usable source position (a Debezium source block erp-delta cannot read): they are ordered by Kafka offset, which a re-sent record or a re-created topic can fool; counted in erp_delta_records_without_source_position_total',
    );
  }

  private logBehind(entity: TrackedEntity, partition: number, behind: readonly BehindVersion[]): void {
    const task = `${entity.topic}-${partition}`;
    const logged = this.behindLogged.get(task);
    const now = Date.now();
    if (logged && now - logged.atMs < BEHIND_LOG_INTERVAL_MS) {
      logged.unlogged += behind.length;
      return;
    }
    const first = behind[0] as BehindVersion;
    this.logger.error(
      {
        entity: entity.name,
        partition,
        key: first.key,
        recordPosition: describe(first.record),
        loadedPosition: describe(first.loaded),
        epoch: first.loaded.epoch,
        versions: behind.length + (logged?.unlogged ?? 0),
        hint: `If the ERP database was restored onto another server, run \`erp-delta capture reset --entity ${entity.name}\`, then a full compare (\`erp-delta refresh --from-source --entity ${entity.name}\`).`,
      },
      'source positions went back: changes made after the loaded version carry an earlier position, so they are not applied',
    );
    this.behindLogged.set(task, { atMs: now, unlogged: 0 });
  }
}

function describe(source: DeltaSource): string {
  if (source.connector === null || source.position === null) return `Kafka ${source.topic}-${source.partition}@${source.offset}`;
  return `${describeSourcePosition({ connector: source.connector as SourceConnector, order: source.position })} (epoch ${source.epoch})`;
}
