import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { AssignmentTable } from '../../../src/assignment/assignment-table.js';

describe('assignment table (a real LevelDB)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'erp-delta-assignment-table-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reports only effective changes, and keeps the table and its offsets across a reopen', async () => {
    const table = await AssignmentTable.open(dir);
    assert.equal(table.nextOffset('m', 0), undefined);
    const changes = await table.apply(
      'mapping',
      'm',
      0,
      [
        { key: 'SAL1', userId: 'u-1', tsMs: 1 },
        { key: 'SAL2', userId: 'u-2', tsMs: 2 },
        { key: 'SAL1', userId: 'u-1', tsMs: 3 },
        { key: 'SAL3', userId: null, tsMs: 4 },
      ],
      '4',
    );
    assert.deepEqual(
      changes.map(({ key, before, after: now }) => [key, before, now]),
      [
        ['SAL1', undefined, 'u-1'],
        ['SAL2', undefined, 'u-2'],
      ],
    );
    assert.deepEqual(await table.apply('mapping', 'm', 0, [{ key: 'SAL2', userId: null, tsMs: 5 }], '5').then((list) => list.map((change) => change.after)), [undefined]);
    await table.apply('manual', 'x', 0, [{ key: 'C1', userId: 'u-hand', tsMs: 6 }], '1');
    await table.close();

    const reopened = await AssignmentTable.open(dir);
    assert.deepEqual(reopened.entries('mapping'), [['SAL1', 'u-1']]);
    assert.equal(reopened.userOfRep('SAL2'), undefined);
    assert.equal(reopened.manualUserOf('C1'), 'u-hand');
    assert.equal(reopened.nextOffset('m', 0), '5');
    assert.equal(reopened.nextOffset('x', 0), '1');
    await reopened.close();
  });
});

describe('assignment table: a recreated topic', () => {
  const dir = mkdtempSync(join(tmpdir(), 'erp-delta-assignment-forget-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('forgets the entries and offsets of one role and topic, and keeps the other role', async () => {
    const table = await AssignmentTable.open(dir);
    await table.apply('mapping', 'm', 0, [{ key: 'SAL1', userId: 'u-1', tsMs: 1 }], '7');
    await table.apply('manual', 'x', 0, [{ key: 'C1', userId: 'u-hand', tsMs: 2 }], '3');
    await table.forget('mapping', 'm');
    assert.deepEqual(table.entries('mapping'), []);
    assert.equal(table.nextOffset('m', 0), undefined);
    await table.close();
    const reopened = await AssignmentTable.open(dir);
    assert.deepEqual(reopened.entries('mapping'), []);
    assert.equal(reopened.nextOffset('m', 0), undefined);
    assert.deepEqual(reopened.entries('manual'), [['C1', 'u-hand']]);
    assert.equal(reopened.nextOffset('x', 0), '3');
    await reopened.close();
  });
});
