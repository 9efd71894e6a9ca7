/**
 * Debezium's notifications about an incremental snapshot, as its sink channel writes them to a
 * Kafka topic (`notification.enabled.channels=sink`, `notification.sink.topic.name`): JSON,
 * bare or in JsonConverter's {schema, payload}. They go through the connector's event queue, so
 * each is written after the change events the connector queued before it: a table's
 * TABLE_SCAN_COMPLETED comes after the last snapshot row of the table. The `id` of an incremental
 * snapshot's notifications is the id of the execute-snapshot signal that started it.
 */
export interface SnapshotNotification {
  id: string;
  type: string;
  /** `schema.table` of the tables the snapshot reads. */
  dataCollections: string[];
  /** The table whose scan a TABLE_SCAN_COMPLETED reports (Debezium 3.x; absent in older ones). */
  scannedCollection: string | undefined;
  totalRowsScanned: number | undefined;
  /** SUCCEEDED, EMPTY, NO_PRIMARY_KEY, SKIPPED, SQL_EXCEPTION, UNKNOWN_SCHEMA: how a table's scan ended. */
  status: string | undefined;
}

/** Reads one notification record; undefined for anything that is not an incremental snapshot's. */
export function parseSnapshotNotification(value: Buffer | null): SnapshotNotification | undefined {
  if (value === null) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(value.toString('utf8'));
  } catch {
    return undefined;
  }
  const notification = isObject(json) && isObject(json['payload']) && 'schema' in json ? json['payload'] : json;
  if (!isObject(notification) || notification['aggregate_type'] !== 'Incremental Snapshot') return undefined;
  const { id, type } = notification;
  if (typeof id !== 'string' || typeof type !== 'string') return undefined;
  const data = isObject(notification['additional_data']) ? notification['additional_data'] : {};
  const text = (name: string): string | undefined => (typeof data[name] === 'string' ? data[name] : undefined);
  const rows = Number(text('total_rows_scanned'));
  return {
    id,
    type,
    dataCollections: (text('data_collections') ?? '')
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name !== ''),
    scannedCollection: text('scanned_collection'),
    totalRowsScanned: Number.isFinite(rows) && text('total_rows_scanned') !== undefined ? rows : undefined,
    status: text('status'),
  };
}

/** How a table's scan ends when its rows were all read: a full compare may then delete what it did not see. */
const READ_COMPLETELY = new Set(['SUCCEEDED', 'EMPTY']);

/**
 * What a notification says of the tables of its snapshot: read completely (every row it holds was
 * sent), or not read completely (a scan that failed, was skipped or was aborted). A table not read
 * completely must never be swept: rows it did not send are not rows that are gone.
 * - TABLE_SCAN_COMPLETED: its scanned table, by the scan's status (Debezium 3.x names the table;
 *   an older one does not, and then only COMPLETED tells);
 * - COMPLETED: every table of the snapshot is through (a failed scan was reported before);
 * - ABORTED: the tables it names, or all of the snapshot's, were not read completely.
 */
export function tableOutcomes(notification: SnapshotNotification): { complete: string[]; incomplete: string[] } {
  switch (notification.type) {
    case 'TABLE_SCAN_COMPLETED': {
      const table = notification.scannedCollection;
      if (table === undefined) return { complete: [], incomplete: [] };
      return READ_COMPLETELY.has(notification.status ?? 'SUCCEEDED') ? { complete: [table], incomplete: [] } : { complete: [], incomplete: [table] };
    }
    case 'COMPLETED':
      return { complete: notification.dataCollections, incomplete: [] };
    case 'ABORTED':
      return { complete: [], incomplete: notification.dataCollections };
    default:
      return { complete: [], incomplete: [] };
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
