import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isErpDeltaError } from '../../../src/errors/erp-delta-error.js';
import { desiredRecord } from '../../../src/model/desired-record.js';
import type { LoadedRecord } from '../../../src/model/loaded-record.js';
import { DEBEZIUM_UNAVAILABLE_VALUE } from '../../../src/model/source-change.js';
import { defaultEntity } from '../../support/default-entities.js';

const customers = defaultEntity('customers');
const ROW = {
  code: 'C0001',
  name: ' Alpine Foods Ltd ',
  address: '38 Station Road',
  city: 'Berlin',
  sales_rep_code: 'SAL002',
  credit_limit: '8919.3',
  updated_at: '2024-03-01T08:00:00.123456Z',
};

function loadedCustomer(data: Record<string, string | null>): LoadedRecord {
  const record = { code: 'C0001', name: 'Alpine Foods Ltd', address: null, city: 'Berlin', salesRepCode: 'SAL002', creditLimit: '8919.30', assignedUserId: null, ...data };
  return { key: 'C0001', data: record, source: { topic: 'erp.public.customers', partition: 0, offset: 41, tsMs: 0, connector: null, position: null, epoch: 0 } };
}

describe('desiredRecord', () => {
  it("maps source columns to canonical fields through their normalizers, in the entity's order", () => {
    const desired = desiredRecord(customers, ROW);
    assert.deepEqual(desired.data, {
      code: 'C0001',
      name: 'Alpine Foods Ltd',
      address: '38 Station Road',
      city: 'Berlin',
      salesRepCode: 'SAL002',
      creditLimit: '8919.30',
      assignedUserId: null,
    });
    assert.deepEqual(Object.keys(desired.data), [...customers.recordFields]);
    assert.deepEqual(desired.unknownFields, []);
  });

  it('leaves untracked columns out', () => {
    const desired = desiredRecord(customers, { ...ROW, updated_at: '2030-01-01T00:00:00Z' });
    assert.deepEqual(desired, desiredRecord(customers, ROW));
    assert.ok(!('updatedAt' in desired.data) && !('updated_at' in desired.data));
  });

  it('gives only the assignment entity an assignedUserId, null until the join sets it', () => {
    assert.equal(desiredRecord(customers, ROW).data['assignedUserId'], null);
    const product = desiredRecord(defaultEntity('products'), { code: 'P0001', description: 'Bolt', unit_price: '0.5', active: true, updated_at: null });
    assert.deepEqual(product.data, { code: 'P0001', description: 'Bolt', unitPrice: '0.50', active: true });
  });

  it('keeps the loaded value for an unchanged TOASTed column', () => {
    const longAddress = 'x'.repeat(10_000);
    const loaded = loadedCustomer({ address: longAddress });
    const desired = desiredRecord(customers, { ...ROW, address: DEBEZIUM_UNAVAILABLE_VALUE }, loaded);
    assert.equal(desired.data['address'], longAddress);
    assert.deepEqual(desired.unknownFields, []);
  });

  it('keeps a loaded null for an unchanged TOASTed column', () => {
    const desired = desiredRecord(customers, { ...ROW, address: DEBEZIUM_UNAVAILABLE_VALUE }, loadedCustomer({ address: null }));
    assert.equal(desired.data['address'], null);
    assert.deepEqual(desired.unknownFields, []);
  });

  it('marks an unchanged TOASTed column unknown (null) when nothing is loaded', () => {
    const desired = desiredRecord(customers, { ...ROW, address: DEBEZIUM_UNAVAILABLE_VALUE });
    assert.equal(desired.data['address'], null);
    assert.deepEqual(desired.unknownFields, ['address']);
    assert.equal(desired.data['city'], 'Berlin');
  });

  it('never normalizes the placeholder as a value', () => {
    // As a decimal it would fail; as text it would be a change to the placeholder string.
    const desired = desiredRecord(customers, { ...ROW, credit_limit: DEBEZIUM_UNAVAILABLE_VALUE }, loadedCustomer({}));
    assert.equal(desired.data['creditLimit'], '8919.30');
  });

  describe('a column the row does not have (written before the column was added to the table)', () => {
    const { credit_limit: _dropped, ...olderRow } = ROW;

    it('keeps the loaded value: unknown at that version, not a change', () => {
      const desired = desiredRecord(customers, olderRow, loadedCustomer({ creditLimit: '100.00' }));
      assert.equal(desired.data['creditLimit'], '100.00');
      assert.deepEqual(desired.unknownFields, []);
      assert.deepEqual(desired.absentColumns, ['creditLimit']);
    });

    it('is null and unknown for a key never loaded', () => {
      const desired = desiredRecord(customers, olderRow);
      assert.equal(desired.data['creditLimit'], null);
      assert.deepEqual(desired.unknownFields, ['creditLimit']);
      assert.deepEqual(desired.absentColumns, ['creditLimit']);
    });

    it('is absent only when the column is: a column holding null is a value', () => {
      const desired = desiredRecord(customers, { ...ROW, credit_limit: null }, loadedCustomer({}));
      assert.equal(desired.data['creditLimit'], null);
      assert.equal(desired.absentColumns, undefined);
    });

    it('refuses a row without a key column, naming field and column: a record without its key goes to the dead letters', () => {
      const { code: _code, ...keyless } = ROW;
      assert.throws(
        () => desiredRecord(customers, keyless, loadedCustomer({})),
        (error) => isErpDeltaError(error, 'NORMALIZE_FAILED') && error.message.includes('"code"') && error.message.includes('has no column'),
      );
    });
  });

  describe("Debezium's placeholder in the form of each column type", () => {
    const placeholder = Buffer.from(DEBEZIUM_UNAVAILABLE_VALUE);
    const forms: ReadonlyArray<[string, unknown]> = [
      ['bytea, base64', placeholder.toString('base64')],
      ['bytea, base64-url-safe', placeholder.toString('base64url')],
      ['bytea, base64-url-safe with padding', `${placeholder.toString('base64url')}==`],
      ['its text itself', DEBEZIUM_UNAVAILABLE_VALUE],
      ['bytea, hex', placeholder.toString('hex')],
      ['text[]', [DEBEZIUM_UNAVAILABLE_VALUE]],
      ['bytea[]', [placeholder.toString('base64')]],
      ['int[] and bigint[]: its bytes as numbers', [...placeholder]],
      ["uuid[]: Java's UUID.nameUUIDFromBytes of it", ['b68a35a7-17ad-35b3-af2a-ae46edb4545a']],
      ['hstore as a map', { [DEBEZIUM_UNAVAILABLE_VALUE]: DEBEZIUM_UNAVAILABLE_VALUE }],
    ];
    for (const [form, raw] of forms) {
      it(`keeps the loaded value for ${form}`, () => {
        const desired = desiredRecord(customers, { ...ROW, address: raw }, loadedCustomer({ address: 'kept' }));
        assert.equal(desired.data['address'], 'kept');
      });
    }

    it('reads arrays and text that only resemble it as values', () => {
      for (const lookalike of [`${DEBEZIUM_UNAVAILABLE_VALUE}_`, DEBEZIUM_UNAVAILABLE_VALUE.slice(1), 'x'.repeat(DEBEZIUM_UNAVAILABLE_VALUE.length)]) {
        assert.equal(desiredRecord(customers, { ...ROW, address: lookalike }, loadedCustomer({ address: 'kept' })).data['address'], lookalike);
      }
      assert.equal(desiredRecord(customers, { ...ROW, address: 'X19kZWJleml1bV91bmF2YWlsYWJsZV92YWx1ZQ' + '=' }, loadedCustomer({})).data['address'], 'X19kZWJleml1bV91bmF2YWlsYWJsZV92YWx1ZQ=');
    });
  });

  it('refuses a value its normalizer cannot read, naming field and value', () => {
    assert.throws(
      () => desiredRecord(customers, { ...ROW, credit_limit: 'n/a' }),
      (error) => isErpDeltaError(error, 'NORMALIZE_FAILED') && error.message.includes('"creditLimit"') && error.message.includes('"n/a"'),
    );
  });

  it('refuses an empty key field', () => {
    assert.throws(
      () => desiredRecord(customers, { ...ROW, code: ' ' }),
      (error) => isErpDeltaError(error, 'NORMALIZE_FAILED') && error.message.includes('key field'),
    );
  });
});
