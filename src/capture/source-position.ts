import { orderOf, SOURCE_CONNECTORS, type PositionParts, type SourceConnector, type SourcePosition, type Unsigned } from '../model/source-position.js';
import type { SnapshotKind } from '../model/source-change.js';

/**
 * Reads a change's source position from Debezium's `source` block (model/source-position.ts has
 * the format and the order). What each connector writes, from Debezium's sources (debezium/debezium
 * main, 2026-08) and its connector documentation:
 *
 * - `snapshot`: absent, null or "false" while streaming; "true", "first", "last",
 *   "first_in_data_collection" or "last_in_data_collection" in an initial or blocking snapshot;
 *   "incremental" in an incremental snapshot (SnapshotRecord.java). The documentation's examples
 *   write it as a JSON boolean too. An incremental snapshot's records carry the streaming position
 *   at which their chunk was sent (AbstractIncrementalSnapshotChangeEventSource.sendEvent uses the
 *   streaming offset context), and rows changed while the chunk was read were dropped from it, so
 *   they are ordered like streamed changes.
 * - A snapshot record was read, not written: it belongs to no source transaction.
 */

/**
 * The members of each connector's `source` block that sourcePositionOf reads besides `connector`,
 * for a reader that picks them out of the record's text (capture/compact-envelope.ts), in the
 * order Debezium writes them (its SourceInfoStructMakers), so that the reader finds each one after
 * the one before.
 */
export const POSITION_MEMBERS: Readonly<Record<SourceConnector, readonly string[]>> = {
  postgresql: ['snapshot', 'sequence', 'txId', 'lsn'],
  mysql: ['snapshot', 'gtid', 'file', 'pos', 'row'],
  mariadb: ['snapshot', 'gtid', 'file', 'pos', 'row'],
  sqlserver: ['snapshot', 'change_lsn', 'commit_lsn', 'event_serial_no'],
  oracle: ['snapshot', 'txId', 'scn', 'commit_scn', 'txSeq'],
};

/** The position of a change, from the envelope's `source` block; undefined when the block has no usable position (unknown connector, fields missing or malformed). Never throws. */
export function sourcePositionOf(source: unknown): SourcePosition | undefined {
  if (typeof source !== 'object' || source === null || Array.isArray(source)) return undefined;
  const block = source as Record<string, unknown>;
  const connector = block['connector'];
  if (!(SOURCE_CONNECTORS as readonly unknown[]).includes(connector)) return undefined;
  if (connector === 'postgresql') return postgresqlPosition(block['snapshot'], block['sequence'], block['lsn'], block['txId']);
  const phase = snapshotPhase(block['snapshot']);
  if (phase === undefined) return undefined;
  const read = READERS[connector as Exclude<SourceConnector, 'postgresql'>](block, phase === 'snapshot');
  return read && positionOf(connector as SourceConnector, phase, read);
}

/**
 * `lsn` is the change's own WAL position (PostgresStreamingChangeEventSource: the replication
 * stream's lastReceivedLsn), and pgoutput sends whole transactions in commit order, so LSNs of
 * interleaved transactions interleave (MaterializeInc/materialize#5668). `sequence` (DBZ-2911)
 * is the JSON text ["<last commit LSN>","<lsn>"], decimal strings (SourceInfo.sequence()); its
 * first element is the end LSN of the last COMMIT decoded before this change
 * (PostgresOffsetContext.updateCommitPosition), not this change's transaction's own commit:
 * - initial snapshot: [null, S] on a new connector (PostgresOffsetContext.initialContext), S the
 *   slot's consistent point (PostgresSnapshotChangeEventSource.getTransactionStartLsn); a
 *   snapshot with earlier offsets keeps their last commit. `lsn` is S too.
 * - the first transaction streamed after a new connector's snapshot: [null, lsn], its changes'
 *   LSNs possibly below S (it was running when the slot became consistent); only the
 *   transactions after it have a last commit, one beyond S.
 * - incremental snapshot: the stream's [last commit, lsn] when the chunk was sent; `lsn` and
 *   `txId` are left out (PostgresSourceInfoStructMaker).
 * Either element may be null (PostgreSQL connector documentation, "source" metadata). `lsn` is
 * read first: its second element is the same LSN since DBZ-3801, but Debezium 1.6 wrote one
 * sequence for several rows of a statement (MaterializeInc/materialize#7557); sequence's is the
 * fallback (incremental snapshot records, a number too large for JS).
 * A snapshot record is placed at S, after every change committed by S, which makes a re-created
 * topic's new snapshot newer than what was loaded before. The one change this cannot place is
 * the first transaction committing after S when its change's LSN is below S: its record shows
 * no commit position beyond S (null or the last commit before S), so it sorts before the
 * snapshot of its row. Debezium has no field for a transaction's own commit LSN yet (proposed:
 * debezium/debezium#7764, DBZ-2353).
 *
 * postgresqlPosition reads the members as they come (from the source block or off the text).
 */
export function postgresqlPosition(snapshot: unknown, sequence: unknown, lsn: unknown, txId: unknown): SourcePosition | undefined {
  const parsed = sequenceOf(sequence);
  return parsed && postgresqlPositionOf(snapshot, parsed[0], parsed[1], lsn, txId);
}

/**
 * postgresqlPosition with `sequence` read already (its last commit LSN and LSN), for the compact
 * decoder, which reads the numbers off the record's text: no string or object in between, for
 * nearly every event. `lsn` is read before the sequence's own (see postgresqlPosition's comment).
 */
export function postgresqlPositionOf(snapshot: unknown, lastCommitLsn: Unsigned | undefined, sequenceLsn: Unsigned | undefined, lsn: unknown, txId: unknown): SourcePosition | undefined {
  const phase = snapshotPhase(snapshot);
  const changeLsn = unsigned(lsn) ?? sequenceLsn;
  if (phase === undefined || changeLsn === undefined) return undefined;
  const order = orderOf({ connector: 'postgresql', snapshot: phase === 'snapshot', lsn: changeLsn, lastCommitLsn });
  if (order === undefined) return undefined;
  const transaction = phase === 'streaming' && txId !== null && txId !== undefined ? unsigned(txId) : undefined;
  return transaction === undefined ? { connector: 'postgresql', order } : { connector: 'postgresql', order, transaction: String(transaction) };
}

function positionOf(connector: SourceConnector, phase: Phase, read: NonNullable<ReturnType<Reader>>): SourcePosition | undefined {
  const order = orderOf(read.parts);
  if (order === undefined) return undefined;
  const transaction = phase === 'streaming' ? read.transaction : undefined;
  return transaction === undefined ? { connector, order } : { connector, order, transaction };
}

export type Phase = 'streaming' | 'snapshot' | 'incremental';
type Reader = (source: Record<string, unknown>, snapshot: boolean) => { parts: PositionParts; transaction: string | undefined } | undefined;

const SNAPSHOT_VALUES: ReadonlySet<unknown> = new Set([true, 'true', 'first', 'last', 'first_in_data_collection', 'last_in_data_collection']);

/**
 * What Debezium's `snapshot` member says a record is: a streamed change, a row of an initial (or
 * blocking) snapshot, or one of an incremental snapshot. An unknown value (a later Debezium's) is
 * undefined: it gives no position rather than a guessed one.
 */
export function snapshotPhase(snapshot: unknown): Phase | undefined {
  if (snapshot === undefined || snapshot === null || snapshot === false || snapshot === 'false') return 'streaming';
  if (snapshot === 'incremental') return 'incremental';
  return SNAPSHOT_VALUES.has(snapshot) ? 'snapshot' : undefined;
}

const READERS: Record<Exclude<SourceConnector, 'postgresql'>, Reader> = {
  mysql: binlogReader('mysql'),
  mariadb: binlogReader('mariadb'),
  /**
   * `commit_lsn` and `change_lsn` in SQL Server's notation (Lsn.toString: 8:8:4 hex digits),
   * `event_serial_no` telling apart events at the same two LSNs: 2 for an update (its before and
   * after rows are two CDC rows), 1 and 2 for the delete and insert of a primary-key update
   * (SqlServerOffsetContext.setChangePosition; documentation). Debezium itself orders by commit LSN,
   * then change LSN (TxLogPosition.compareTo). A snapshot record has the maximum LSN when the
   * snapshot started as commit_lsn (sys.fn_cdc_get_max_lsn: the last commit the capture job
   * processed), no change_lsn and no event_serial_no; streaming goes on after that LSN
   * (SqlServerStreamingChangeEventSource increments it once the snapshot completed). The snapshot
   * read everything committed at that LSN, so it is placed after those changes, not before.
   * The documentation's examples write event_serial_no as a string; a change without one counts
   * as the first at its LSNs.
   */
  sqlserver(source, snapshot) {
    const commitLsn = source['commit_lsn'];
    if (typeof commitLsn !== 'string') return undefined;
    if (snapshot) return { parts: { connector: 'sqlserver', snapshot, commitLsn, changeLsn: undefined, eventSerialNo: 0n }, transaction: undefined };
    const changeLsn = source['change_lsn'];
    const eventSerialNo = optionalUnsigned(source['event_serial_no']);
    if (typeof changeLsn !== 'string' || eventSerialNo === null) return undefined;
    return { parts: { connector: 'sqlserver', snapshot, commitLsn, changeLsn, eventSerialNo: eventSerialNo ?? 0n }, transaction: commitLsn.toLowerCase() };
  },
  /**
   * `scn` is the change's SCN and `commit_scn` its transaction's commit SCN (decimal strings,
   * OracleSourceInfoStructMaker; set by the LogMiner, unbuffered and XStream adapters). Transactions
   * are sent at commit, so the commit SCN orders them; a transaction's changes can share an SCN, and
   * Debezium numbers them in `txSeq` (BufferedLogMinerStreamingChangeEventSource: eventIndex, which
   * it also uses to skip changes it already sent). Two transactions committing at the same SCN
   * are not told apart. A snapshot record has the flashback query's SCN (AS OF SCN) as scn and
   * neither commit_scn nor txId (OracleOffsetContext; AbstractLogMinerStreamingAdapter).
   */
  oracle(source, snapshot) {
    const scn = unsigned(source['scn']);
    if (scn === undefined) return undefined;
    if (snapshot) return { parts: { connector: 'oracle', snapshot, scn, commitScn: undefined, txSeq: 0n }, transaction: undefined };
    const commitScn = optionalUnsigned(source['commit_scn']);
    const txSeq = optionalUnsigned(source['txSeq']);
    if (commitScn === null || txSeq === null) return undefined;
    const txId = source['txId'];
    return { parts: { connector: 'oracle', snapshot, scn, commitScn, txSeq: txSeq ?? 0n }, transaction: typeof txId === 'string' && txId !== '' ? txId : undefined };
  },
};

/**
 * MySQL and MariaDB (BinlogSourceInfo, BinlogStreamingChangeEventSource): `file` and `pos` are
 * where the row's event starts in the binlog (setEventPosition from the event header's position,
 * not the transaction's start, which only the offsets keep), `row` its row in that event
 * (setRowNumber). The binlog holds transactions whole in commit order, so (file, pos, row) is the
 * database's order. File names sort by their number ("mysql-bin.000010" after ".000009"). A
 * snapshot record has the binlog position read at its start (SHOW MASTER STATUS, row 0): the next
 * transaction starts there, and its row events after it.
 * Not ordered: positions of different servers (the server_id changes after a failover, the binlog
 * starts over: a new source epoch), and, with binlog_transaction_compression, rows of one
 * transaction, which all get the position of its Transaction_payload event (its inner events have
 * no position of their own; readysettech/readyset#634).
 * `gtid` names the transaction when GTIDs are on; the transaction's binlog position (Debezium's
 * transaction id without GTIDs) is not in the source block.
 */
function binlogReader(connector: 'mysql' | 'mariadb'): Reader {
  return (source) => {
    const [file, pos, row, gtid] = [source['file'], unsigned(source['pos']), unsigned(source['row']), source['gtid']];
    if (typeof file !== 'string' || pos === undefined || row === undefined) return undefined;
    return { parts: { connector, file, pos, row }, transaction: typeof gtid === 'string' && gtid !== '' ? gtid : undefined };
  };
}

/** [last commit LSN, LSN] from `sequence`; [undefined, undefined] when there is none (Debezium before 1.5); undefined when malformed. */
function sequenceOf(sequence: unknown): [Unsigned | undefined, Unsigned | undefined] | undefined {
  if (sequence === undefined || sequence === null) return [undefined, undefined];
  if (typeof sequence !== 'string') return undefined;
  // As Debezium writes it, read without JSON.parse: this runs for every PostgreSQL event.
  const usual = USUAL_SEQUENCE.exec(sequence);
  if (usual) return [usual[1] === undefined ? undefined : Number(usual[1]), Number(usual[2])];
  let parsed: unknown;
  try {
    parsed = JSON.parse(sequence);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) return undefined;
  const [lastCommit, lsn] = [optionalUnsigned(parsed[0]), optionalUnsigned(parsed[1])];
  return lastCommit === null || lsn === null ? undefined : [lastCommit, lsn];
}

/**
 * A non-negative integer as Debezium's longs arrive: a JS number (exact only up to 2^53, so a
 * larger one is refused rather than rounded), decimal text, or a bigint.
 */
function unsigned(value: unknown): Unsigned | undefined {
  if (typeof value === 'bigint') return value >= 0n ? value : undefined;
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (typeof value === 'string' && /^\d{1,20}$/.test(value)) {
    const number = Number(value);
    return Number.isSafeInteger(number) ? number : BigInt(value);
  }
  return undefined;
}

/** `["<last commit>","<lsn>"]` or `[null,"<lsn>"]` with safe integers (up to 15 digits). */
const USUAL_SEQUENCE = /^\[(?:null|"(\d{1,15})"),"(\d{1,15})"\]$/;

/** unsigned for an optional member: undefined when absent or null, null when malformed. */
function optionalUnsigned(value: unknown): Unsigned | undefined | null {
  if (value === undefined || value === null) return undefined;
  return unsigned(value) ?? null;
}

/** The kind of snapshot a source block's `snapshot` member names. */
export function snapshotKind(value: unknown): SnapshotKind | undefined {
  const phase = snapshotPhase(value);
  return phase === 'snapshot' ? 'initial' : phase === 'incremental' ? 'incremental' : undefined;
}
