import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RowCondition } from '../../../src/config/row-filter-config.js';
import { loadConfig } from '../../../src/config/load-config.js';
import { parseConfig } from '../../../src/config/tracker-config.js';
import { isErpDeltaError } from '../../../src/errors/erp-delta-error.js';
import { desiredRecord } from '../../../src/model/desired-record.js';
import type { LoadedRecord } from '../../../src/model/loaded-record.js';
import { keepsRow, rowFilter } from '../../../src/model/row-filter.js';
import { DEBEZIUM_UNAVAILABLE_VALUE } from '../../../src/model/source-change.js';
import { trackedEntities, trackedEntity, type TrackedEntity } from '../../../src/model/tracked-entity.js';

const PRODUCT_FIELDS = ['code', 'description', 'unitPrice', 'active'];

/** The shipped products entity with a filter (canonical values, as parseConfig leaves them). */
function productsKeeping(filter: readonly RowCondition[]): TrackedEntity {
  const products = loadConfig().entities['products'];
  assert.ok(products);
  return trackedEntity({ ...products, filter });
}

function product(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { code: 'P1', description: 'Bolt', unit_price: '0.5', active: true, updated_at: null, ...overrides };
}

function loadedProduct(data: Record<string, string | boolean | null> = {}): LoadedRecord {
  return {
    key: 'P1',
    data: { code: 'P1', description: 'Bolt', unitPrice: '0.50', active: true, ...data },
    source: { topic: 'erp.public.products', partition: 0, offset: 3, tsMs: 0, connector: null, position: null, epoch: 0 },
  };
}

describe('row filter: the conditions', () => {
  const verdict = (condition: RowCondition, value: string | boolean | null): string => rowFilter('products', PRODUCT_FIELDS, [condition]).verdict({ description: value }, []);

  it('equals and in hold for their values only, never for null', () => {
    assert.equal(verdict({ field: 'description', equals: 'Bolt' }, 'Bolt'), 'in');
    assert.equal(verdict({ field: 'description', equals: 'Bolt' }, 'Nut'), 'out');
    assert.equal(verdict({ field: 'description', equals: 'Bolt' }, null), 'out');
    assert.equal(verdict({ field: 'description', in: ['Bolt', 'Nut'] }, 'Nut'), 'in');
    assert.equal(verdict({ field: 'description', in: ['Bolt', 'Nut'] }, 'Washer'), 'out');
    assert.equal(verdict({ field: 'description', in: ['Bolt', 'Nut'] }, null), 'out');
  });

  it("notEquals and notIn hold for every other value, null included (not SQL's NULL <> x)", () => {
    assert.equal(verdict({ field: 'description', notEquals: 'Bolt' }, 'Nut'), 'in');
    assert.equal(verdict({ field: 'description', notEquals: 'Bolt' }, 'Bolt'), 'out');
    assert.equal(verdict({ field: 'description', notEquals: 'Bolt' }, null), 'in');
    assert.equal(verdict({ field: 'description', notIn: ['Bolt', 'Nut'] }, 'Nut'), 'out');
    assert.equal(verdict({ field: 'description', notIn: ['Bolt', 'Nut'] }, null), 'in');
  });

  it('present tells a value from null', () => {
    assert.equal(verdict({ field: 'description', present: true }, 'Bolt'), 'in');
    assert.equal(verdict({ field: 'description', present: true }, null), 'out');
    assert.equal(verdict({ field: 'description', present: false }, null), 'in');
    assert.equal(verdict({ field: 'description', present: false }, 'Bolt'), 'out');
  });

  it('needs every condition; an unknown field leaves it unknown unless a known one fails', () => {
    const filter = rowFilter('products', PRODUCT_FIELDS, [
      { field: 'active', equals: true },
      { field: 'description', present: true },
    ]);
    assert.equal(filter.verdict({ active: true, description: 'Bolt' }, []), 'in');
    assert.equal(filter.verdict({ active: false, description: 'Bolt' }, []), 'out');
    assert.equal(filter.verdict({ active: true, description: null }, []), 'out');
    assert.equal(filter.verdict({ active: true, description: null }, ['description']), 'unknown');
    assert.equal(filter.verdict({ active: false, description: null }, ['description']), 'out', 'a known failing condition decides alone');
  });

  it('refuses a hand-built condition on a field the entity does not track, naming the key', () => {
    assert.throws(
      () =>
        rowFilter('products', PRODUCT_FIELDS, [
          { field: 'active', equals: true },
          { field: 'status', equals: 'A' },
        ]),
      (error) => {
        assert.ok(isErpDeltaError(error, 'INVALID_CONFIG'));
        assert.match(error.message, /"entities\.products\.filter\.1\.field": "status"/);
        return true;
      },
    );
  });
});

describe('row filter: which rows an entity keeps', () => {
  const activeOnly = productsKeeping([{ field: 'active', equals: true }]);

  it('keeps every row of an entity without a filter', () => {
    const products = loadConfig().entities['products'];
    assert.ok(products);
    const entity = trackedEntity(products);
    assert.equal(entity.filter, undefined);
    assert.ok(keepsRow(entity, desiredRecord(entity, product({ active: false })), undefined));
  });

  it('tests the desired record: canonical values after normalization', () => {
    assert.ok(keepsRow(activeOnly, desiredRecord(activeOnly, product({ active: 't' })), undefined), "PostgreSQL's t is true");
    assert.ok(!keepsRow(activeOnly, desiredRecord(activeOnly, product({ active: 'N' })), undefined));
    assert.ok(!keepsRow(activeOnly, desiredRecord(activeOnly, product({ active: null })), undefined));
  });

  it('a filter field whose value is unknown keeps the loaded decision: in when loaded, out when not', () => {
    const described = productsKeeping([{ field: 'description', present: true }]);
    const toasted = product({ description: DEBEZIUM_UNAVAILABLE_VALUE });
    // Loaded with a value: desiredRecord keeps it, so the value is known.
    const loaded = loadedProduct({ description: 'x'.repeat(5_000) });
    const kept = desiredRecord(described, toasted, loaded);
    assert.deepEqual(kept.unknownFields, []);
    assert.ok(keepsRow(described, kept, loaded));
    // Loaded without that field (a field added to the config since): stays at the target.
    const { description: _dropped, ...withoutDescription } = loadedProduct().data;
    const older = { ...loadedProduct(), data: withoutDescription };
    const unknownAtTarget = desiredRecord(described, toasted, older);
    assert.deepEqual(unknownAtTarget.unknownFields, ['description']);
    assert.ok(keepsRow(described, unknownAtTarget, older), 'an unknown value is no change: it deletes nothing');
    // Nothing loaded: not sent, since the row may not belong to the target.
    const unknownNowhere = desiredRecord(described, toasted, undefined);
    assert.ok(!keepsRow(described, unknownNowhere, undefined));
  });

  it("is built once from the config, with the values normalized by the field's normalizer", () => {
    const config = parseConfig(
      {
        kafka: { brokers: ['localhost:9092'] },
        registry: { url: 'http://localhost:8081' },
        entities: {
          products: {
            topic: 'erp.public.products',
            keyFields: ['code'],
            fields: { code: { column: 'code', normalizer: 'text', case: 'upper' }, unitPrice: { column: 'unit_price', normalizer: 'decimal', scale: 2 } },
            filter: [
              { field: 'unitPrice', in: [1.5, '2'] },
              { field: 'code', notEquals: ' p-old ' },
            ],
          },
        },
      },
      'test',
    );
    const [entity] = trackedEntities(config);
    assert.ok(entity?.filter);
    assert.deepEqual(entity.filter.conditions, [
      { field: 'unitPrice', in: ['1.50', '2.00'] },
      { field: 'code', notEquals: 'P-OLD' },
    ]);
    const keeps = (row: Record<string, unknown>): boolean => keepsRow(entity, desiredRecord(entity, row), undefined);
    assert.ok(keeps({ code: 'p1', unit_price: '1.500' }));
    assert.ok(keeps({ code: 'p1', unit_price: 2 }));
    assert.ok(!keeps({ code: 'p1', unit_price: '2.01' }));
    assert.ok(!keeps({ code: 'P-Old', unit_price: '1.5' }));
  });
});
