import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isErpDeltaError } from '../../../src/errors/erp-delta-error.js';
import { resolveStackOptions, STACK_DEFAULTS } from '../../../src/stack/stack-options.js';

describe('stack options', () => {
  it('uses the documented defaults', () => {
    const options = resolveStackOptions();
    assert.deepEqual(options.ports, STACK_DEFAULTS.ports);
    assert.ok(options.dataDir.endsWith('.erp-delta/stack'));
  });

  it('lets a flag override one port and keeps the saved others', () => {
    const saved = resolveStackOptions({ dataDir: '/tmp/x', ports: { connect: 18083 } });
    const options = resolveStackOptions({ dataDir: '/tmp/x', ports: { kafka: 19092 } }, saved);
    assert.equal(options.ports.kafka, 19092);
    assert.equal(options.ports.connect, 18083);
  });

  it('names the bad key', () => {
    assert.throws(
      () => resolveStackOptions({ ports: { registry: 70000 } }),
      (error) => isErpDeltaError(error, 'INVALID_OPTION') && error.message.includes('"ports.registry"'),
    );
  });

  it('refuses two components on one port', () => {
    assert.throws(
      () => resolveStackOptions({ ports: { registry: 9092 } }),
      (error) => isErpDeltaError(error, 'INVALID_OPTION') && /"kafka" and "registry" are both 9092/.test(error.message),
    );
  });

  it('reports a corrupt saved stack.json by key', () => {
    assert.throws(
      () => resolveStackOptions({}, { dataDir: 'x', host: '127.0.0.1', ports: {}, postgres: {} }),
      (error) => isErpDeltaError(error, 'INVALID_OPTION') && error.message.includes('stack.json'),
    );
  });
});
