import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSnapshotNotification, tableOutcomes } from '../../../src/capture/snapshot-notification.js';

/** Notifications as Debezium 3.6's sink channel wrote them on the test stack (JsonConverter without schemas). */
const written = (type: string, additional: Record<string, string>) =>
  Buffer.from(
    JSON.stringify({
      id: 'cmp-1',
      type,
      aggregate_type: 'Incremental Snapshot',
      additional_data: { connector_name: 'erp', ...additional },
      timestamp: 1796317409511,
    }),
  );

describe('Debezium snapshot notifications', () => {
  it('reads a table scan completed, and says the table was read completely', () => {
    const notification = parseSnapshotNotification(
      written('TABLE_SCAN_COMPLETED', { scanned_collection: 'public.products', total_rows_scanned: '8', data_collections: 'public.products, public.customers', status: 'SUCCEEDED' }),
    );
    assert.deepEqual(notification, {
      id: 'cmp-1',
      type: 'TABLE_SCAN_COMPLETED',
      dataCollections: ['public.products', 'public.customers'],
      scannedCollection: 'public.products',
      totalRowsScanned: 8,
      status: 'SUCCEEDED',
    });
    assert.deepEqual(notification && tableOutcomes(notification), { complete: ['public.products'], incomplete: [] });
  });

  it('reads an empty table as read completely, a failed scan as not', () => {
    const empty = parseSnapshotNotification(written('TABLE_SCAN_COMPLETED', { scanned_collection: 'public.products', total_rows_scanned: '0', status: 'EMPTY' }));
    assert.deepEqual(empty && tableOutcomes(empty), { complete: ['public.products'], incomplete: [] });
    for (const status of ['SQL_EXCEPTION', 'NO_PRIMARY_KEY', 'SKIPPED', 'UNKNOWN_SCHEMA']) {
      const failed = parseSnapshotNotification(written('TABLE_SCAN_COMPLETED', { scanned_collection: 'public.products', status }));
      assert.deepEqual(failed && tableOutcomes(failed), { complete: [], incomplete: ['public.products'] }, status);
    }
  });

  it('takes COMPLETED as every table through, ABORTED as the tables it names not read completely', () => {
    const completed = parseSnapshotNotification(written('COMPLETED', { data_collections: 'public.a,public.b' }));
    assert.deepEqual(completed && tableOutcomes(completed), { complete: ['public.a', 'public.b'], incomplete: [] });
    const aborted = parseSnapshotNotification(written('ABORTED', { data_collections: 'public.a' }));
    assert.deepEqual(aborted && tableOutcomes(aborted), { complete: [], incomplete: ['public.a'] });
  });

  it("unwraps JsonConverter's schema part, and ignores what is not an incremental snapshot's", () => {
    const payload = JSON.parse(written('COMPLETED', { data_collections: 'public.a' }).toString()) as object;
    assert.equal(parseSnapshotNotification(Buffer.from(JSON.stringify({ schema: { type: 'struct' }, payload })))?.type, 'COMPLETED');
    assert.equal(parseSnapshotNotification(Buffer.from(JSON.stringify({ ...payload, aggregate_type: 'Initial Snapshot' }))), undefined);
    assert.equal(parseSnapshotNotification(Buffer.from('not json')), undefined);
    assert.equal(parseSnapshotNotification(null), undefined);
  });
});
