/**
 * Issue 21, part 3: `erp-delta config check` validates the config as a command would run with it
 * (ERP_DELTA__ variables applied, references read) and prints it with secrets masked. No Kafka:
 * nothing is connected to. Runs the built CLI (`npm run build` first, as `npm test` does).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { runCli } from '../../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'erp-delta-config-check-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const secretFile = join(dir, 'connect-password');
writeFileSync(secretFile, 'connect-secret-from-a-file\n');
const path = join(dir, 'erp-delta.yaml');
writeFileSync(
  path,
  stringifyYaml({
    kafka: { brokers: ['kafka:9092'] },
    registry: { url: 'http://registry:8081' },
    admin: { port: '${env:ERP_DELTA_UNIT_PORT}' },
    delivery: { headers: { Authorization: '${env:ERP_DELTA_UNIT_TOKEN}', 'X-Tenant': 'literal-tenant' } },
    capture: { connect: { url: 'http://connect:8083', user: 'erp-delta', password: `\${file:${secretFile}}` } },
    entities: { customers: { topic: 'erp.public.customers', keyFields: ['code'], fields: { code: { column: 'code', normalizer: 'text' } } } },
  }),
);

const env = { ERP_DELTA_UNIT_PORT: '9470', ERP_DELTA_UNIT_TOKEN: 'Bearer token-from-env' };

describe('erp-delta config check', () => {
  it('validates with the environment applied and prints the config, showing references, masking secrets', async () => {
    const result = await runCli(['config', 'check', '--config', path], { env: { ...env, ERP_DELTA__KAFKA__BROKERS: '["kafka-1:9093","kafka-2:9093"]', ERP_DELTA__KAFKA__CLIENTID: 'from-env' } });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^# .*erp-delta\.yaml is valid\./);
    assert.match(result.stdout, /^# ERP_DELTA__KAFKA__BROKERS sets kafka\.brokers\.$/m);
    for (const secret of ['token-from-env', 'connect-secret-from-a-file', 'literal-tenant']) assert.ok(!result.stdout.includes(secret), `${secret} is not printed`);
    // biome-ignore lint/suspicious/noExplicitAny: reaching into the printed YAML
    const printed = parseYaml(result.stdout) as Record<string, any>;
    assert.deepEqual(printed['kafka'], { brokers: ['kafka-1:9093', 'kafka-2:9093'], clientId: 'from-env', groupId: 'erp-delta', sessionTimeoutMs: 30000 });
    assert.equal(printed['admin'].port, '${env:ERP_DELTA_UNIT_PORT}');
    assert.deepEqual(printed['delivery'].headers, { Authorization: '${env:ERP_DELTA_UNIT_TOKEN}', 'X-Tenant': '***' });
    assert.equal(printed['capture'].connect.password, `\${file:${secretFile}}`);
    assert.equal(printed['delivery'].batchSize, 500, 'the defaults are filled in');
  });

  it('fails with exit code 2 and one line naming the key and the variable when a variable is not set', async () => {
    const result = await runCli(['config', 'check', '--config', path], { env: { ERP_DELTA_UNIT_PORT: '9470' } });
    assert.equal(result.code, 2);
    assert.equal(result.stdout, '');
    assert.equal(result.stderr, 'erp-delta: delivery.headers.Authorization names the environment variable ERP_DELTA_UNIT_TOKEN, which is not set.\n');
  });

  it('fails on a variable that names no key, and on a bad value, naming the key', async () => {
    const typo = await runCli(['config', 'check', '--config', path], { env: { ...env, ERP_DELTA__KAFKA__BROKER: 'kafka:9092' } });
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, /^erp-delta: ERP_DELTA__KAFKA__BROKER names kafka\.broker, which is not a config key: kafka holds brokers, /);
    const bad = await runCli(['config', 'check', '--config', path], { env: { ...env, ERP_DELTA_UNIT_PORT: 'ninety' } });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /"admin\.port" \(from \$\{env:ERP_DELTA_UNIT_PORT\}\) must be a number/);
  });

  it('leaves `config print` working on a machine without the secrets: it warns and shows the reference', async () => {
    const result = await runCli(['config', 'print', '--config', path], { env: { ERP_DELTA_UNIT_PORT: '9470' } });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /warning: delivery\.headers\.Authorization names the environment variable ERP_DELTA_UNIT_TOKEN, which is not set\./);
    // biome-ignore lint/suspicious/noExplicitAny: as above
    const printed = parseYaml(result.stdout) as Record<string, any>;
    assert.equal(printed['delivery'].headers.Authorization, '${env:ERP_DELTA_UNIT_TOKEN}');
  });
});
