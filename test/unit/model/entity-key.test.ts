import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isErpDeltaError } from '../../../src/errors/erp-delta-error.js';
import { entityKey, formatEntityKey } from '../../../src/model/entity-key.js';
import { defaultEntity } from '../../support/default-entities.js';

describe('entity key', () => {
  it('is the plain value for one key field', () => {
    assert.equal(entityKey(defaultEntity('customers'), { code: 'C0001' }), 'C0001');
  });

  it('is a JSON array in keyFields order for a composite key, whatever the column order', () => {
    const stock = defaultEntity('stock_levels');
    assert.equal(entityKey(stock, { product_code: 'P0001', warehouse_code: 'WH01' }), '["P0001","WH01"]');
    assert.equal(entityKey(stock, { warehouse_code: 'WH01', product_code: 'P0001' }), '["P0001","WH01"]');
  });

  it('is unambiguous when values contain separators and quotes', () => {
    const a = formatEntityKey(['A","B', 'C']);
    const b = formatEntityKey(['A', 'B","C']);
    assert.notEqual(a, b);
    assert.deepEqual(JSON.parse(a), ['A","B', 'C']);
  });

  it('is built from normalized values, as the record data is', () => {
    assert.equal(entityKey(defaultEntity('customers'), { code: ' C0001  ' }), 'C0001');
    assert.equal(formatEntityKey([42]), '42');
    assert.equal(formatEntityKey(['P1', 42, true]), '["P1",42,true]');
  });

  it("refuses a key whose columns are not the entity's key columns", () => {
    const stock = defaultEntity('stock_levels');
    assert.throws(
      () => entityKey(stock, { product_code: 'P0001' }),
      (error) => isErpDeltaError(error, 'DECODE_FAILED') && error.message.includes('keyed by (product_code, warehouse_code)'),
    );
    assert.throws(
      () => entityKey(defaultEntity('customers'), { code: 'C1', region: 'EU' }),
      (error) => isErpDeltaError(error, 'DECODE_FAILED'),
    );
    assert.throws(
      () => entityKey(defaultEntity('customers'), { id: 7 }),
      (error) => isErpDeltaError(error, 'DECODE_FAILED'),
    );
  });

  it('refuses an empty key value', () => {
    assert.throws(
      () => entityKey(defaultEntity('customers'), { code: '  ' }),
      (error) => isErpDeltaError(error, 'DECODE_FAILED') && error.message.includes('"code"') && error.message.includes('empty'),
    );
  });
});
