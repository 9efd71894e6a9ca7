/**
 * Issue 3 / DESIGN guarantee 5 on the real stack: a CDC record that cannot be decoded or lacks its
 * key goes to the dead-letter topic as it arrived, with headers naming its origin and the reason,
 * and processing goes on: the next good record of the same partition is emitted.
 *
 * The malformed records are written to erp.public.customers with a plain producer: Debezium never
 * writes them, but a misconfigured connector or another producer on the topic can.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { DEAD_LETTER_HEADERS } from '../../../src/dead-letters/dead-letter.js';
import { changeKey, changeValue, envelope, json } from '../../support/debezium-json.js';
import { produce, type RawRecord, uniqueCode, useCaughtUpTracker } from '../../support/tracker-harness.js';

const TOPIC = 'erp.public.customers';

function header(record: RawRecord, name: string): string | undefined {
  const value = record.headers[name];
  return value === undefined ? undefined : value.toString();
}

describe('tracker: malformed CDC records', () => {
  const fixture = useCaughtUpTracker('dlq', ['customers']);

  it('go to the dead-letter topic with their origin and reason in headers; the next good record is processed', async () => {
    // A good row first, to know its partition: the malformed records go there, before its next change.
    const good = uniqueCode('T');
    await fixture.db.query(`INSERT INTO customers (code, name, address, city, sales_rep_code, credit_limit) VALUES ($1, 'Good Hardware', '3 Main Road', 'Cape Town', 'SAL001', 10)`, [good]);
    const [created] = await fixture.cdc.waitForEvents('customers', good, 1);
    assert.ok(created);
    const partition = created.partition;

    const row = (code: string): Record<string, unknown> => ({ ...created.after, code });
    const malformed = [
      {
        reason: /is not JSON/,
        key: changeKey('customers', { code: uniqueCode('BAD') }, false),
        value: Buffer.concat([Buffer.from('\u00ff{garbage', 'latin1'), randomBytes(32)]),
      },
      {
        // Neither JsonConverter's {schema, payload} nor a bare envelope with op.
        reason: /neither a payload .* nor an op/,
        key: changeKey('customers', { code: uniqueCode('BAD') }, false),
        value: json((({ op: _op, ...rest }) => rest)(envelope({ table: 'customers', op: 'u', after: row(uniqueCode('BAD')) }))),
      },
      {
        // Kafka refuses a null key on a compacted topic: the keyless record has an empty key.
        reason: /has no key/,
        key: Buffer.alloc(0),
        value: changeValue({ table: 'customers', op: 'c', after: row(uniqueCode('BAD')), withSchema: false }),
      },
    ];
    const positions: number[] = [];
    for (const record of malformed) {
      const [written] = await produce(TOPIC, [{ partition, key: record.key, value: record.value }]);
      assert.equal(written?.partition, partition);
      positions.push(Number(written.baseOffset));
    }

    await fixture.db.query(`UPDATE customers SET city = 'Durban' WHERE code = $1`, [good]);
    const [, changed] = await fixture.cdc.waitForEvents('customers', good, 2);
    assert.ok(changed && changed.partition === partition && changed.offset > Math.max(...positions), 'the good change comes after the malformed records');
    await fixture.test.waitCaughtUp();

    const deltas = (await fixture.test.readDeltas(['customers'])).of('customers', good);
    assert.equal(deltas.length, 2, "the row's insert and its change");
    assert.deepEqual(deltas[1]?.delta?.changedFields, ['city']);
    assert.equal(deltas[1]?.delta?.source.offset, changed.offset);

    const deadLetters = (await fixture.test.readDeadLetters()).filter(
      (record) =>
        header(record, DEAD_LETTER_HEADERS.topic) === TOPIC
        && header(record, DEAD_LETTER_HEADERS.partition) === String(partition)
        && positions.includes(Number(header(record, DEAD_LETTER_HEADERS.offset))),
    );
    assert.equal(deadLetters.length, 3, `one dead letter per malformed record: ${JSON.stringify(deadLetters.map((record) => record.headers))}`);
    malformed.forEach((record, index) => {
      const letter = deadLetters.find((candidate) => header(candidate, DEAD_LETTER_HEADERS.offset) === String(positions[index]));
      assert.ok(letter, `dead letter of offset ${positions[index]}`);
      assert.equal(header(letter, DEAD_LETTER_HEADERS.topic), TOPIC);
      assert.equal(header(letter, DEAD_LETTER_HEADERS.partition), String(partition));
      assert.equal(header(letter, DEAD_LETTER_HEADERS.entity), 'customers');
      assert.equal(header(letter, DEAD_LETTER_HEADERS.errorCode), 'DECODE_FAILED');
      assert.match(header(letter, DEAD_LETTER_HEADERS.reason) ?? '', record.reason);
      assert.deepEqual(letter.value, record.value, 'the value as it arrived');
      assert.deepEqual(letter.key ?? Buffer.alloc(0), record.key, 'the key as it arrived');
    });

    assert.ok(fixture.tracker.running, 'the tracker goes on');
    const logged = fixture.tracker.logs('record dead-lettered').filter((line) => line['partition'] === partition && positions.includes(line['offset'] as number));
    assert.equal(logged.length, 3, 'each dead letter is logged');
  });
});
