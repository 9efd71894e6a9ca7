/**
 * Synthetic Debezium change events for the bench entity (bench/bench-config.ts): the rows of a
 * table `public.items` (code, name, price numeric(10,2), qty integer, updated_at), as the
 * PostgreSQL connector writes them through Kafka Connect's JsonConverter without schemas
 * (decimal.handling.mode=string, REPLICA IDENTITY DEFAULT: `before` is null on updates).
 *
 * The stream is deterministic for a given (events, keys, seed):
 *
 *   1. a snapshot (op r) of every key, in key order: `keys` events, each the first load of its key;
 *   2. `events - keys` updates of random keys, of which exactly `changes = floor(events / 20)`
 *      (5% of ALL events) change a tracked field (name, price or qty), and the rest are noise:
 *      - untracked:       op u, only updated_at changes;
 *      - normalizedEqual: op u, a value rewritten in a form that normalizes equal
 *                         ("12.5" or "12.500" for 12.50, the name padded with blanks);
 *      - resnapshot:      op r of the unchanged row.
 *
 * The generator keeps the current row of every key and counts, event by event, those that make
 * the desired record differ from the last emitted one (the first load of a key included): that is
 * `expectedEmitted`, which after the whole stream equals `keys + changes`.
 */

export const CHANGE_RATIO_DENOMINATOR = 20;

/** Why an event was generated; `emits` on the event says whether the tracker must emit a delta. */
export type EventKind = 'snapshot' | 'change' | 'untracked' | 'normalizedEqual' | 'resnapshot';

export const EVENT_KINDS: readonly EventKind[] = ['snapshot', 'change', 'untracked', 'normalizedEqual', 'resnapshot'];

export interface BenchEvent {
  /** The entity key (the `code` column), which is also the Kafka key of its deltas. */
  code: string;
  /** Index of the key, 0 ≤ keyIndex < keys. */
  keyIndex: number;
  /** Kafka key bytes as text: the key columns without schema, `{"code":"..."}`. */
  key: string;
  /** Kafka value bytes as text: Debezium's envelope without schema. */
  value: string;
  kind: EventKind;
  /** True when the event makes the desired record differ from the last emitted one. */
  emits: boolean;
}

export interface GeneratorOptions {
  events: number;
  keys: number;
  seed: number;
  /** source.ts_ms of the first event; event i has baseTsMs + i. */
  baseTsMs?: number;
}

export interface GeneratorPlan {
  events: number;
  keys: number;
  /** Real changes after the snapshot: exactly floor(events / 20). */
  changes: number;
  /** Updates after the snapshot that change no tracked field: events - keys - changes. */
  noOps: number;
  /** keys + changes: what the tracker must emit for the whole stream. */
  expectedEmitted: number;
}

/**
 * The plan of a stream, or a message saying why (events, keys) cannot make one. Exactly 5% of the
 * events are changes after the snapshot, so the snapshot and the changes must fit in the stream:
 * keys + floor(events / 20) ≤ events.
 */
export function planStream(events: number, keys: number): GeneratorPlan | string {
  if (!Number.isSafeInteger(events) || events < 1) return `events must be a positive integer, not ${events}`;
  if (!Number.isSafeInteger(keys) || keys < 1) return `keys must be a positive integer, not ${keys}`;
  const changes = Math.floor(events / CHANGE_RATIO_DENOMINATOR);
  if (keys + changes > events) {
    return `${events} events cannot hold a snapshot of ${keys} keys plus ${changes} changes (5% of the events): ` + `use at most ${events - changes} keys or more events`;
  }
  return { events, keys, changes, noOps: events - keys - changes, expectedEmitted: keys + changes };
}

/** 2025-01-01T00:00:00Z: an arbitrary fixed origin so that the bytes are reproducible. */
const DEFAULT_BASE_TS_MS = 1_735_689_600_000;

const MIN_PRICE_CENTS = 100;
const PRICE_CENTS_SPAN = 999_900;
const QTY_SPAN = 10_000;

/** sfc32 seeded through splitmix32: small, fast and the same on every platform. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  const splitmix = (): number => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix();
  let b = splitmix();
  let c = splitmix();
  let d = splitmix();
  return () => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t / 4_294_967_296;
  };
}

export class BenchGenerator {
  readonly plan: GeneratorPlan;
  /** Events generated so far that must emit a delta (bulk stream and latency changes alike). */
  expectedEmitted = 0;
  /** Events generated so far, per kind. */
  readonly counts: Record<EventKind, number> = { snapshot: 0, change: 0, untracked: 0, normalizedEqual: 0, resnapshot: 0 };

  private readonly random: () => number;
  private readonly baseTsMs: number;
  private readonly codeWidth: number;
  // The current row of every key, in canonical terms (updated_at is not tracked).
  private readonly nameRevision: Uint32Array;
  private readonly priceCents: Int32Array;
  private readonly qty: Int32Array;
  private readonly updatedAtMs: Float64Array;
  // The last emitted record of every key (what the target has), kept apart from the current row
  // so that whether an event emits is computed by comparing the two, not assumed from its kind.
  private readonly loaded: Uint8Array;
  private readonly emittedNameRevision: Uint32Array;
  private readonly emittedPriceCents: Int32Array;
  private readonly emittedQty: Int32Array;
  private generated = 0;
  private latencyCursor = 0;
  /** Events given a source position so far: each change after the snapshot is a transaction of its own. */
  private transactions = 0;

  constructor(options: GeneratorOptions) {
    const plan = planStream(options.events, options.keys);
    if (typeof plan === 'string') throw new RangeError(plan);
    this.plan = plan;
    this.random = createRandom(options.seed);
    this.baseTsMs = options.baseTsMs ?? DEFAULT_BASE_TS_MS;
    this.codeWidth = Math.max(7, String(plan.keys - 1).length);
    this.nameRevision = new Uint32Array(plan.keys);
    this.priceCents = new Int32Array(plan.keys);
    this.qty = new Int32Array(plan.keys);
    this.updatedAtMs = new Float64Array(plan.keys);
    this.loaded = new Uint8Array(plan.keys);
    this.emittedNameRevision = new Uint32Array(plan.keys);
    this.emittedPriceCents = new Int32Array(plan.keys);
    this.emittedQty = new Int32Array(plan.keys);
  }

  code(keyIndex: number): string {
    return `ITEM${String(keyIndex).padStart(this.codeWidth, '0')}`;
  }

  /** The whole bulk stream, in order. Can be iterated once. */
  *events(): Generator<BenchEvent> {
    if (this.generated !== 0) throw new Error('the bulk stream of a BenchGenerator can be iterated only once');
    const { keys, changes, events } = this.plan;
    for (let keyIndex = 0; keyIndex < keys; keyIndex++) {
      this.priceCents[keyIndex] = MIN_PRICE_CENTS + this.int(PRICE_CENTS_SPAN);
      this.qty[keyIndex] = this.int(QTY_SPAN);
      this.nameRevision[keyIndex] = 1;
      yield this.snapshot(keyIndex, this.nextTsMs());
    }
    // Selection sampling (Knuth's algorithm S): exactly `changes` of the `updates` positions.
    const updates = events - keys;
    let chosen = 0;
    for (let index = 0; index < updates; index++) {
      const keyIndex = this.int(keys);
      const tsMs = this.nextTsMs();
      if (this.random() * (updates - index) < changes - chosen) {
        chosen++;
        yield this.change(keyIndex, tsMs);
      } else {
        const pick = this.random();
        if (pick < 0.4) yield this.untracked(keyIndex, tsMs);
        else if (pick < 0.7) yield this.normalizedEqual(keyIndex, tsMs);
        else yield this.resnapshot(keyIndex, tsMs);
      }
    }
  }

  /**
   * A real change for the latency phase, after the bulk stream: keys in turn (so that one key is
   * changed again only after every other one), source.ts_ms = `tsMs` (the produce time).
   */
  latencyChange(tsMs: number): BenchEvent {
    const keyIndex = this.latencyCursor;
    this.latencyCursor = (this.latencyCursor + 1) % this.plan.keys;
    if (this.loaded[keyIndex] !== 1) throw new Error('latencyChange() needs the bulk stream generated first');
    return this.change(keyIndex, tsMs);
  }

  private nextTsMs(): number {
    return this.baseTsMs + this.generated++;
  }

  private int(bound: number): number {
    return Math.floor(this.random() * bound);
  }

  private snapshot(keyIndex: number, tsMs: number): BenchEvent {
    this.updatedAtMs[keyIndex] = tsMs;
    return this.event(keyIndex, 'snapshot', 'r', tsMs, this.row(keyIndex));
  }

  private change(keyIndex: number, tsMs: number): BenchEvent {
    const field = this.int(3);
    if (field === 0) {
      this.nameRevision[keyIndex] = (this.nameRevision[keyIndex] ?? 0) + 1;
    } else if (field === 1) {
      const old = this.priceCents[keyIndex] ?? 0;
      const next = MIN_PRICE_CENTS + this.int(PRICE_CENTS_SPAN);
      this.priceCents[keyIndex] = next === old ? next + 1 : next;
    } else {
      const old = this.qty[keyIndex] ?? 0;
      const next = this.int(QTY_SPAN);
      this.qty[keyIndex] = next === old ? next + 1 : next;
    }
    this.updatedAtMs[keyIndex] = tsMs;
    return this.event(keyIndex, 'change', 'u', tsMs, this.row(keyIndex));
  }

  private untracked(keyIndex: number, tsMs: number): BenchEvent {
    this.updatedAtMs[keyIndex] = tsMs;
    return this.event(keyIndex, 'untracked', 'u', tsMs, this.row(keyIndex));
  }

  private normalizedEqual(keyIndex: number, tsMs: number): BenchEvent {
    this.updatedAtMs[keyIndex] = tsMs;
    const row = this.row(keyIndex);
    const pick = this.int(3);
    if (pick !== 1) row['price'] = equivalentPrice(this.priceCents[keyIndex] ?? 0, this.int(2) === 0);
    if (pick !== 0) row['name'] = this.int(2) === 0 ? `  ${String(row['name'])}` : `${String(row['name'])}   `;
    return this.event(keyIndex, 'normalizedEqual', 'u', tsMs, row);
  }

  private resnapshot(keyIndex: number, tsMs: number): BenchEvent {
    return this.event(keyIndex, 'resnapshot', 'r', tsMs, this.row(keyIndex));
  }

  /** The source row as Debezium sends it, with the canonical formatting of each value. */
  private row(keyIndex: number): Record<string, unknown> {
    const code = this.code(keyIndex);
    return {
      code,
      name: `Bench item ${code} rev ${this.nameRevision[keyIndex] ?? 0}`,
      price: formatCents(this.priceCents[keyIndex] ?? 0),
      qty: this.qty[keyIndex] ?? 0,
      updated_at: microsIso(this.updatedAtMs[keyIndex] ?? 0),
    };
  }

  private event(keyIndex: number, kind: EventKind, op: 'r' | 'u', tsMs: number, after: Record<string, unknown>): BenchEvent {
    const name = this.nameRevision[keyIndex] ?? 0;
    const price = this.priceCents[keyIndex] ?? 0;
    const qty = this.qty[keyIndex] ?? 0;
    const emits = this.loaded[keyIndex] !== 1 || name !== this.emittedNameRevision[keyIndex] || price !== this.emittedPriceCents[keyIndex] || qty !== this.emittedQty[keyIndex];
    if (emits) {
      this.expectedEmitted++;
      this.loaded[keyIndex] = 1;
      this.emittedNameRevision[keyIndex] = name;
      this.emittedPriceCents[keyIndex] = price;
      this.emittedQty[keyIndex] = qty;
    }
    this.counts[kind]++;
    const code = after['code'] as string;
    return { code, keyIndex, key: `{"code":${JSON.stringify(code)}}`, value: envelopeJson(op, after, tsMs, this.sourcePosition(kind)), kind, emits };
  }

  /**
   * The source block's position members as Debezium's PostgreSQL connector writes them: the
   * initial snapshot at one LSN (sequence [null, S]), then one transaction per change with growing
   * LSNs (sequence [last commit, lsn], txId), and a re-snapshot as an incremental snapshot's record
   * (the stream's sequence, no lsn or txId). The tracker orders a key's versions by them.
   */
  private sourcePosition(kind: EventKind): string {
    if (kind === 'snapshot') return `"snapshot":"true","db":"erp","sequence":"[null,\\"${SNAPSHOT_LSN}\\"]","schema":"public","table":"items","txId":null,"lsn":${SNAPSHOT_LSN}`;
    this.transactions += 1;
    const lsn = SNAPSHOT_LSN + this.transactions * 128;
    const sequence = `"sequence":"[\\"${lsn - 64}\\",\\"${lsn}\\"]"`;
    if (kind === 'resnapshot') return `"snapshot":"incremental","db":"erp",${sequence},"schema":"public","table":"items","txId":null,"lsn":null`;
    return `"snapshot":"false","db":"erp",${sequence},"schema":"public","table":"items","txId":${TX_ID_BASE + this.transactions},"lsn":${lsn}`;
  }
}

/** numeric(10,2) as Debezium's decimal.handling.mode=string writes it: "12.50". */
export function formatCents(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** Another text for the same amount: trailing zeros dropped ("12.5", "12") or one added ("12.500"). */
function equivalentPrice(cents: number, preferShort: boolean): string {
  const canonical = formatCents(cents);
  if (preferShort && cents % 10 === 0) return canonical.replace(/0+$/, '').replace(/\.$/, '');
  return `${canonical}0`;
}

/** Where the bench's initial snapshot was read, and the first transaction id after it. */
const SNAPSHOT_LSN = 0x2_0000_0000;
const TX_ID_BASE = 10_000;

let isoSecond = Number.NaN;
let isoPrefix = '';

/** timestamptz as Debezium's ZonedTimestamp: ISO 8601 in UTC with microseconds. */
function microsIso(ms: number): string {
  // toISOString is slow at a million calls; the events' times are mostly in the same second.
  const second = Math.floor(ms / 1000);
  if (second !== isoSecond) {
    isoSecond = second;
    isoPrefix = new Date(second * 1000).toISOString().slice(0, 20);
  }
  return `${isoPrefix}${String(ms - second * 1000).padStart(3, '0')}000Z`;
}

/**
 * The envelope as JsonConverter (schemas.enable=false) writes it. Written as a template rather
 * than through JSON.stringify of an object (the same bytes, several times faster, which matters at
 * a million events); the generated strings hold no character JSON would escape (quotes,
 * backslashes, control characters), so they are quoted as they are.
 */
function envelopeJson(op: 'r' | 'u', after: Record<string, unknown>, tsMs: number, position: string): string {
  const row =
    `{"code":"${String(after['code'])}","name":"${String(after['name'])}","price":"${String(after['price'])}",` + `"qty":${Number(after['qty'])},"updated_at":"${String(after['updated_at'])}"}`;
  const source = `{"version":"3.0.8.Final","connector":"postgresql","name":"bench","ts_ms":${tsMs},${position},"xmin":null}`;
  return `{"before":null,"after":${row},"source":${source},"transaction":null,"op":"${op}","ts_ms":${tsMs}}`;
}
