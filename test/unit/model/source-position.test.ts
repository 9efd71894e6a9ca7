import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareSourcePositions, describeSourcePosition, orderOf, partsOf, type PositionParts, type SourcePosition } from '../../../src/model/source-position.js';

function at(parts: PositionParts): SourcePosition {
  const order = orderOf(parts);
  if (order === undefined) assert.fail(`no order for ${parts.connector}`);
  return { connector: parts.connector, order };
}

describe('source position format', () => {
  it('compares by order within a connector, not across connectors', () => {
    const earlier = at({ connector: 'postgresql', snapshot: false, lsn: 0x16b3700n, lastCommitLsn: 0x16b3600n });
    const later = at({ connector: 'postgresql', snapshot: false, lsn: 0x16b3748n, lastCommitLsn: 0x16b3700n });
    assert.equal(compareSourcePositions(earlier, later), -1);
    assert.equal(compareSourcePositions(later, earlier), 1);
    assert.equal(compareSourcePositions(later, { ...later }), 0);
    assert.equal(compareSourcePositions(later, { connector: 'oracle', order: later.order }), undefined);
    assert.equal(compareSourcePositions({ connector: 'mysql', order: 'x' }, { connector: 'mariadb', order: 'x' }), undefined);
  });

  it('reads back the parts it wrote', () => {
    const all: PositionParts[] = [
      { connector: 'postgresql', snapshot: true, lsn: 0x1667b80n, lastCommitLsn: undefined },
      { connector: 'postgresql', snapshot: false, lsn: 0xffff_ffff_ffff_fffen, lastCommitLsn: 0xffff_ffff_ffff_ffffn },
      { connector: 'mysql', file: 'mysql-bin.1000000', pos: 2n ** 63n, row: 0xffff_ffffn },
      { connector: 'mariadb', file: 'Binlog-ÄÖ.000001', pos: 4n, row: 0n },
      { connector: 'sqlserver', snapshot: true, commitLsn: '00000025:00000d98:00a2', changeLsn: undefined, eventSerialNo: 0n },
      { connector: 'sqlserver', snapshot: false, commitLsn: '00000027:00000758:0005', changeLsn: '00000027:00000758:0003', eventSerialNo: 2n },
      { connector: 'oracle', snapshot: true, scn: 1513734n, commitScn: undefined, txSeq: 0n },
      { connector: 'oracle', snapshot: false, scn: 2961452n, commitScn: 2961453n, txSeq: 7n },
    ];
    for (const parts of all) assert.deepEqual(partsOf(at(parts)), parts);
  });

  it('writes SQL Server LSNs in lowercase whatever case they came in', () => {
    const upper = at({ connector: 'sqlserver', snapshot: false, commitLsn: '0000002A:00000DB0:0007', changeLsn: '0000002A:00000DB0:0005', eventSerialNo: 1n });
    assert.equal(upper.order, '0000002a00000db00007:0000002a00000db00005:0000000000000001');
  });

  it('has no order for parts out of range', () => {
    assert.equal(orderOf({ connector: 'postgresql', snapshot: false, lsn: 2n ** 64n, lastCommitLsn: undefined }), undefined);
    assert.equal(orderOf({ connector: 'mysql', file: 'mysql-bin', pos: 4n, row: 0n }), undefined);
    assert.equal(orderOf({ connector: 'mysql', file: 'mysql-bin.4294967296', pos: 4n, row: 0n }), undefined);
    assert.equal(orderOf({ connector: 'sqlserver', snapshot: false, commitLsn: '27:758:5', changeLsn: '27:758:3', eventSerialNo: 1n }), undefined);
    assert.equal(orderOf({ connector: 'oracle', snapshot: true, scn: -1n, commitScn: undefined, txSeq: 0n }), undefined);
  });

  it("describes positions in the database's notation, and an order it cannot read as it is", () => {
    assert.equal(describeSourcePosition(at({ connector: 'postgresql', snapshot: false, lsn: 0x1_0000_0010n, lastCommitLsn: 0xffff_fff0n })), 'lsn 1/10 (last commit 0/FFFFFFF0)');
    assert.equal(describeSourcePosition(at({ connector: 'mariadb', file: 'mariadb-bin.000003', pos: 805n, row: 2n })), 'binlog mariadb-bin.000003:805 row 2');
    assert.equal(describeSourcePosition({ connector: 'postgresql', order: '16B3748' }), 'postgresql position 16B3748');
    assert.equal(describeSourcePosition({ connector: 'oracle', order: '' }), 'oracle position ');
  });
});
