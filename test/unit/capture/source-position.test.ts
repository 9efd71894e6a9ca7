import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { POSITION_MEMBERS, sourcePositionOf } from '../../../src/capture/source-position.js';
import { compareSourcePositions, describeSourcePosition, partsOf, type SourceConnector, type SourcePosition } from '../../../src/model/source-position.js';

type Block = Record<string, unknown>;

function position(block: Block): SourcePosition {
  const found = sourcePositionOf(block);
  if (found === undefined) assert.fail(`no position in ${show(block)}`);
  return found;
}

function show(block: unknown): string {
  return JSON.stringify(block, (_, value: unknown) => (typeof value === 'bigint' ? `${value}n` : value));
}

function compare(a: Block, b: Block): -1 | 0 | 1 | undefined {
  return compareSourcePositions(position(a), position(b));
}

/** The members a reader of the record's text picks out (capture/compact-envelope.ts). */
function picked(block: Block): Block {
  const connector = block['connector'] as SourceConnector;
  return Object.fromEntries(Object.entries(block).filter(([name]) => name === 'connector' || POSITION_MEMBERS[connector].includes(name)));
}

// Source blocks as Debezium wrote them. Avro union wrappers ({"string": …}) are unwrapped, as the
// project's Avro decoding yields them (capture/source-decoder.ts).

// MaterializeInc/materialize#14211: a snapshot record of Debezium 1.9.5.
const PG_SNAPSHOT: Block = {
  version: '1.9.5.Final',
  connector: 'postgresql',
  name: 'postgres',
  ts_ms: 1660304398619,
  snapshot: 'last',
  db: 'postgres',
  sequence: '[null,"23493504"]',
  schema: 'public',
  table: 'debezium_table',
  txId: 560,
  lsn: 23493504,
  xmin: null,
};
// MaterializeInc/materialize#7557: the two rows of one INSERT, Debezium 1.6.1 (one sequence for both: DBZ-3801).
const PG_ROW_1: Block = {
  version: '1.6.1.Final',
  connector: 'postgresql',
  name: 'tpch',
  ts_ms: 1627401465527,
  snapshot: 'false',
  db: 'tpch',
  sequence: '["54604320","54604320"]',
  schema: 'public',
  table: 'brennan2',
  txId: 86302,
  lsn: 54604320,
  xmin: null,
};
const PG_ROW_2: Block = { ...PG_ROW_1, lsn: 54604384 };
// documentation/modules/ROOT/pages/connectors/postgresql.adoc ("Debezium connector for PostgreSQL"),
// the update event (its source has no sequence, as before Debezium 1.5).
const PG_DOC_UPDATE: Block = {
  version: '3.2.0.Final',
  connector: 'postgresql',
  name: 'PostgreSQL_server',
  ts_ms: 1559033904863,
  snapshot: false,
  db: 'postgres',
  schema: 'public',
  table: 'customers',
  txId: 556,
  lsn: 24023128,
  xmin: null,
};

// documentation/.../partials/modules/all-connectors/shared-mariadb-mysql.adoc ("Debezium connector
// for MySQL"), the create, update and delete events of one row.
const MYSQL_CREATE: Block = {
  version: '3.2.0.Final',
  connector: 'mysql',
  name: 'mysql-server-1',
  ts_ms: 0,
  snapshot: false,
  db: 'inventory',
  table: 'customers',
  server_id: 0,
  gtid: null,
  file: 'mysql-bin.000003',
  pos: 154,
  row: 0,
  thread: 7,
  query: "INSERT INTO customers (first_name, last_name, email) VALUES ('Anne', 'Kretchmar', 'annek@noanswer.org')",
};
const MYSQL_UPDATE: Block = { ...MYSQL_CREATE, ts_ms: 1465581029100, server_id: 223344, pos: 484, query: "UPDATE customers SET first_name='Anne Marie' WHERE id=1004" };
const MYSQL_DELETE: Block = { ...MYSQL_CREATE, ts_ms: 1465581902300, server_id: 223344, pos: 805, query: 'DELETE FROM customers WHERE id=1004' };
// debezium-connector-binlog/.../BinlogSourceInfo.java, the javadoc's snapshot record, its file one
// before the documented events' (a rotation came between).
const MYSQL_SNAPSHOT: Block = {
  name: 'production-server',
  connector: 'mysql',
  server_id: 112233,
  ts_sec: 1234567,
  gtid: 'db58b0ae-2c10-11e6-b284-0242ac110002:199',
  file: 'mysql-bin.000002',
  pos: 1081,
  row: 0,
  snapshot: true,
  thread: 1,
  db: 'inventory',
  table: 'products',
};
// debezium-connector-mariadb/.../SourceInfo.java, the javadoc's source block, streamed.
const MARIADB_CHANGE: Block = {
  name: 'production-server',
  connector: 'mariadb',
  server_id: 112233,
  ts_ms: 123456789,
  gtid: '0-1-3',
  file: 'binlog.000003',
  pos: 1081,
  row: 0,
  snapshot: false,
  thread: 1,
  db: 'inventory',
  table: 'products',
};

// documentation/modules/ROOT/pages/connectors/sqlserver.adoc ("Debezium connector for SQL Server"):
// the snapshot's schema change event, then the create and the update events of one row.
const SQLSERVER_SNAPSHOT: Block = {
  version: '3.2.0.Final',
  connector: 'sqlserver',
  name: 'server1',
  ts_ms: 0,
  snapshot: 'true',
  db: 'testDB',
  schema: 'dbo',
  table: 'customers',
  change_lsn: null,
  commit_lsn: '00000025:00000d98:00a2',
  event_serial_no: null,
};
const SQLSERVER_CREATE: Block = {
  version: '3.2.0.Final',
  connector: 'sqlserver',
  name: 'server1',
  ts_ms: 1559729468470,
  snapshot: false,
  db: 'testDB',
  schema: 'dbo',
  table: 'customers',
  change_lsn: '00000027:00000758:0003',
  commit_lsn: '00000027:00000758:0005',
  event_serial_no: '1',
};
const SQLSERVER_UPDATE: Block = { ...SQLSERVER_CREATE, ts_ms: 1559729995937, change_lsn: '00000027:00000ac0:0002', commit_lsn: '00000027:00000ac0:0007', event_serial_no: '2' };

// documentation/modules/ROOT/pages/connectors/oracle.adoc ("Debezium connector for Oracle"): the
// snapshot's schema change event (a DDL event carries a commit_scn there; a snapshot row has none,
// OracleSourceInfoStructMaker), then the create and the update events.
const ORACLE_SNAPSHOT: Block = {
  version: '3.2.0.Final',
  connector: 'oracle',
  name: 'server1',
  ts_ms: 1588252618953,
  snapshot: 'true',
  db: 'ORCLPDB1',
  schema: 'DEBEZIUM',
  table: 'CUSTOMERS',
  txId: null,
  scn: '1513734',
  commit_scn: '1513754',
  lcr_position: null,
  rs_id: '001234.00012345.0124',
  ssn: 1,
  redo_thread: 1,
  user_name: 'user',
  row_id: 'AAASgjAAMAAAACnAAA',
  commit_ts_ms: 1588252619012,
  start_scn: '1513734',
  start_ts_ms: 1588252618953,
};
const ORACLE_CREATE: Block = {
  version: '3.2.0.Final',
  name: 'server1',
  connector: 'oracle',
  ts_ms: 1520085154000,
  txId: '6.28.807',
  scn: '2122185',
  commit_scn: '2122185',
  rs_id: '001234.00012345.0124',
  ssn: 1,
  redo_thread: 1,
  user_name: 'user',
  snapshot: false,
  row_id: 'AAASgjAAMAAAACnAAA',
  commit_ts_ms: 1520085154000,
  start_scn: '2122185',
  start_ts_ms: 1520085154000,
};
const ORACLE_UPDATE: Block = { ...ORACLE_CREATE, txId: '6.9.809', scn: '2125544', commit_scn: '2125544', start_scn: '2125544' };

describe('source positions of Debezium source blocks', () => {
  it("reads each connector's documented block, and its transaction while streaming", () => {
    assert.deepEqual(position(PG_ROW_1), { connector: 'postgresql', order: '0000000003413220:0000000003413220:0000000003413220', transaction: '86302' });
    assert.deepEqual(position(MYSQL_UPDATE), { connector: 'mysql', order: `00000003:00000000000001e4:00000000:${Buffer.from('mysql-bin.000003').toString('hex')}` });
    assert.equal(position(MARIADB_CHANGE).transaction, '0-1-3');
    assert.deepEqual(position(SQLSERVER_CREATE), { connector: 'sqlserver', order: '00000027000007580005:00000027000007580003:0000000000000001', transaction: '00000027:00000758:0005' });
    assert.deepEqual(position(ORACLE_CREATE), { connector: 'oracle', order: '00000000002061c9:00000000002061c9:0000000000000000', transaction: '6.28.807' });
  });

  it('gives a snapshot record no transaction: it was read, not written', () => {
    for (const block of [PG_SNAPSHOT, MYSQL_SNAPSHOT, SQLSERVER_SNAPSHOT, ORACLE_SNAPSHOT]) assert.equal(position(block).transaction, undefined);
  });

  it('reads the same position from only the members POSITION_MEMBERS names', () => {
    for (const block of [PG_SNAPSHOT, PG_ROW_2, PG_DOC_UPDATE, MYSQL_SNAPSHOT, MYSQL_DELETE, MARIADB_CHANGE, SQLSERVER_SNAPSHOT, SQLSERVER_UPDATE, ORACLE_SNAPSHOT, ORACLE_UPDATE]) {
      assert.deepEqual(sourcePositionOf(picked(block)), position(block));
    }
  });

  describe('a snapshot record sorts before a later streamed change of the same row', () => {
    it("postgresql: snapshot at the slot's LSN, then the transactions after it", () => {
      // The first transaction after a new connector's snapshot has no last commit (sequence [null, lsn]).
      const first = { ...PG_SNAPSHOT, snapshot: 'false', sequence: '[null,"23493680"]', txId: 561, lsn: 23493680 };
      const second = { ...first, sequence: '["23493712","23493800"]', txId: 562, lsn: 23493800 };
      // A change at an LSN below the snapshot's, of a transaction that committed after the first one.
      const interleaved = { ...first, sequence: '["23493712","23493400"]', txId: 559, lsn: 23493400 };
      assert.equal(compare(PG_SNAPSHOT, first), -1);
      assert.equal(compare(first, second), -1);
      assert.equal(compare(PG_SNAPSHOT, interleaved), -1);
      assert.equal(compare(first, interleaved), -1);
    });

    it('postgresql: a topic re-created by a new snapshot is newer than what was streamed before it', () => {
      assert.equal(compare(PG_SNAPSHOT, PG_ROW_1), -1);
      const resnapshot = { ...PG_SNAPSHOT, sequence: '[null,"54605000"]', lsn: 54605000 };
      assert.equal(compare(PG_ROW_2, resnapshot), -1);
    });

    it('postgresql: an incremental snapshot record sits where the stream was when its chunk was sent', () => {
      // No lsn nor txId (PostgresSourceInfoStructMaker), the stream's sequence.
      const incremental: Block = { ...PG_ROW_1, snapshot: 'incremental', sequence: '["54604500","54604520"]', txId: null, lsn: null };
      assert.equal(compare(PG_ROW_2, incremental), -1);
      assert.equal(compare(incremental, { ...PG_ROW_1, sequence: '["54604600","54604380"]', lsn: 54604380 }), -1);
      assert.equal(position(incremental).transaction, undefined);
    });

    it("mysql: the binlog position read at the snapshot's start, then the row events", () => {
      assert.equal(compare(MYSQL_SNAPSHOT, MYSQL_CREATE), -1);
      assert.equal(compare(MYSQL_CREATE, MYSQL_UPDATE), -1);
      assert.equal(compare(MYSQL_UPDATE, MYSQL_DELETE), -1);
      assert.equal(compare(MYSQL_UPDATE, { ...MYSQL_UPDATE, row: 1 }), -1, 'the next row of the same event');
    });

    it("sqlserver: the snapshot's maximum LSN, then the changes committed after it", () => {
      assert.equal(compare(SQLSERVER_SNAPSHOT, SQLSERVER_CREATE), -1);
      assert.equal(compare(SQLSERVER_CREATE, SQLSERVER_UPDATE), -1);
      // A primary-key update: delete and insert at the same LSNs, numbered 1 and 2.
      assert.equal(compare({ ...SQLSERVER_UPDATE, event_serial_no: '1' }, SQLSERVER_UPDATE), -1);
      // The snapshot holds what committed at its LSN: a change committed there is not after it.
      assert.equal(compare({ ...SQLSERVER_CREATE, commit_lsn: '00000025:00000d98:00a2', change_lsn: '00000025:00000d98:0090' }, SQLSERVER_SNAPSHOT), -1);
    });

    it("oracle: the flashback query's SCN, then the transactions committed after it", () => {
      assert.equal(compare(ORACLE_SNAPSHOT, ORACLE_CREATE), -1);
      assert.equal(compare(ORACLE_CREATE, ORACLE_UPDATE), -1);
      // A transaction running at the snapshot: changed the row before its SCN, committed after it.
      assert.equal(compare(ORACLE_SNAPSHOT, { ...ORACLE_CREATE, scn: '1513700', commit_scn: '1513800' }), -1);
      // Committed at the snapshot's SCN: already in it.
      assert.equal(compare({ ...ORACLE_CREATE, scn: '1513734', commit_scn: '1513734', txSeq: 9 }, ORACLE_SNAPSHOT), -1);
      // Changes of one transaction at one SCN, in Debezium's order (txSeq).
      assert.equal(compare({ ...ORACLE_UPDATE, txSeq: 1 }, { ...ORACLE_UPDATE, txSeq: 2 }), -1);
    });
  });

  it('postgresql: orders interleaved transactions by commit, as pgoutput sends them (MaterializeInc/materialize#5668)', () => {
    // The example: a changes at LSNs 3, 5, 7 and commits at 8; b changes at 4, 6 and commits
    // at 9. Debezium sends a's changes, then b's; b's sequence names a's commit.
    const change = (lsn: number, lastCommit: number | null, txId: number): Block => ({
      ...PG_ROW_1,
      sequence: JSON.stringify([lastCommit === null ? null : String(lastCommit), String(lsn)]),
      lsn,
      txId,
    });
    const sent = [change(3, null, 1), change(5, null, 1), change(7, null, 1), change(4, 8, 2), change(6, 8, 2)];
    const byOrder = [...sent]
      .reverse()
      .map(position)
      .sort((a, b) => compareSourcePositions(a, b) ?? 0);
    assert.deepEqual(byOrder, sent.map(position));
    const byLsn = [...sent].sort((a, b) => Number(a['lsn']) - Number(b['lsn']));
    assert.notDeepEqual(byLsn, sent, 'the LSNs alone would interleave them');
  });

  it("postgresql: the first transaction after a new connector's snapshot shows no commit of its own", () => {
    // Running when the slot became consistent at S, it changed the row below S and committed after
    // S. Its sequence has no last commit, nothing in the block places its commit after S: it sorts
    // before the snapshot of its row. partsOf lets a caller see that such a position lacks a commit.
    const straddler = { ...PG_SNAPSHOT, snapshot: 'false', sequence: '[null,"23493400"]', txId: 559, lsn: 23493400 };
    assert.equal(compare(straddler, PG_SNAPSHOT), -1);
    assert.deepEqual(partsOf(position(straddler)), { connector: 'postgresql', snapshot: false, lsn: 23493400n, lastCommitLsn: undefined });
  });

  it("takes the change's own lsn over sequence's second element (materialize#7557: one sequence for two rows)", () => {
    assert.equal(compare(PG_ROW_1, PG_ROW_2), -1);
  });

  it('orders by lsn alone a block without sequence (Debezium before 1.5)', () => {
    assert.equal(compare(PG_DOC_UPDATE, { ...PG_DOC_UPDATE, lsn: 46523128 }), -1);
  });

  it('compares an equal position 0: a re-sent record', () => {
    for (const block of [PG_SNAPSHOT, PG_ROW_2, MYSQL_DELETE, MARIADB_CHANGE, SQLSERVER_SNAPSHOT, SQLSERVER_UPDATE, ORACLE_SNAPSHOT, ORACLE_UPDATE]) {
      assert.equal(compare(block, structuredClone(block)), 0);
    }
  });

  it('compares positions of different connectors as undefined', () => {
    assert.equal(compare(MYSQL_UPDATE, { ...MARIADB_CHANGE, file: 'mysql-bin.000003', pos: 484 }), undefined);
    assert.equal(compare(PG_ROW_1, ORACLE_CREATE), undefined);
  });

  it('gives the same position for a number, its text and a bigint', () => {
    const ways = (block: Block, members: string[]) =>
      [
        block,
        { ...block, ...Object.fromEntries(members.map((name) => [name, String(block[name])])) },
        { ...block, ...Object.fromEntries(members.map((name) => [name, BigInt(block[name] as number | string)])) },
      ].map(position);
    for (const [block, members] of [
      [PG_ROW_2, ['lsn', 'txId']],
      [MYSQL_UPDATE, ['pos', 'row']],
      [{ ...SQLSERVER_UPDATE, event_serial_no: 2 }, ['event_serial_no']],
      [{ ...ORACLE_UPDATE, scn: 2125544, commit_scn: 2125544, txSeq: 3 }, ['scn', 'commit_scn', 'txSeq']],
    ] as const) {
      const [asNumber, ...others] = ways(block, [...members]);
      for (const other of others) assert.deepEqual(other, asNumber);
    }
  });

  it('keeps values beyond 2^53 exact, and refuses a JS number that is not', () => {
    const big = '9007199254740993'; // 2^53 + 1
    assert.match(position({ ...PG_ROW_1, sequence: `["${big}","${big}"]`, lsn: big }).order, /^0020000000000001:/);
    assert.match(position({ ...PG_ROW_1, sequence: `["1","${big}"]`, lsn: BigInt(big) }).order, /:0020000000000001$/);
    assert.equal(compare({ ...MYSQL_UPDATE, pos: big }, { ...MYSQL_UPDATE, pos: '9007199254740992' }), 1);
    assert.equal(
      compare({ ...ORACLE_UPDATE, scn: '18446744073709551614', commit_scn: '18446744073709551615' }, { ...ORACLE_UPDATE, scn: '18446744073709551615', commit_scn: '18446744073709551615' }),
      -1,
    );
    assert.equal(sourcePositionOf({ ...PG_DOC_UPDATE, lsn: 2 ** 53 + 2 }), undefined, 'a rounded number orders nothing');
    assert.equal(position({ ...PG_ROW_1, sequence: `["1","${big}"]`, lsn: 2 ** 53 + 2 }).order.endsWith(':0020000000000001'), true, "sequence's exact text instead");
  });

  it('gives undefined for a block without a usable position', () => {
    const unusable: unknown[] = [
      undefined,
      null,
      'postgresql',
      [],
      {},
      { ...PG_ROW_1, connector: 'mongodb' },
      { ...PG_ROW_1, snapshot: 'maybe' },
      { ...PG_DOC_UPDATE, lsn: null },
      { ...PG_DOC_UPDATE, lsn: -1 },
      { ...PG_DOC_UPDATE, lsn: 1.5 },
      { ...PG_DOC_UPDATE, lsn: '0x16e9058' },
      { ...PG_ROW_1, sequence: '["54604320"' },
      { ...PG_ROW_1, sequence: '["54604320"]' },
      { ...PG_ROW_1, sequence: '["x","54604320"]' },
      { ...PG_ROW_1, sequence: ['54604320', '54604320'] },
      { ...PG_DOC_UPDATE, lsn: '18446744073709551616' },
      { ...MYSQL_UPDATE, file: 'mysql-bin' },
      { ...MYSQL_UPDATE, file: 3 },
      { ...MYSQL_UPDATE, pos: undefined },
      { ...MYSQL_UPDATE, row: '-1' },
      { ...MYSQL_UPDATE, row: 2 ** 32 },
      { ...SQLSERVER_UPDATE, commit_lsn: '27:ac0:7' },
      { ...SQLSERVER_UPDATE, commit_lsn: null },
      { ...SQLSERVER_UPDATE, change_lsn: null },
      { ...SQLSERVER_UPDATE, event_serial_no: 'two' },
      { ...ORACLE_UPDATE, scn: null },
      { ...ORACLE_UPDATE, scn: '2125544.0' },
      { ...ORACLE_UPDATE, commit_scn: 'soon' },
      { ...ORACLE_UPDATE, txSeq: -1 },
    ];
    for (const block of unusable) assert.equal(sourcePositionOf(block), undefined, show(block));
  });

  it('sorts a shuffled list the same by compareSourcePositions as by plain order text', () => {
    const inOrder: Record<SourceConnector, Block[]> = {
      postgresql: [
        PG_SNAPSHOT,
        { ...PG_SNAPSHOT, snapshot: 'false', sequence: '[null,"23493680"]', lsn: 23493680 },
        { ...PG_SNAPSHOT, snapshot: 'false', sequence: '["23493712","23493400"]', lsn: 23493400 },
        { ...PG_SNAPSHOT, snapshot: 'false', sequence: '["23493712","23493800"]', lsn: 23493800 },
        PG_ROW_1,
        PG_ROW_2,
        { ...PG_ROW_1, sequence: '["4294967296","4294967400"]', lsn: '4294967400' },
        { ...PG_ROW_1, sequence: '["9007199254740993","9007199254740995"]', lsn: 9007199254740995n },
      ],
      mysql: [
        { ...MYSQL_SNAPSHOT, file: 'mysql-bin.000009', pos: 4 },
        { ...MYSQL_CREATE, file: 'mysql-bin.000009', pos: 120 },
        { ...MYSQL_CREATE, file: 'mysql-bin.000009', pos: 120, row: 1 },
        { ...MYSQL_CREATE, file: 'mysql-bin.000009', pos: 1_048_576 },
        { ...MYSQL_CREATE, file: 'mysql-bin.000010' },
        { ...MYSQL_UPDATE, file: 'mysql-bin.999999' },
        { ...MYSQL_DELETE, file: 'mysql-bin.1000000', pos: 4 },
      ],
      mariadb: [MARIADB_CHANGE, { ...MARIADB_CHANGE, pos: 1200 }, { ...MARIADB_CHANGE, file: 'binlog.000004', pos: 4 }],
      sqlserver: [
        SQLSERVER_SNAPSHOT,
        SQLSERVER_CREATE,
        { ...SQLSERVER_UPDATE, event_serial_no: '1' },
        SQLSERVER_UPDATE,
        { ...SQLSERVER_CREATE, commit_lsn: '0000ffff:00000001:0001', change_lsn: '0000ffff:00000001:0000' },
      ],
      oracle: [
        ORACLE_SNAPSHOT,
        { ...ORACLE_CREATE, scn: '1513700', commit_scn: '1513800' },
        ORACLE_CREATE,
        ORACLE_UPDATE,
        { ...ORACLE_UPDATE, txSeq: 2 },
        { ...ORACLE_UPDATE, scn: '281474976710656', commit_scn: '281474976710657' },
      ],
    };
    for (const [connector, blocks] of Object.entries(inOrder)) {
      const expected = blocks.map(position);
      const shuffled = shuffle(expected);
      assert.notDeepEqual(shuffled, expected);
      const byCompare = [...shuffled].sort((a, b) => compareSourcePositions(a, b) ?? assert.fail('comparable'));
      const byText = [...shuffled].sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0));
      assert.deepEqual(byCompare, expected, connector);
      assert.deepEqual(byText, expected, connector);
    }
  });

  it("describes a position in the database's own notation", () => {
    assert.equal(describeSourcePosition(position(PG_ROW_2)), 'lsn 0/3413260 (last commit 0/3413220)');
    assert.equal(describeSourcePosition(position(PG_DOC_UPDATE)), 'lsn 0/16E9058');
    assert.equal(describeSourcePosition(position(PG_SNAPSHOT)), 'snapshot at lsn 0/1667B80');
    assert.equal(describeSourcePosition(position(MYSQL_CREATE)), 'binlog mysql-bin.000003:154 row 0');
    assert.equal(describeSourcePosition(position(MARIADB_CHANGE)), 'binlog binlog.000003:1081 row 0');
    assert.equal(describeSourcePosition(position(SQLSERVER_CREATE)), 'commit_lsn 00000027:00000758:0005 change_lsn 00000027:00000758:0003 event_serial_no 1');
    assert.equal(describeSourcePosition(position(SQLSERVER_SNAPSHOT)), 'snapshot at commit_lsn 00000025:00000d98:00a2');
    assert.equal(describeSourcePosition(position(ORACLE_CREATE)), 'scn 2122185 commit_scn 2122185');
    assert.equal(describeSourcePosition(position({ ...ORACLE_CREATE, scn: '2961452', commit_scn: '2961453', txSeq: 4 })), 'scn 2961452 commit_scn 2961453 txSeq 4');
    assert.equal(describeSourcePosition(position(ORACLE_SNAPSHOT)), 'snapshot at scn 1513734');
  });
});

/** Fisher-Yates with a fixed sequence instead of Math.random: the same shuffle on every run. */
function shuffle<T>(items: readonly T[]): T[] {
  const shuffled = [...items];
  for (let i = shuffled.length - 1; i > 0; i -= 1) {
    const j = (i * 7919 + 13) % (i + 1);
    [shuffled[i], shuffled[j]] = [shuffled[j] as T, shuffled[i] as T];
  }
  return shuffled;
}
