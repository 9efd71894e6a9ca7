import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from '../../support/cli.js';

describe('erp-delta run: the config is validated before anything connects', () => {
  const dir = mkdtempSync(join(tmpdir(), 'erp-delta-config-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 2 naming an unknown key and the file', async () => {
    const file = join(dir, 'unknown-key.yaml');
    writeFileSync(
      file,
      'kafka: { brokers: ["127.0.0.1:1"] }\nregistry: { url: "http://127.0.0.1:1" }\nentities:\n  customers:\n    topic: erp.public.customers\n    keyFields: [code]\n    fields:\n      code: { column: code, normalizer: text, colour: red }\n',
    );
    const result = await runCli(['run', '--config', file]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /entities\.customers\.fields\.code/);
    assert.match(result.stderr, /colour/);
    assert.ok(result.stderr.includes(file));
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  });

  it('exits 2 naming a key field that is not a field', async () => {
    const file = join(dir, 'bad-key.yaml');
    writeFileSync(
      file,
      'kafka: { brokers: ["127.0.0.1:1"] }\nregistry: { url: "http://127.0.0.1:1" }\nentities:\n  products:\n    topic: erp.public.products\n    keyFields: [sku]\n    fields:\n      code: { column: code, normalizer: text }\n',
    );
    const result = await runCli(['run', '--config', file]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /entities\.products\.keyFields/);
    assert.match(result.stderr, /sku/);
  });

  it('exits 1 with one line naming Kafka when no broker answers', async () => {
    const file = join(dir, 'no-kafka.yaml');
    writeFileSync(
      file,
      'kafka: { brokers: ["127.0.0.1:1"] }\nregistry: { url: "http://127.0.0.1:1" }\nentities:\n  products:\n    topic: erp.public.products\n    keyFields: [code]\n    fields:\n      code: { column: code, normalizer: text }\n',
    );
    const result = await runCli(['run', '--config', file], { timeoutMs: 120_000 });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /Kafka at 127\.0\.0\.1:1 cannot be reached/);
    assert.doesNotMatch(result.stderr, /\n\s+at /);
  });
});
