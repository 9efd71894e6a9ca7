import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../../../src/config/load-config.js';
import { isErpDeltaError } from '../../../src/errors/erp-delta-error.js';
import { projectFiles } from '../../../src/project-files.js';

const dir = mkdtempSync(join(tmpdir(), 'erp-delta-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const MINIMAL_YAML = `
kafka:
  brokers: [localhost:9092]
registry:
  url: http://localhost:8081
entities:
  products:
    topic: erp.public.products
    keyFields: [code]
    fields:
      code: { column: code, normalizer: text }
      unitPrice: { column: unit_price, normalizer: decimal, scale: 2 }
`;

describe('loadConfig', () => {
  it('reads the shipped default config, which serves the local stack', () => {
    const config = loadConfig();
    assert.deepEqual(Object.keys(config.entities), ['customers', 'products', 'stock_levels']);
    const customers = config.entities['customers'];
    assert.deepEqual(Object.keys(customers?.fields ?? {}), ['code', 'name', 'address', 'city', 'salesRepCode', 'creditLimit']);
    assert.equal(customers?.topic, 'erp.public.customers');
    assert.deepEqual(customers?.fields['creditLimit'], { column: 'credit_limit', normalizer: 'decimal', scale: 2 });
    assert.deepEqual(config.entities['stock_levels']?.keyFields, ['productCode', 'warehouseCode']);
    assert.deepEqual(config.entities['stock_levels']?.fields['quantity'], { column: 'quantity', normalizer: 'decimal', scale: 3 });
    assert.equal(config.entities['products']?.fields['active']?.normalizer, 'boolean');
    assert.equal(config.assignment?.repField, 'salesRepCode');
    for (const entity of Object.values(config.entities)) {
      assert.equal(entity.deltaTopic, `erp-delta.${entity.name}`);
      const columns = Object.values(entity.fields).map((field) => field.column);
      assert.ok(!columns.includes('updated_at'), `${entity.name} does not track updated_at`);
    }
    assert.equal(projectFiles.defaultConfig.endsWith(join('config', 'erp-delta.yaml')), true);
  });

  it('reads YAML and JSON alike', () => {
    const fromYaml = loadConfig(file('a.yaml', MINIMAL_YAML));
    const fromJson = loadConfig(file('a.json', JSON.stringify(parseYaml(MINIMAL_YAML), null, 2)));
    assert.deepEqual(fromJson, fromYaml);
    assert.equal(fromYaml.entities['products']?.deltaTopic, 'erp-delta.products');
  });

  it('names the file and the key of a bad value', () => {
    const path = file('bad-normalizer.yaml', MINIMAL_YAML.replace('normalizer: decimal, scale: 2', 'normalizer: money'));
    assert.throws(
      () => loadConfig(path),
      (error) => isErpDeltaError(error, 'INVALID_CONFIG') && error.message.includes(path) && error.message.includes('"entities.products.fields.unitPrice.normalizer"'),
    );
  });

  it('refuses a key given twice instead of keeping the last one', () => {
    const path = file('twice.yaml', MINIMAL_YAML.replace('registry:', 'dlqTopic: a\ndlqTopic: b\nregistry:'));
    assert.throws(
      () => loadConfig(path),
      (error) => isErpDeltaError(error, 'INVALID_CONFIG') && error.message.includes(path) && /unique/i.test(error.message),
    );
  });

  it('refuses a file that does not parse, with its position', () => {
    const path = file('broken.yaml', 'kafka: [unclosed\n');
    assert.throws(
      () => loadConfig(path),
      (error) => isErpDeltaError(error, 'INVALID_CONFIG') && error.message.includes(path) && /line \d+/.test(error.message),
    );
  });

  it('refuses a missing file as a config error', () => {
    const path = join(dir, 'absent.yaml');
    assert.throws(
      () => loadConfig(path),
      (error) => isErpDeltaError(error, 'INVALID_CONFIG') && error.message.includes(path) && error.message.includes('ENOENT'),
    );
  });
});
