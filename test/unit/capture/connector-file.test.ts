import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fillPlaceholders, loadConnectorFiles, parseConnectorFile } from '../../../src/capture/connector-file.js';
import { isErpDeltaError } from '../../../src/errors/erp-delta-error.js';
import { projectFiles } from '../../../src/project-files.js';

describe('connector files', () => {
  it("fills placeholders with the stack's endpoints", () => {
    const connector = parseConnectorFile('c.json', JSON.stringify({ name: 'c', config: { 'database.hostname': '${postgres.host}', 'database.port': '${postgres.port}', 'tasks.max': 1 } }));
    const filled = fillPlaceholders(connector, { 'postgres.host': '127.0.0.1', 'postgres.port': '5433' });
    assert.deepEqual(filled.config, { 'database.hostname': '127.0.0.1', 'database.port': '5433', 'tasks.max': '1' });
  });

  it('names an unknown placeholder, its key and file', () => {
    const connector = parseConnectorFile('c.json', JSON.stringify({ name: 'c', config: { 'database.user': '${pg.user}' } }));
    assert.throws(
      () => fillPlaceholders(connector, { 'postgres.user': 'postgres' }),
      (error) => isErpDeltaError(error, 'CONNECTOR_PLACEHOLDER_UNKNOWN') && /c\.json: "database\.user" uses \$\{pg\.user\}/.test(error.message),
    );
  });

  it("refuses a file that is not JSON or not in Connect's format, naming the file", () => {
    assert.throws(
      () => parseConnectorFile('bad.json', '{'),
      (error) => isErpDeltaError(error, 'CONNECTOR_FILE_INVALID') && error.message.startsWith('bad.json'),
    );
    assert.throws(
      () => parseConnectorFile('bad.json', '{"name":"x"}'),
      (error) => isErpDeltaError(error, 'CONNECTOR_FILE_INVALID') && error.message.includes('"config"'),
    );
    assert.throws(
      () => parseConnectorFile('bad.json', '{"name":"x","config":{},"extra":1}'),
      (error) => isErpDeltaError(error, 'CONNECTOR_FILE_INVALID'),
    );
  });

  it('ships an ERP connector that captures the three ERP tables as the DESIGN wants', () => {
    const [erp] = loadConnectorFiles(projectFiles.connectorsDir);
    assert.ok(erp);
    assert.equal(erp.config['plugin.name'], 'pgoutput');
    assert.equal(erp.config['topic.prefix'], 'erp');
    assert.equal(erp.config['decimal.handling.mode'], 'string');
    assert.equal(erp.config['tombstones.on.delete'], 'true');
    assert.equal(erp.config['topic.creation.default.cleanup.policy'], 'compact');
    // The three ERP tables, and the heartbeat table whose writes keep the slot moving (docs/capture-health.md).
    assert.deepEqual(erp.config['table.include.list']?.split(','), ['public.customers', 'public.products', 'public.stock_levels', 'public.debezium_heartbeat']);
  });
});
