import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { resolveSecretReference } from '../../../src/config/secret-reference.js';
import { isErpDeltaError } from '../../../src/errors/erp-delta-error.js';

describe('resolveSecretReference', () => {
  it('reads ${env:NAME} and ${file:PATH} as the whole value, a file without its trailing newline', () => {
    process.env['ERP_DELTA_UNIT_SECRET'] = 'Bearer abc';
    assert.equal(resolveSecretReference('${env:ERP_DELTA_UNIT_SECRET}', 'delivery.headers.Authorization'), 'Bearer abc');
    const file = join(mkdtempSync(join(tmpdir(), 'erp-delta-secret-')), 'token');
    writeFileSync(file, 'from-a-file\n');
    assert.equal(resolveSecretReference(`\${file:${file}}`, 'delivery.headers.X-Api-Key'), 'from-a-file');
  });

  it('keeps any other value as it is', () => {
    for (const value of ['plain', 'Bearer ${env:X}', '${env:}', '${vault:x}']) assert.equal(resolveSecretReference(value, 'k'), value);
  });

  it('names the key and the variable or file that is missing, never a secret', () => {
    delete process.env['ERP_DELTA_UNIT_MISSING'];
    assert.throws(
      () => resolveSecretReference('${env:ERP_DELTA_UNIT_MISSING}', 'delivery.headers.Authorization'),
      (error: unknown) => isErpDeltaError(error, 'INVALID_CONFIG') && /delivery\.headers\.Authorization names the environment variable ERP_DELTA_UNIT_MISSING, which is not set/.test(error.message),
    );
    assert.throws(
      () => resolveSecretReference('${file:/nonexistent/erp-delta/token}', 'delivery.headers.Authorization'),
      (error: unknown) => isErpDeltaError(error, 'INVALID_CONFIG') && /names the file \/nonexistent\/erp-delta\/token, which cannot be read: ENOENT/.test(error.message),
    );
  });
});
