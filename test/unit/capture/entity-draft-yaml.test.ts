import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { loadConnectorFiles } from '../../../src/capture/connector-file.js';
import { connectorModes } from '../../../src/capture/connector-modes.js';
import { draftEntity, type EntityDraft } from '../../../src/capture/entity-draft.js';
import { renderEntityDraft, yamlScalar } from '../../../src/capture/entity-draft-yaml.js';
import { postgresColumnChoice, type PostgresColumn } from '../../../src/capture/postgres-column-types.js';
import { loadConfig } from '../../../src/config/load-config.js';
import { parseConfig, type EntityConfig } from '../../../src/config/tracker-config.js';
import { projectFiles } from '../../../src/project-files.js';

const MODES = connectorModes(loadConnectorFiles(projectFiles.connectorsDir)[0]?.config ?? {});

function column(name: string, udtName: string, extra: Partial<PostgresColumn> = {}): PostgresColumn {
  return { name, dataType: udtName, udtName, declaredType: udtName, numericScale: null, datetimePrecision: 6, characterMaximumLength: null, enumLabels: undefined, ...extra };
}

function draftOf(name: string, columns: PostgresColumn[], keyColumns: string[]): EntityDraft {
  return draftEntity(
    { schema: 'public', table: name, columns: columns.map((input) => ({ name: input.name, choice: postgresColumnChoice(input, MODES) })), keyColumns },
    { entityName: name, topic: `erp.public.${name}`, header: ['public.x as an erp-delta entity: a header comment long enough to be wrapped over more than one line of the output, as it should be.'] },
  );
}

/** The rendered entity pasted under `entities:` of a minimal config, validated as erp-delta validates a config file. */
function pasted(...rendered: string[]): Record<string, EntityConfig> {
  const text = `kafka: { brokers: ["127.0.0.1:9092"] }\nregistry: { url: "http://127.0.0.1:8081" }\nentities:\n${rendered.join('\n')}`;
  return parseConfig(parseYaml(text, { uniqueKeys: true }), 'pasted.yaml').entities;
}

describe('entity draft as YAML', () => {
  it('is accepted by the config validator under `entities:`, composite key and parameters included', () => {
    const draft = draftOf(
      'order_lines',
      [
        column('line_no', 'int4'),
        column('order_no', 'varchar', { declaredType: 'character varying(20)' }),
        column('amount', 'numeric', { numericScale: 2, declaredType: 'numeric(12,2)' }),
        column('ratio', 'numeric'),
        column('delivered_at', 'timestamp', { declaredType: 'timestamp without time zone' }),
        column('booked_on', 'date'),
        column('payload', 'jsonb'),
        column('tags', '_text', { dataType: 'ARRAY', declaredType: 'text[]' }),
        column('status', 'order_status', { dataType: 'USER-DEFINED', enumLabels: ['open', 'done'] }),
        column('updated_at', 'timestamptz'),
        column('created_by', 'text'),
      ],
      ['order_no', 'line_no'],
    );
    const entity = pasted(renderEntityDraft(draft))['order_lines'];
    assert.ok(entity);
    assert.equal(entity.topic, 'erp.public.order_lines');
    assert.equal(entity.deltaTopic, 'erp-delta.order_lines');
    assert.deepEqual(entity.keyFields, ['orderNo', 'lineNo']);
    assert.deepEqual(Object.keys(entity.fields), ['lineNo', 'orderNo', 'amount', 'ratio', 'deliveredAt', 'bookedOn', 'payload', 'tags', 'status'], 'audit columns are commented out');
    assert.deepEqual(entity.fields['amount'], { column: 'amount', normalizer: 'decimal', scale: 2 });
    assert.deepEqual(entity.fields['deliveredAt'], { column: 'delivered_at', normalizer: 'timestamp', epochUnit: 'auto', zone: 'UTC' });
    assert.equal(entity.fields['tags']?.normalizer, 'json');
  });

  it('comments out audit columns with why, ready to uncomment', () => {
    const rendered = renderEntityDraft(draftOf('products', [column('code', 'text'), column('updated_at', 'timestamptz')], ['code']));
    assert.match(rendered, /^ {6}# updatedAt is not tracked: an audit column touched by every UPDATE; tracking it would make\n {6}# {3}every update a change\.$/m);
    const line = rendered.split('\n').find((candidate) => candidate.includes('column: updated_at'));
    assert.ok(line);
    const uncommented = rendered.replace(line, line.replace('# ', ''));
    assert.deepEqual(pasted(uncommented)['products']?.fields['updatedAt'], { column: 'updated_at', normalizer: 'timestamp', epochUnit: 'auto' });
  });

  it('says what to check above a field, and its source type after it', () => {
    const rendered = renderEntityDraft(draftOf('visits', [column('id', 'int8'), column('seen_at', 'timestamp', { declaredType: 'timestamp(3) without time zone' })], ['id']));
    assert.match(rendered, /# seenAt: a timestamp without time zone: .*\n.*UTC is a placeholder/);
    assert.match(rendered, /seenAt: \{ column: seen_at, normalizer: timestamp, zone: UTC \} +# timestamp\(3\) without time zone$/m);
    assert.match(rendered, /keyFields: \[id\] {2}# key column id$/m);
    for (const line of rendered.split('\n').filter((candidate) => candidate.trimStart().startsWith('#') && !candidate.includes('{'))) {
      assert.ok(line.length <= 100, `comment lines are wrapped: ${line}`);
    }
  });

  it('quotes names YAML would read as something else', () => {
    const draft = draftOf('odd', [column('n', 'text'), column('yes', 'int4'), column('a,b', 'text'), column('null', 'text'), column('x: y', 'text')], ['n']);
    const entity = pasted(renderEntityDraft(draft))['odd'];
    assert.deepEqual(
      Object.values(entity?.fields ?? {}).map((field) => field.column),
      ['n', 'yes', 'a,b', 'null', 'x: y'],
    );
    assert.equal(yamlScalar('customers'), 'customers');
    assert.equal(yamlScalar('On'), '"On"');
    assert.equal(yamlScalar('sales rep'), '"sales rep"');
  });

  it("drafts the sample ERP's tables as config/erp-delta.yaml declares them", () => {
    const shipped = loadConfig(projectFiles.defaultConfig).entities;
    const sample: Record<string, [PostgresColumn[], string[]]> = {
      customers: [
        [
          column('code', 'text'),
          column('name', 'text'),
          column('address', 'text'),
          column('city', 'text'),
          column('sales_rep_code', 'text'),
          column('credit_limit', 'numeric', { numericScale: 2 }),
          column('updated_at', 'timestamptz'),
        ],
        ['code'],
      ],
      products: [
        [column('code', 'text'), column('description', 'text'), column('unit_price', 'numeric', { numericScale: 2 }), column('active', 'bool'), column('updated_at', 'timestamptz')],
        ['code'],
      ],
      stock_levels: [
        [column('product_code', 'text'), column('warehouse_code', 'text'), column('quantity', 'numeric', { numericScale: 3 }), column('updated_at', 'timestamptz')],
        ['product_code', 'warehouse_code'],
      ],
    };
    const drafted = pasted(...Object.entries(sample).map(([name, [columns, key]]) => renderEntityDraft(draftOf(name, columns, key))));
    for (const [name, entity] of Object.entries(drafted)) {
      const expected = shipped[name];
      assert.ok(expected, name);
      assert.equal(entity.topic, expected.topic);
      assert.equal(entity.deltaTopic, expected.deltaTopic);
      assert.deepEqual(entity.keyFields, expected.keyFields);
      // The shipped config adds docs; the columns and normalizers are what a draft gets right.
      const withoutDocs = (fields: EntityConfig['fields']): unknown =>
        Object.fromEntries(Object.entries(fields).map(([field, spec]) => [field, Object.fromEntries(Object.entries(spec).filter(([key]) => key !== 'doc'))]));
      assert.deepEqual(withoutDocs(entity.fields), withoutDocs(expected.fields), name);
    }
  });
});
