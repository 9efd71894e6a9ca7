import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deletePath } from '../../../src/delivery/delete-path.js';

describe('deletePath (delivery.deletes.<entity>.path)', () => {
  it("puts a one-field key in {key} or in its field's name, URL-encoded", () => {
    assert.equal(deletePath('/customers/{key}', 'C0001', ['code']), '/customers/C0001');
    assert.equal(deletePath('/customers/{code}', 'C0001', ['code']), '/customers/C0001');
    assert.equal(deletePath('/customers/{key}', 'A/B ?#%&ü', ['code']), '/customers/A%2FB%20%3F%23%25%26%C3%BC', 'no key reaches another path or the query');
  });

  it('puts a composite key in {key} as its JSON array text, or each field in its own placeholder', () => {
    assert.equal(deletePath('/stock/{key}', '["P0001","WH01"]', ['productCode', 'warehouseCode']), '/stock/%5B%22P0001%22%2C%22WH01%22%5D');
    assert.equal(deletePath('/stock/{productCode}/{warehouseCode}', '["P0001","WH 01"]', ['productCode', 'warehouseCode']), '/stock/P0001/WH%2001');
    assert.equal(deletePath('/lines/{orderNo}/{line}', '["SO-1",3]', ['orderNo', 'line']), '/lines/SO-1/3', 'a number as its text');
    assert.equal(deletePath('/stock/{warehouseCode}?product={productCode}', '["P/1","W"]', ['productCode', 'warehouseCode']), '/stock/W?product=P%2F1');
  });

  it('gives nothing for a composite key that does not hold its fields', () => {
    assert.equal(deletePath('/stock/{productCode}/{warehouseCode}', 'P0001', ['productCode', 'warehouseCode']), undefined);
    assert.equal(deletePath('/stock/{productCode}/{warehouseCode}', '["P0001"]', ['productCode', 'warehouseCode']), undefined);
    assert.equal(deletePath('/stock/{productCode}/{warehouseCode}', '["P0001",null]', ['productCode', 'warehouseCode']), undefined);
    assert.equal(deletePath('/stock/{key}', '{"not":"an array"}', ['productCode', 'warehouseCode']), undefined);
  });
});
