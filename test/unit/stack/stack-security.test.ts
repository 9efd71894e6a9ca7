/**
 * Issue 21: the secured local stack's options (`--secure`, `--only`, its extra ports) and what it
 * makes (CA, certificates, password, the broker's listeners), without starting anything.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isErpDeltaError } from '../../../src/errors/erp-delta-error.js';
import { stackLayout } from '../../../src/stack/stack-layout.js';
import { resolveStackOptions, STACK_DEFAULTS } from '../../../src/stack/stack-options.js';
import { ensureStackSecurity, kafkaBootstrapForStack, kafkaScramArguments, secureServerProperties, stackKafkaPassword } from '../../../src/stack/stack-security.js';

describe('stack options: --secure and --only', () => {
  it('keeps the plain stack the default, with every component', () => {
    const options = resolveStackOptions({ dataDir: '/tmp/plain' });
    assert.equal(options.secure, false);
    assert.deepEqual(options.components, ['kafka', 'connect', 'registry', 'postgres']);
    assert.equal(kafkaBootstrapForStack(options), `127.0.0.1:${STACK_DEFAULTS.ports.kafka}`);
  });

  it('stays secured once saved so, and remembers --only', () => {
    const saved = resolveStackOptions({ dataDir: '/tmp/secure', secure: true, components: ['kafka'] });
    const again = resolveStackOptions({ dataDir: '/tmp/secure' }, JSON.parse(JSON.stringify(saved)));
    assert.equal(again.secure, true);
    assert.deepEqual(again.components, ['kafka']);
    // The stack's Connect reaches Kafka through the internal plaintext listener.
    assert.equal(kafkaBootstrapForStack(again), `127.0.0.1:${STACK_DEFAULTS.ports.kafkaInternal}`);
  });

  it('reads a stack.json written before the secured stack existed', () => {
    const old = {
      dataDir: '/tmp/old',
      libDir: '/tmp/lib',
      host: '127.0.0.1',
      ports: { kafka: 9092, kafkaController: 9093, connect: 8083, registry: 8081, registryManagement: 8085, postgres: 5433 },
      postgres: { user: 'postgres', database: 'erp' },
    };
    const options = resolveStackOptions({}, old);
    assert.equal(options.secure, false);
    assert.equal(options.ports.kafkaInternal, STACK_DEFAULTS.ports.kafkaInternal);
  });

  it('checks the secured ports for clashes only when secured', () => {
    assert.equal(resolveStackOptions({ dataDir: '/tmp/p', ports: { kafka: 9094 } }).ports.kafka, 9094);
    assert.throws(
      () => resolveStackOptions({ dataDir: '/tmp/s', secure: true, ports: { kafka: 9094 } }),
      (error) => isErpDeltaError(error, 'INVALID_OPTION') && /"kafka" and "kafkaInternal" are both 9094/.test(error.message),
    );
  });

  it('refuses Connect without Kafka', () => {
    assert.throws(
      () => resolveStackOptions({ dataDir: '/tmp/c', components: ['connect', 'registry'] }),
      (error) => isErpDeltaError(error, 'INVALID_OPTION') && /Kafka Connect needs the stack's Kafka/.test(error.message),
    );
  });
});

describe('stack security: what a secured stack makes', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'erp-delta-secure-stack-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));
  const options = resolveStackOptions({ dataDir, secure: true, ports: { kafka: 39192, kafkaSsl: 39195, kafkaInternal: 39194, kafkaController: 39193 } });
  const layout = stackLayout(options.dataDir, options.libDir);

  it("makes a CA, a broker certificate for the stack's host, a client certificate and a password, once", async () => {
    const files = await ensureStackSecurity(options, layout, () => undefined);
    const ca = new X509Certificate(readFileSync(files.caCert));
    const keystore = readFileSync(files.brokerKeystore, 'utf8');
    assert.match(keystore, /^-----BEGIN PRIVATE KEY-----/, "PKCS#8, as Kafka's PEM keystore reads it");
    const broker = new X509Certificate(keystore.slice(keystore.indexOf('-----BEGIN CERTIFICATE-----')));
    assert.ok(broker.verify(ca.publicKey), "the CA signed the broker's certificate");
    assert.ok(broker.checkIP('127.0.0.1') && broker.checkHost('localhost'));
    const client = new X509Certificate(readFileSync(files.clientCert));
    assert.ok(client.verify(ca.publicKey));
    assert.match(client.subject, /CN=erp-delta/);
    for (const secret of [files.passwordFile, files.brokerKeystore, files.clientKey, files.caKey]) assert.equal(statSync(secret).mode & 0o077, 0, `${secret} is the user's alone`);
    const password = stackKafkaPassword(layout);
    assert.ok(password.length >= 20);

    await ensureStackSecurity(options, layout, () => undefined);
    assert.equal(stackKafkaPassword(layout), password, 'kept: the SCRAM users were made with it');
    assert.equal(new X509Certificate(readFileSync(files.caCert)).fingerprint256, ca.fingerprint256, 'the CA is kept: configs name it');
    const section = readFileSync(files.kafkaConfigFile, 'utf8');
    assert.match(section, /brokers: \["127\.0\.0\.1:39192"\]/);
    assert.ok(section.includes(`password: "\${file:${files.passwordFile}}"`));
  });

  it('gives the broker a SASL_SSL listener, a mutual-TLS one and an internal plaintext one, and SCRAM users per mechanism', async () => {
    const files = await ensureStackSecurity(options, layout, () => undefined);
    const properties = secureServerProperties(options, files, 'pw');
    assert.match(properties, /^listeners=SASL_SSL:\/\/127\.0\.0\.1:39192,SSL:\/\/127\.0\.0\.1:39195,INTERNAL:\/\/127\.0\.0\.1:39194,CONTROLLER:\/\/127\.0\.0\.1:39193$/m);
    assert.match(properties, /^listener\.name\.ssl\.ssl\.client\.auth=required$/m);
    assert.match(properties, /^listener\.name\.sasl_ssl\.sasl\.enabled\.mechanisms=SCRAM-SHA-512,SCRAM-SHA-256,PLAIN,OAUTHBEARER$/m);
    assert.match(properties, /^ssl\.keystore\.type=PEM$/m);
    assert.deepEqual(kafkaScramArguments('pw'), ['--add-scram', 'SCRAM-SHA-512=[name=erp-delta,password=pw]', '--add-scram', 'SCRAM-SHA-256=[name=erp-delta,password=pw]']);
  });
});
