import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AUDIT_REASONS,
  auditColumnReason,
  canonicalFieldName,
  cdcTopicName,
  checkTopicName,
  draftEntity,
  entityNameFor,
  parseTableOption,
  type ColumnChoice,
  type TableDescription,
} from '../../../src/capture/entity-draft.js';
import { isErpDeltaError } from '../../../src/errors/erp-delta-error.js';

const TEXT: ColumnChoice = { normalizer: { normalizer: 'text' }, sourceType: 'text', notes: [] };
const INTEGER: ColumnChoice = { normalizer: { normalizer: 'integer' }, sourceType: 'integer', notes: [] };

function table(columns: string[], keyColumns: string[]): TableDescription {
  return { schema: 'public', table: 'order_lines', columns: columns.map((name) => ({ name, choice: name.endsWith('_no') ? INTEGER : TEXT })), keyColumns };
}

describe('entity draft: names', () => {
  it('camelCases column names into canonical field names', () => {
    const cases: Array<[string, string]> = [
      ['sales_rep_code', 'salesRepCode'],
      ['code', 'code'],
      ['credit_limit', 'creditLimit'],
      ['UnitPrice', 'unitPrice'],
      ['CUSTNO', 'custno'],
      ['CUST_NO', 'custNo'],
      ['HTTPServer', 'httpServer'],
      ['address2', 'address2'],
      ['address_2', 'address2'],
      ['address2nd_line', 'address2ndLine'],
      ['line2_code', 'line2Code'],
      ['line no', 'lineNo'],
      ['_internal', 'internal'],
      ['2nd_address', 'field2ndAddress'],
      ['Größe', 'grosse'],
      ['Straße_Nr', 'strasseNr'],
      ['café_name', 'cafeName'],
      ['___', 'field'],
    ];
    for (const [column, field] of cases) {
      assert.equal(canonicalFieldName(column), field, column);
      assert.match(canonicalFieldName(column), /^[a-z][A-Za-z0-9]*$/, `${column} gives a name the config accepts`);
    }
  });

  it('names the entity after the table, lowercased, unless --name says otherwise', () => {
    assert.equal(entityNameFor('stock_levels', undefined), 'stock_levels');
    assert.equal(entityNameFor('Customers', undefined), 'customers');
    assert.equal(entityNameFor('Order-Lines', 'order_lines'), 'order_lines');
    assert.throws(
      () => entityNameFor('Order-Lines', undefined),
      (error) => isErpDeltaError(error, 'INVALID_OPTION') && /"Order-Lines"/.test(error.message) && /--name/.test(error.hint ?? ''),
    );
    assert.throws(
      () => entityNameFor('x', 'Orders'),
      (error) => isErpDeltaError(error, 'INVALID_OPTION') && /--name "Orders"/.test(error.message),
    );
  });

  it('reads --table as schema.table, naming a bad one', () => {
    assert.deepEqual(parseTableOption('public.customers'), { schema: 'public', table: 'customers' });
    assert.deepEqual(parseTableOption(' erp.Stock_Levels '), { schema: 'erp', table: 'Stock_Levels' });
    for (const bad of ['customers', 'a.b.c', '.customers', 'public.', 'public. customers', '']) {
      assert.throws(
        () => parseTableOption(bad),
        (error) => isErpDeltaError(error, 'INVALID_OPTION') && error.message.includes(`--table "${bad}"`),
        bad,
      );
    }
  });

  it('names the CDC topic as Debezium does, and checks a given one', () => {
    assert.equal(cdcTopicName('erp', 'public', 'customers'), 'erp.public.customers');
    assert.equal(cdcTopicName('erp', 'public', 'order lines$'), 'erp.public.order_lines_');
    assert.equal(checkTopicName('crm.orders'), 'crm.orders');
    assert.throws(
      () => checkTopicName('crm orders'),
      (error) => isErpDeltaError(error, 'INVALID_OPTION') && /--topic "crm orders"/.test(error.message),
    );
  });
});

describe('entity draft: audit columns', () => {
  it('finds the columns every UPDATE touches, whatever their spelling', () => {
    for (const column of [
      'updated_at',
      'UpdatedAt',
      'UPDATED_AT',
      'modified',
      'modified_at',
      'modified_on',
      'last_modified',
      'LastModified',
      'last_modified_at',
      'last_updated',
      'changed_at',
      'change_date',
      'update_date',
      'modify_date',
      'upd_ts',
      'lastmod',
      'last_update',
    ]) {
      assert.equal(auditColumnReason(column), AUDIT_REASONS.updatedWhen, column);
    }
    for (const column of ['updated_by', 'modified_by', 'last_modified_by', 'changed_user']) assert.equal(auditColumnReason(column), AUDIT_REASONS.updatedBy, column);
    for (const column of ['ts', 'timestamp', 'row_version', 'RowVersion']) assert.equal(auditColumnReason(column), AUDIT_REASONS.rowVersion, column);
    for (const column of ['created_at', 'created', 'creation_date', 'create_date', 'created_by', 'inserted_at']) assert.equal(auditColumnReason(column), AUDIT_REASONS.created, column);
  });

  it('leaves business columns alone, also those that only look alike', () => {
    for (const column of ['code', 'name', 'update', 'change', 'modification', 'creation', 'valid_from', 'delivery_date', 'status_changed_reason', 'version', 'tsx', 'last_order_at']) {
      assert.equal(auditColumnReason(column), undefined, column);
    }
  });
});

describe('entity draft: the entity', () => {
  it('keys a composite key in key column order, which need not be the column order', () => {
    const draft = draftEntity(table(['line_no', 'order_no', 'item'], ['order_no', 'line_no']), { entityName: 'order_lines', topic: 'erp.public.order_lines', header: ['h'] });
    assert.deepEqual(draft.keyFields, ['orderNo', 'lineNo']);
    assert.deepEqual(draft.keyColumns, ['order_no', 'line_no']);
    assert.deepEqual(
      draft.fields.map((field) => field.name),
      ['lineNo', 'orderNo', 'item'],
    );
    assert.equal(draft.deltaTopic, 'erp-delta.order_lines');
    assert.deepEqual(draft.header, ['h']);
  });

  it('drafts audit columns untracked, except a key column', () => {
    const draft = draftEntity(table(['ts', 'code', 'updated_at', 'name'], ['code', 'ts']), { entityName: 'x', topic: 't', header: [] });
    const untracked = Object.fromEntries(draft.fields.map((field) => [field.column, field.untrackedBecause]));
    assert.deepEqual(untracked, { ts: undefined, code: undefined, updated_at: AUDIT_REASONS.updatedWhen, name: undefined });
  });

  it('gives columns whose names camelCase alike names of their own', () => {
    const draft = draftEntity(table(['sales_rep', 'SalesRep', 'salesrep'], ['sales_rep']), { entityName: 'x', topic: 't', header: [] });
    assert.deepEqual(
      draft.fields.map((field) => field.name),
      ['salesRep', 'salesRep2', 'salesrep'],
    );
  });

  it('refuses a table without a key, naming it and saying what Debezium needs', () => {
    assert.throws(
      () => draftEntity(table(['code'], []), { entityName: 'x', topic: 't', header: [] }),
      (error) => {
        assert.ok(isErpDeltaError(error, 'TABLE_WITHOUT_KEY'));
        assert.match(error.message, /public\.order_lines has no primary key/);
        assert.match(error.hint ?? '', /message\.key\.columns/);
        return true;
      },
    );
  });

  it('refuses key columns the table does not have', () => {
    assert.throws(
      () => draftEntity(table(['code'], ['id']), { entityName: 'x', topic: 't', header: [] }),
      (error) => isErpDeltaError(error, 'TABLE_WITHOUT_KEY') && /"id"/.test(error.message),
    );
  });
});
