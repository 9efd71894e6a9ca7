import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { loadConfig } from '../../../src/config/load-config.js';
import { failureUnderConfig } from '../../../src/dead-letters/redrive-check.js';
import { SourceDecoder } from '../../../src/capture/source-decoder.js';
import { trackedEntity } from '../../../src/model/tracked-entity.js';
import { changeKey, changeValue } from '../../support/debezium-json.js';
import { defaultEntity } from '../../support/default-entities.js';

// JSON records never reach the registry.
const decoder = new SourceDecoder(new SchemaRegistry({ host: 'http://127.0.0.1:1' }));
const products = defaultEntity('products');
/** The products of the default config, after the ERP renamed unit_price to list_price. */
const shipped = loadConfig().entities['products'];
assert.ok(shipped?.fields['unitPrice']);
const renamed = trackedEntity({ ...shipped, fields: { ...shipped.fields, unitPrice: { ...shipped.fields['unitPrice'], column: 'list_price' } } });

const afterRename = {
  key: changeKey('products', { code: 'P1' }, false),
  value: changeValue({ table: 'products', op: 'u', after: { code: 'P1', description: 'Bolt', list_price: '2.50', active: true }, withSchema: false }),
};

describe('failureUnderConfig', () => {
  it('is what the tracker would dead-letter the record for under the config at hand', async () => {
    assert.match((await failureUnderConfig(products, decoder, afterRename))?.message ?? '', /has no column "unit_price"/);
    assert.equal(await failureUnderConfig(renamed, decoder, afterRename), undefined, 'the fixed config reads it');
  });

  it('reports a record no config can read', async () => {
    assert.equal((await failureUnderConfig(renamed, decoder, { key: afterRename.key, value: Buffer.from('not JSON') }))?.code, 'DECODE_FAILED');
    assert.equal((await failureUnderConfig(renamed, decoder, { key: Buffer.alloc(0), value: afterRename.value }))?.code, 'DECODE_FAILED');
  });

  it("checks a row outside the entity's filter as any other: the filter drops rows, not bad input", async () => {
    const activeOnly = trackedEntity({ ...shipped, filter: [{ field: 'active', equals: true }] });
    const inactive = (price: string) => ({
      key: afterRename.key,
      value: changeValue({ table: 'products', op: 'u', after: { code: 'P1', description: 'Bolt', unit_price: price, active: false }, withSchema: false }),
    });
    assert.equal(await failureUnderConfig(activeOnly, decoder, inactive('2.50')), undefined, 'readable: re-driven, and the tracker leaves it out');
    assert.equal((await failureUnderConfig(activeOnly, decoder, inactive('lots')))?.code, 'NORMALIZE_FAILED', 'still bad under this config');
  });
});
