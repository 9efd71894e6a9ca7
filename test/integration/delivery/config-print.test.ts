/**
 * Issue 20, part 3: header values are never shown; `erp-delta config print` shows the effective
 * config (validated, defaults filled in) with them and any other secret masked.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { runCli } from '../../support/cli.js';

describe('erp-delta config print', () => {
  const dir = mkdtempSync(join(tmpdir(), 'erp-delta-config-print-'));
  const path = join(dir, 'erp-delta.yaml');
  writeFileSync(
    path,
    stringifyYaml({
      kafka: { brokers: ['kafka:9092'] },
      registry: { url: 'https://svc:registry-pass-7@registry:8081' },
      delivery: {
        target: 'https://import.example.com',
        headers: { Authorization: 'Bearer literal-token-123', 'X-Api-Key': '${env:TARGET_API_KEY}' },
        maxRequestsPerSecond: 10,
        deletes: { customers: { path: '/customers/{key}' } },
      },
      entities: { customers: { topic: 'erp.public.customers', keyFields: ['code'], fields: { code: { column: 'code', normalizer: 'text' } } } },
    }),
  );

  it('prints the validated config with its defaults, and no secret', async () => {
    const result = await runCli(['config', 'print', '--config', path]);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(!result.stdout.includes('literal-token-123') && !result.stdout.includes('registry-pass-7'), result.stdout);
    const printed = parseYaml(result.stdout) as { delivery: Record<string, unknown>; registry: { url: string }; refresh: { loaderGroupId: string } };
    assert.deepEqual(printed.delivery['headers'], { Authorization: '***', 'X-Api-Key': '${env:TARGET_API_KEY}' }, 'where a secret comes from is shown, a literal one is not');
    assert.equal(printed.registry.url, 'https://svc:***@registry:8081/');
    assert.equal(printed.delivery['batchSize'], 500, 'the defaults are filled in');
    assert.deepEqual(printed.delivery['deletes'], { customers: { method: 'DELETE', path: '/customers/{key}' } });
    assert.equal(printed.refresh.loaderGroupId, 'erp-delta-loader');
    const json = await runCli(['config', 'print', '--json', '--config', path]);
    assert.equal((JSON.parse(json.stdout) as { delivery: { headers: Record<string, string> } }).delivery.headers['Authorization'], '***');
    // What it prints is a config file: read back, it prints the same.
    const printedPath = join(dir, 'printed.yaml');
    writeFileSync(printedPath, result.stdout);
    const again = await runCli(['config', 'print', '--config', printedPath]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout.split('\n').slice(1).join('\n'), result.stdout.split('\n').slice(1).join('\n'));
  });

  it('stops at a bad config, naming the key, as every command does', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, stringifyYaml({ kafka: { brokers: ['kafka:9092'] }, registry: { url: 'http://r:8081' }, delivery: { maxBodyBytes: 10 }, entities: {} }));
    const result = await runCli(['config', 'print', '--config', bad]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /"delivery\.maxBodyBytes" must be at least 1024/);
  });
});
