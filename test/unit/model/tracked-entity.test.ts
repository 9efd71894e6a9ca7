import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../../../src/config/tracker-config.js';
import { trackedEntities } from '../../../src/model/tracked-entity.js';
import { defaultEntity } from '../../support/default-entities.js';

describe('tracked entity', () => {
  it('lists the record fields in config order, assignedUserId last for the assignment entity only', () => {
    assert.deepEqual(defaultEntity('customers').recordFields, ['code', 'name', 'address', 'city', 'salesRepCode', 'creditLimit', 'assignedUserId']);
    assert.deepEqual(defaultEntity('products').recordFields, ['code', 'description', 'unitPrice', 'active']);
    assert.deepEqual(
      defaultEntity('stock_levels').keyFields.map((field) => field.column),
      ['product_code', 'warehouse_code'],
    );
  });

  it('adds no assignedUserId without an assignment section', () => {
    const config = parseConfig(
      {
        kafka: { brokers: ['localhost:9092'] },
        registry: { url: 'http://localhost:8081' },
        entities: { customers: { topic: 'erp.public.customers', keyFields: ['code'], fields: { code: { column: 'code', normalizer: 'text' } } } },
      },
      'test',
    );
    assert.deepEqual(trackedEntities(config)[0]?.recordFields, ['code']);
  });

  it("builds each field's normalizer from its config", () => {
    const creditLimit = defaultEntity('customers').fields.find((field) => field.name === 'creditLimit');
    assert.equal(creditLimit?.column, 'credit_limit');
    assert.equal(creditLimit?.normalize('1.5'), '1.50');
  });
});
