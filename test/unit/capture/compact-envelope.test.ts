import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readCompactEnvelope } from '../../../src/capture/compact-envelope.js';
import { sourceChangeFromEnvelope } from '../../../src/capture/debezium-envelope.js';
import { withExactRows } from '../../../src/capture/decode-debezium-json.js';
import type { SourceChange } from '../../../src/model/source-change.js';

const KEY = { code: 'C0001' };

/** A record as Debezium 3.6's PostgreSQL connector wrote it through JsonConverter without schemas (the local stack). */
const DEBEZIUM_3_6 =
  '{"before":null,"after":{"code":"C0001","name":"Baltic Foods Ltd","address":"38 River Walk","city":"Lisbon","sales_rep_code":"SAL002","credit_limit":"8919.37","updated_at":"2026-11-26T09:37:16.910857Z"},"source":{"version":"3.6.1.Final","connector":"postgresql","name":"erp","ts_ms":1795685848559,"snapshot":"first","db":"erp","sequence":"[null,\\"26797216\\"]","ts_us":1795685848559998,"ts_ns":1795685848559998000,"schema":"public","table":"customers","txId":728,"lsn":26797216,"xmin":null,"origin":null,"origin_lsn":null},"transaction":null,"op":"r","ts_ms":1795685848694,"ts_us":1795685848694352,"ts_ns":1795685848694352482}';
/** The bench's synthetic records (bench/generator.ts): Debezium 3.0's source block, an integer column. */
const BENCH =
  '{"before":null,"after":{"code":"ITEM0000400","name":"Bench item ITEM0000400 rev 1","price":"1572.71","qty":2621,"updated_at":"2025-01-01T00:00:00.400000Z"},"source":{"version":"3.0.8.Final","connector":"postgresql","name":"bench","ts_ms":1735689600400,"snapshot":"true","db":"erp","sequence":null,"schema":"public","table":"items","txId":null,"lsn":null,"xmin":null},"transaction":null,"op":"u","ts_ms":1735689600400}';
/** A row whose values hold what the fast path looks for: escaped quotes, braces, `,"source":{`, unicode escapes, nested values. */
const AWKWARD_ROW =
  '{"before":null,"after":{"code":"C\\"1","name":"x,\\"source\\":{\\"ts_ms\\":1}","note":"}{][\\\\","geo":{"wkb":"AQ==","srid":4326},"tags":[1,{"a":null}],"u":"\\u00e9\\ud83d\\ude00","n":-1.5e-3,"t":true,"op":"d","before":{"ts_ms":1}},"source":{"ts_ms":42,"table":"odd \\"name\\" }"},"op":"c"}';

/** Bigint columns beyond 2^53 (one in an array column), next to a safe one and epoch micros (16 digits, safe). */
const BIG_INTEGERS =
  '{"before":null,"after":{"id":9007199254740993,"neg":-9223372036854775808,"max":9223372036854775807,"safe":9007199254740991,"edge":9007199254740992,"micros":1795685836910857,"ids":[1,18446744073709551615],"d":1.5e300,"z":-0},"source":{"version":"3.6.1.Final","connector":"postgresql","name":"erp","ts_ms":1795685848559,"snapshot":"false","db":"erp","sequence":"[\\"26797000\\",\\"26797216\\"]","ts_us":1795685848559998,"ts_ns":1795685848559998000,"schema":"public","table":"accounts","txId":728,"lsn":26797216,"xmin":null},"transaction":null,"op":"u","ts_ms":1795685848694,"ts_us":1795685848694352,"ts_ns":1795685848694352482}';

/** The tracker's full decode of a bare envelope: what the fast path must agree with. */
function fullDecode(text: string): SourceChange | Error {
  try {
    return sourceChangeFromEnvelope(withExactRows(JSON.parse(text), text), KEY);
  } catch (error) {
    return error as Error;
  }
}

/** xorshift32: the same mutations on every run. */
function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 4_294_967_296;
  };
}

const SIGNIFICANT = ['{', '}', '[', ']', '"', ',', ':', '\\', ' ', '0', '9', '-', 'e', '.', 'n', 'a', 'u', 'x', '\u0001'];

function mutate(text: string, next: () => number): string {
  const at = Math.floor(next() * text.length);
  const char = SIGNIFICANT[Math.floor(next() * SIGNIFICANT.length)] as string;
  switch (Math.floor(next() * 4)) {
    case 0:
      return text.slice(0, at) + text.slice(at + 1);
    case 1:
      return text.slice(0, at) + char + text.slice(at);
    case 2:
      return text.slice(0, at) + char + text.slice(at + 1);
    default:
      return text.slice(0, at);
  }
}

describe('readCompactEnvelope', () => {
  it('reads a negative and a last source.ts_ms as JSON.parse does', () => {
    for (const text of [
      BENCH.replace('"ts_ms":1735689600400,"snapshot"', '"ts_ms":-5,"snapshot"'),
      BENCH.replace('"xmin":null', '"xmin":null,"ts_ms":7'),
      AWKWARD_ROW.replace('"ts_ms":42,', '"ts_ms":42,"ts_ms":0,'),
    ]) {
      const compact = readCompactEnvelope(text, KEY);
      assert.ok(compact);
      assert.deepEqual(compact, fullDecode(text));
    }
  });

  for (const [name, text] of [
    ['Debezium 3.6 through JsonConverter', DEBEZIUM_3_6],
    ["the bench's records", BENCH],
    ['a row with escapes, braces and nested values', AWKWARD_ROW],
    ['a row with integers beyond 2^53', BIG_INTEGERS],
  ] as const) {
    it(`reads ${name} as the full parse does`, () => {
      const compact = readCompactEnvelope(text, KEY);
      assert.ok(compact, 'the usual envelope must take the fast path');
      assert.deepEqual(compact, fullDecode(text));
    });
  }

  it('reads the integers of a row beyond 2^53 exactly, as bigints, and the rest as JSON.parse does', () => {
    const compact = readCompactEnvelope(BIG_INTEGERS, KEY);
    assert.ok(compact?.after);
    assert.deepEqual(compact.after, {
      id: 9007199254740993n,
      neg: -9223372036854775808n,
      max: 9223372036854775807n,
      safe: 9007199254740991,
      edge: 9007199254740992n,
      micros: 1795685836910857,
      ids: [1, 18446744073709551615n],
      d: 1.5e300,
      z: -0,
    });
    assert.ok(Object.is(compact.after['z'], -0), '-0 as JSON.parse reads it');
    // The source block as JSON.parse reads it, whatever its ts_ns.
    assert.equal(compact.sourceTsMs, 1795685848559);
  });

  it('reads a row of safe numbers with JSON.parse alone', () => {
    const compact = readCompactEnvelope(DEBEZIUM_3_6.replace('"city":"Lisbon"', '"city":"Lisbon","n":9007199254740991,"m":-9007199254740991'), KEY);
    assert.equal(compact?.after?.['n'], 9007199254740991);
    assert.equal(compact?.after?.['m'], -9007199254740991);
  });

  const fallbacks: Record<string, string> = {
    'a before row (REPLICA IDENTITY FULL)': BENCH.replace('"before":null', '"before":{"code":"ITEM0000400"}'),
    'a delete': '{"before":{"code":"C0001"},"after":null,"source":{"ts_ms":1},"op":"d","ts_ms":2}',
    'transaction metadata': BENCH.replace('"transaction":null', '"transaction":{"id":"571:53195829","total_order":1,"data_collection_order":1}'),
    'the schema part': `{"schema":{"type":"struct","fields":[]},"payload":${BENCH}}`,
    'op before source': '{"before":null,"after":{"code":"C0001"},"op":"c","source":{"ts_ms":1}}',
    'trailing whitespace': `${BENCH}\n`,
    'a second after in the tail': BENCH.replace('"op":"u"', '"op":"u","after":null'),
    'a second before in the tail': BENCH.replace('"op":"u"', '"op":"u","before":1'),
    'a second source in the tail': BENCH.replace('"op":"u"', '"op":"u","source":null'),
    'two ops': BENCH.replace('"op":"u"', '"op":"u","op":"x"'),
    'an unknown op': BENCH.replace('"op":"u"', '"op":"x"'),
    'a truncate': BENCH.replace('"op":"u"', '"op":"t"'),
    'no op': BENCH.replace(',"op":"u"', ''),
    'source.ts_ms as a string': BENCH.replace('"ts_ms":1735689600400,"snapshot"', '"ts_ms":"1735689600400","snapshot"'),
    "source.ts_ms null (the envelope's ts_ms applies)": BENCH.replace('"ts_ms":1735689600400,"snapshot"', '"ts_ms":null,"snapshot"'),
    'source.ts_ms a fraction': BENCH.replace('"ts_ms":1735689600400,"snapshot"', '"ts_ms":1.5,"snapshot"'),
    'source.ts_ms with an exponent': BENCH.replace('"ts_ms":1735689600400,"snapshot"', '"ts_ms":17e11,"snapshot"'),
    'source.ts_ms beyond 2^53': BENCH.replace('"ts_ms":1735689600400,"snapshot"', '"ts_ms":9007199254740993,"snapshot"'),
    'no source.ts_ms': BENCH.replace('"ts_ms":1735689600400,"snapshot"', '"snapshot"'),
    'a nested value in source': BENCH.replace('"sequence":null', '"sequence":[1,2]'),
    'a row that is not JSON': BENCH.replace('"qty":2621', '"qty":02621'),
    'a bad escape in source': BENCH.replace('"db":"erp"', '"db":"e\\qrp"'),
  };
  for (const [name, text] of Object.entries(fallbacks)) {
    it(`leaves ${name} to the full parse`, () => {
      assert.equal(readCompactEnvelope(text, KEY), undefined);
    });
  }

  // Regular expressions on untrusted bytes: a record built to make them backtrack must not hang
  // the tracker (the timeout is the failure, not a speed target).
  it('refuses records built to make its expressions backtrack, without hanging', { timeout: 10_000 }, () => {
    const row = '{"before":null,"after":{"code":"C0001"}';
    const hostile = [
      `${row},"source":{${'"k":1,'.repeat(100_000)}`,
      `${row},"source":{"ts_ms":1}${',"k":1'.repeat(100_000)},"x":{}}`,
      `${row},"source":{"ts_ms":${'1'.repeat(1_000_000)}x}}`,
      `${row},"source":{"ts_ms":1,"k":"${'a'.repeat(1_000_000)}}}`,
      `${row},"source":{"ts_ms":1,"k":"${'\\'.repeat(500_000)}}}`,
      `${row},"source":{"ts_ms":1,"k":${'-0.1e1'.repeat(100_000)}}}`,
    ];
    for (const text of hostile) assert.equal(readCompactEnvelope(text, KEY), undefined);
  });

  it('decodes 20,000 mutated records as the full parse does, or leaves them to it', () => {
    const next = random(20_261_126);
    let compact = 0;
    let failing = 0;
    for (let index = 0; index < 20_000; index += 1) {
      const base = [DEBEZIUM_3_6, BENCH, AWKWARD_ROW, BIG_INTEGERS][index % 4] as string;
      let text = mutate(base, next);
      if (next() < 0.3) text = mutate(text, next);
      const full = fullDecode(text);
      if (full instanceof Error) failing += 1;
      const fast = readCompactEnvelope(text, KEY);
      if (fast === undefined) continue;
      compact += 1;
      assert.ok(!(full instanceof Error), `the fast path read a record the full parse refuses (${full instanceof Error ? full.message : ''}): ${text}`);
      assert.deepEqual(fast, full, text);
    }
    // The mutations must exercise both sides: records the full parse refuses, and records still read fast.
    assert.ok(failing > 5_000, `only ${failing} mutated records failed the full parse`);
    assert.ok(compact > 2_000, `only ${compact} mutated records took the fast path`);
  });
});
