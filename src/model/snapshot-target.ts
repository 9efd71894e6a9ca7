/**
 * What a full compare asks of the capture (DESIGN "Full compare"): which connector snapshots each
 * entity's table, and how many rows the table holds. Plain shapes: capture/ finds them
 * (snapshot-signal.ts, row-estimates.ts), the tracker and the refresh pass them on.
 */

/** An entity's table as the connector that captures it names it, and where to ask it for a snapshot. */
export interface SnapshotTarget {
  entity: string;
  /** The entity's CDC topic, `<prefix>.<schema>.<table>`. */
  topic: string;
  /** `<schema>.<table>`: Debezium's data collection. */
  dataCollection: string;
  /** The name of the connector that captures the table (its connector file's). */
  connector: string;
  /** The connector's topic.prefix: a Kafka signal's key must be it. */
  prefix: string;
  signalTopic: string;
  /** Where the connector writes its notifications (notification.sink.topic.name), if it does. */
  notificationTopic: string | undefined;
}

/** PostgreSQL's row estimate of each compared table, by CDC topic; for a table without one, why. */
export interface RowEstimates {
  estimates: Record<string, number>;
  unknown: Record<string, string>;
}
