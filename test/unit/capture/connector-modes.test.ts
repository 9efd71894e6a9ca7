import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connectorCapturesTable, connectorModes, messageKeyColumns } from '../../../src/capture/connector-modes.js';

describe('connector modes', () => {
  it("takes Debezium's defaults for what the file does not set", () => {
    assert.deepEqual(connectorModes({}), { decimalHandling: 'precise', timePrecision: 'adaptive', binaryHandling: 'bytes', moneyFractionDigits: 2, unknown: [] });
  });

  it('reads the settings, and lists those it does not know', () => {
    const modes = connectorModes({ 'decimal.handling.mode': 'STRING', 'time.precision.mode': 'nanoseconds', 'money.fraction.digits': 'two' });
    assert.equal(modes.decimalHandling, 'string');
    assert.equal(modes.timePrecision, 'adaptive');
    assert.deepEqual([...modes.unknown].sort(), ['money.fraction.digits=two', 'time.precision.mode=nanoseconds']);
  });

  it('tells whether the include and exclude lists capture a table, as whole-name regexes', () => {
    const config = { 'table.include.list': 'public.customers, public.products,sales\\.order_.*' };
    assert.equal(connectorCapturesTable(config, 'public', 'customers'), true);
    assert.equal(connectorCapturesTable(config, 'sales', 'order_lines'), true);
    assert.equal(connectorCapturesTable(config, 'public', 'customers_old'), false);
    assert.equal(connectorCapturesTable(config, 'public', 'stock_levels'), false);
    assert.equal(connectorCapturesTable({}, 'public', 'anything'), true);
    assert.equal(connectorCapturesTable({ 'table.exclude.list': 'public\\.audit_.*' }, 'public', 'audit_log'), false);
    assert.equal(connectorCapturesTable({ 'schema.include.list': 'sales' }, 'public', 'customers'), false);
  });

  it('reads message.key.columns for the table', () => {
    const config = { 'message.key.columns': 'public.order_lines:order_no,line_no;inventory\\..*:id' };
    assert.deepEqual(messageKeyColumns(config, 'public', 'order_lines'), ['order_no', 'line_no']);
    assert.deepEqual(messageKeyColumns(config, 'inventory', 'items'), ['id']);
    assert.equal(messageKeyColumns(config, 'public', 'customers'), undefined);
    assert.equal(messageKeyColumns({}, 'public', 'customers'), undefined);
  });
});
