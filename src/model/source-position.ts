/**
 * Source positions (DESIGN "Source positions", guarantee 7): where the ERP wrote a change, as text
 * that sorts in the order the database applied the changes of one key. capture/source-position.ts
 * reads them from Debezium's `source` block; this file owns their format and their order.
 *
 * The `order` formats are a stable contract (the state store keeps them, deltas carry them).
 * Components are lowercase hex, fixed-width, joined by ':', so plain string comparison orders them:
 *
 * - postgresql `B:C:L`, 16 digits each: L the change's LSN, C the LSN of the last commit Debezium
 *   had decoded before it (0: none yet), B = max(C, L). A snapshot record read at LSN S is `S:0:0`.
 *   Why B: transactions arrive in commit order, but a transaction's changes can have LSNs below the
 *   previous transaction's commit; max(C, L) is below the transaction's own commit LSN and at least
 *   the previous one's, so it grows from one transaction to the next and, with L, within one.
 *   A snapshot at S holds what committed up to S; a change with B >= S committed after S, so `S:0:0`
 *   sorts before it. Not ordered right: the first transaction to commit after S, where its change
 *   has an LSN below S (capture/source-position.ts says why Debezium gives no more to go on).
 * - mysql, mariadb `F:P:R:N`: F the binlog file's number (8 digits), P the position of the event
 *   in it (16), R the row in the event (8), N the file's name, hex of its UTF-8 bytes, any length:
 *   last, so it only tells apart positions whose F, P and R are equal. The binlog holds whole
 *   transactions in commit order, so this order is the database's.
 * - sqlserver `C:L:E`: commit LSN (20 digits), change LSN (20), event_serial_no (16). A snapshot
 *   at the maximum LSN M is `M:ff…:ff…`: it holds every change committed at M or before, so it
   sorts after them, not before.
 * - oracle `K:S:Q`, 16 digits each: K commit_scn (scn when the connector gives none), S scn, Q txSeq
 *   (the change's place in its transaction, 0 when not given). A snapshot AS OF SCN S is `S:S:ff…`:
 *   it holds every change committed at S or before.
 */

/** Debezium connectors whose source positions erp-delta orders (their `source.connector`). */
export type SourceConnector = 'postgresql' | 'mysql' | 'mariadb' | 'sqlserver' | 'oracle';
export const SOURCE_CONNECTORS: readonly SourceConnector[] = ['postgresql', 'mysql', 'mariadb', 'sqlserver', 'oracle'];

/**
 * Where the ERP wrote a change (DESIGN "Source positions"). `order` is text that sorts (plain JS
 * string comparison, code unit order) in the order the database applied the changes of one key;
 * its format per connector is above.
 */
export interface SourcePosition {
  connector: SourceConnector;
  order: string;
  /** The source transaction this change belongs to, when the connector says (PostgreSQL txId, MySQL and MariaDB gtid, SQL Server commit_lsn, Oracle txId); undefined otherwise, and for a snapshot record. Used to group a transaction's changes of one key. */
  transaction?: string | undefined;
}

/**
 * A non-negative integer of a position: a number while it is a safe integer, a bigint beyond.
 * Numbers spare the tracker a BigInt per event (reading a position runs for every CDC record).
 */
export type Unsigned = number | bigint;

/** What a position is made of, before it is written as `order` and after it is read back. */
export type PositionParts =
  | { connector: 'postgresql'; snapshot: boolean; lsn: Unsigned; lastCommitLsn: Unsigned | undefined }
  | { connector: 'mysql' | 'mariadb'; file: string; pos: Unsigned; row: Unsigned }
  /** LSNs in SQL Server's notation, e.g. 00000027:00000758:0005; changeLsn undefined for a snapshot. */
  | { connector: 'sqlserver'; snapshot: boolean; commitLsn: string; changeLsn: string | undefined; eventSerialNo: Unsigned }
  | { connector: 'oracle'; snapshot: boolean; scn: Unsigned; commitScn: Unsigned | undefined; txSeq: Unsigned };

/** -1, 0 or 1; undefined when the two cannot be compared (different connectors). */
export function compareSourcePositions(a: SourcePosition, b: SourcePosition): -1 | 0 | 1 | undefined {
  return compareOrders(a.connector, a.order, b.connector, b.order);
}

/** compareSourcePositions of positions given by their parts, for a caller that holds them apart. */
export function compareOrders(connectorA: SourceConnector, orderA: string, connectorB: SourceConnector, orderB: string): -1 | 0 | 1 | undefined {
  if (connectorA !== connectorB) return undefined;
  return orderA < orderB ? -1 : orderA > orderB ? 1 : 0;
}

/**
 * Whether `record`, though it sorts before the snapshot record `loaded`, may have committed after
 * the snapshot was read. PostgreSQL only: the first transaction Debezium streams from a new slot
 * carries no last commit LSN (its sequence is [null, lsn]), and its changes may have LSNs below
 * the slot's consistent point, where the snapshot was read, though it committed after it. Nothing
 * in the record tells more; the caller then lets the CDC partition's order decide (version-order.ts).
 */
export function mayFollowSnapshot(recordConnector: SourceConnector, recordOrder: string, loadedConnector: SourceConnector, loadedOrder: string): boolean {
  // Read off the `B:C:L` text without parsing it: the tracker asks for every newer version.
  if (recordConnector !== 'postgresql' || loadedConnector !== 'postgresql' || recordOrder.length !== PG_ORDER_LENGTH || loadedOrder.length !== PG_ORDER_LENGTH) return false;
  const loadedIsSnapshot = loadedOrder.endsWith(PG_NO_COMMIT_NO_LSN);
  const recordHasNoCommit = recordOrder.startsWith(PG_ZERO, PG_COMMIT_AT) && !recordOrder.endsWith(PG_ZERO);
  return loadedIsSnapshot && recordHasNoCommit;
}

const PG_ZERO = '0'.repeat(16);
/** C and L of a snapshot record's `S:0:0`. */
const PG_NO_COMMIT_NO_LSN = `:${PG_ZERO}:${PG_ZERO}`;
const PG_COMMIT_AT = 17;
const PG_ORDER_LENGTH = 16 * 3 + 2;

/** The `order` of a position; undefined when a part is out of its range (e.g. beyond 64 bits). */
export function orderOf(parts: PositionParts): string | undefined {
  switch (parts.connector) {
    case 'postgresql': {
      const { lsn } = parts;
      const lastCommit = parts.snapshot ? 0 : (parts.lastCommitLsn ?? 0);
      const bound = lastCommit > lsn ? lastCommit : lsn;
      if (parts.snapshot)
        return typeof lsn === 'number'
          ? safeHex16Triple(lsn, 0, 0)
          : join([
              [lsn, 16],
              [0, 16],
              [0, 16],
            ]);
      return typeof bound === 'number' && typeof lastCommit === 'number' && typeof lsn === 'number'
        ? safeHex16Triple(bound, lastCommit, lsn)
        : join([
            [bound, 16],
            [lastCommit, 16],
            [lsn, 16],
          ]);
    }
    case 'mysql':
    case 'mariadb': {
      const number = /\.(\d+)$/.exec(parts.file)?.[1];
      const components =
        number === undefined
          ? undefined
          : join([
              [BigInt(number), 8],
              [parts.pos, 16],
              [parts.row, 8],
            ]);
      return components === undefined ? undefined : `${components}:${Buffer.from(parts.file, 'utf8').toString('hex')}`;
    }
    case 'sqlserver': {
      const commit = sqlServerLsnHex(parts.commitLsn);
      if (commit === undefined) return undefined;
      if (parts.snapshot) return `${commit}:${MAX_20}:${MAX_16}`;
      const change = parts.changeLsn === undefined ? undefined : sqlServerLsnHex(parts.changeLsn);
      const serial = join([[parts.eventSerialNo, 16]]);
      return change === undefined || serial === undefined ? undefined : `${commit}:${change}:${serial}`;
    }
    case 'oracle': {
      if (!parts.snapshot)
        return join([
          [parts.commitScn ?? parts.scn, 16],
          [parts.scn, 16],
          [parts.txSeq, 16],
        ]);
      const at = join([
        [parts.scn, 16],
        [parts.scn, 16],
      ]);
      return at === undefined ? undefined : `${at}:${MAX_16}`;
    }
  }
}

/** The parts of a position, read back from its `order`; undefined when it is not in the connector's format. */
export function partsOf(position: SourcePosition): PositionParts | undefined {
  const components = position.order.split(':');
  const hex = (index: number, digits: number): bigint | undefined => {
    const text = components[index];
    return text !== undefined && text.length === digits && HEX.test(text) ? BigInt(`0x${text}`) : undefined;
  };
  switch (position.connector) {
    case 'postgresql': {
      const [bound, lastCommit, lsn] = [hex(0, 16), hex(1, 16), hex(2, 16)];
      if (components.length !== 3 || bound === undefined || lastCommit === undefined || lsn === undefined) return undefined;
      if (lsn === 0n) return { connector: 'postgresql', snapshot: true, lsn: bound, lastCommitLsn: undefined };
      return { connector: 'postgresql', snapshot: false, lsn, lastCommitLsn: lastCommit === 0n ? undefined : lastCommit };
    }
    case 'mysql':
    case 'mariadb': {
      const [pos, row, name] = [hex(1, 16), hex(2, 8), components[3]];
      if (components.length !== 4 || hex(0, 8) === undefined || pos === undefined || row === undefined || name === undefined || !/^([0-9a-f]{2})+$/.test(name)) return undefined;
      return { connector: position.connector, file: Buffer.from(name, 'hex').toString('utf8'), pos, row };
    }
    case 'sqlserver': {
      const [commit, change, serial] = [components[0] ?? '', components[1] ?? '', hex(2, 16)];
      if (components.length !== 3 || !SQL_SERVER_LSN_HEX.test(commit) || !SQL_SERVER_LSN_HEX.test(change) || serial === undefined) return undefined;
      const snapshot = change === MAX_20;
      return { connector: 'sqlserver', snapshot, commitLsn: sqlServerNotation(commit), changeLsn: snapshot ? undefined : sqlServerNotation(change), eventSerialNo: snapshot ? 0n : serial };
    }
    case 'oracle': {
      const [commitScn, scn, txSeq] = [hex(0, 16), hex(1, 16), hex(2, 16)];
      if (components.length !== 3 || commitScn === undefined || scn === undefined || txSeq === undefined) return undefined;
      if (components[2] === MAX_16) return { connector: 'oracle', snapshot: true, scn, commitScn: undefined, txSeq: 0n };
      return { connector: 'oracle', snapshot: false, scn, commitScn, txSeq };
    }
  }
}

/**
 * For logs and the status page, in the database's own notation, e.g. "lsn 0/16B3748 (last commit
 * 0/16B3700)", "binlog mysql-bin.000003:154 row 0", "commit_lsn 00000027:00000758:0005 change_lsn
 * 00000027:00000758:0003 event_serial_no 1", "scn 2961452 commit_scn 2961453". A position not in
 * its connector's format (written by another version) is shown as it is rather than refused.
 */
export function describeSourcePosition(position: SourcePosition): string {
  const parts = partsOf(position);
  if (parts === undefined) return `${position.connector} position ${position.order}`;
  switch (parts.connector) {
    case 'postgresql':
      if (parts.snapshot) return `snapshot at lsn ${pgLsn(parts.lsn)}`;
      return `lsn ${pgLsn(parts.lsn)}${parts.lastCommitLsn === undefined ? '' : ` (last commit ${pgLsn(parts.lastCommitLsn)})`}`;
    case 'mysql':
    case 'mariadb':
      return `binlog ${parts.file}:${parts.pos} row ${parts.row}`;
    case 'sqlserver':
      if (parts.snapshot) return `snapshot at commit_lsn ${parts.commitLsn}`;
      return `commit_lsn ${parts.commitLsn} change_lsn ${parts.changeLsn ?? ''} event_serial_no ${parts.eventSerialNo}`;
    case 'oracle':
      if (parts.snapshot) return `snapshot at scn ${parts.scn}`;
      return `scn ${parts.scn} commit_scn ${parts.commitScn ?? parts.scn}${parts.txSeq === 0n ? '' : ` txSeq ${parts.txSeq}`}`;
  }
}

const HEX = /^[0-9a-f]+$/;
/** The largest component of 16 and of 20 digits: after every change of the same commit (a snapshot's place). */
const MAX_16 = 'f'.repeat(16);
const MAX_20 = 'f'.repeat(20);
const SQL_SERVER_LSN = /^([0-9a-f]{8}):([0-9a-f]{8}):([0-9a-f]{4})$/i;
const SQL_SERVER_LSN_HEX = /^[0-9a-f]{20}$/;

/** Fixed-width hex components joined by ':'; undefined when a value is negative or too wide. */
function join(values: ReadonlyArray<readonly [Unsigned, number]>): string | undefined {
  let text = '';
  for (const [value, digits] of values) {
    const hex = typeof value === 'number' && digits === 16 ? safeHex16(value) : wideHex(value, digits);
    if (hex === undefined) return undefined;
    text += text === '' ? hex : `:${hex}`;
  }
  return text;
}

function wideHex(value: Unsigned, digits: number): string | undefined {
  const hex = value.toString(16);
  return value < 0 || hex.length > digits ? undefined : hex.padStart(digits, '0');
}

/**
 * Three safe non-negative integers as `hhhhhhhhhhhhhhhh:hhhhhhhhhhhhhhhh:hhhhhhhhhhhhhhhh`, written
 * digit by digit into one flat string: V8's toString(16) of a number beyond 2^31 takes a slow path,
 * and a string joined from pieces is flattened again when first compared; this runs for every
 * PostgreSQL change.
 */
function safeHex16Triple(first: number, second: number, third: number): string | undefined {
  if (!isHex16(first) || !isHex16(second) || !isHex16(third)) return undefined;
  writeHex16(first, 0);
  TRIPLE_CODES[16] = COLON;
  writeHex16(second, 17);
  TRIPLE_CODES[33] = COLON;
  writeHex16(third, 34);
  return String.fromCharCode.apply(null, TRIPLE_CODES);
}

function writeHex16(value: number, at: number): void {
  const high = Math.floor(value / TWO_TO_32);
  const low = value - high * TWO_TO_32;
  for (let digit = 0; digit < 8; digit += 1) {
    TRIPLE_CODES[at + digit] = HEX_DIGITS[(high >>> (28 - digit * 4)) & 15] as number;
    TRIPLE_CODES[at + 8 + digit] = HEX_DIGITS[(low >>> (28 - digit * 4)) & 15] as number;
  }
}

function isHex16(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

/**
 * A safe non-negative integer as 16 hex digits (safeHex16Triple says why by hand).
 */
function safeHex16(value: number): string | undefined {
  const triple = safeHex16Triple(value, 0, 0);
  return triple?.slice(0, 16);
}

const COLON = 58;
const TRIPLE_CODES: number[] = new Array<number>(16 * 3 + 2).fill(0);
const TWO_TO_32 = 2 ** 32;
/** The character codes of 0-9a-f. */
const HEX_DIGITS = Array.from('0123456789abcdef', (digit) => digit.charCodeAt(0));

function sqlServerLsnHex(notation: string): string | undefined {
  const match = SQL_SERVER_LSN.exec(notation);
  return match ? `${match[1]}${match[2]}${match[3]}`.toLowerCase() : undefined;
}

function sqlServerNotation(hex: string): string {
  return `${hex.slice(0, 8)}:${hex.slice(8, 16)}:${hex.slice(16)}`;
}

/** PostgreSQL's own notation (pg_lsn): the high and low 32 bits in uppercase hex, e.g. 0/16B3748. */
function pgLsn(lsn: Unsigned): string {
  lsn = BigInt(lsn);
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}
