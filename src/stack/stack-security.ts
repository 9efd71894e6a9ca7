import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ErpDeltaError } from '../errors/erp-delta-error.js';
import type { StackLayout } from './stack-layout.js';
import type { StackOptions } from './stack-options.js';

const run = promisify(execFile);

/** The one user of the secured stack: SCRAM-SHA-512, SCRAM-SHA-256 and PLAIN, with one password. */
export const STACK_KAFKA_USER = 'erp-delta';

/** What the secured broker's SASL_SSL listener offers, as `stack status` says it. */
export const STACK_SASL_MECHANISMS = ['SCRAM-SHA-512', 'SCRAM-SHA-256', 'PLAIN', 'OAUTHBEARER'] as const;

/**
 * Where a secured stack keeps what it made: `<data-dir>/secure/`. Kept across `down` and `up`, like
 * the broker's data: the SCRAM users live in the broker's storage, formatted once with this
 * password, and every config written for the stack names these files.
 */
export interface StackSecurityFiles {
  dir: string;
  /** The CA that signed the broker's and the client's certificates: a config's `kafka.ssl.ca`. */
  caCert: string;
  caKey: string;
  /** The broker's key and certificate in one PEM file, as Kafka's `ssl.keystore.type=PEM` reads it. */
  brokerKeystore: string;
  /** A client certificate (CN=erp-delta) and its key, for the mutual-TLS listener. */
  clientCert: string;
  clientKey: string;
  /** The user's password, alone in a file (mode 0600), for `${file:...}` in a config. */
  passwordFile: string;
  /** A `kafka:` section for the stack (SCRAM-SHA-512 over TLS) to paste into a config. */
  kafkaConfigFile: string;
}

export function stackSecurityFiles(layout: StackLayout): StackSecurityFiles {
  const dir = join(layout.dataDir, 'secure');
  return {
    dir,
    caCert: join(dir, 'ca.pem'),
    caKey: join(dir, 'ca.key'),
    brokerKeystore: join(dir, 'broker-keystore.pem'),
    clientCert: join(dir, 'client.pem'),
    clientKey: join(dir, 'client.key'),
    passwordFile: join(dir, `${STACK_KAFKA_USER}.password`),
    kafkaConfigFile: join(dir, 'kafka-config.yaml'),
  };
}

/** The secured stack's listeners, by what connects to them. */
export interface StackKafkaListeners {
  /** SASL over TLS: what erp-delta's config names (`stack status`'s bootstrap). */
  saslSsl: string;
  /** TLS with a client certificate required (mutual TLS), no SASL. */
  ssl: string;
  /** Plaintext, for the stack's own Connect and Debezium (see kafkaBootstrapForStack). */
  internal: string;
}

export function stackKafkaListeners(options: StackOptions): StackKafkaListeners {
  return {
    saslSsl: `${options.host}:${options.ports.kafka}`,
    ssl: `${options.host}:${options.ports.kafkaSsl}`,
    internal: `${options.host}:${options.ports.kafkaInternal}`,
  };
}

/**
 * Where the stack's own Connect (its worker and Debezium's signal and schema clients) reaches
 * Kafka. A secured stack gives them a plaintext listener of their own on the host's loopback
 * rather than the SASL_SSL one: Connect would need the SASL and TLS settings repeated for the
 * worker and under its producer., consumer. and admin. prefixes, and every connector file for its
 * signal and notification clients, all to test nothing of erp-delta. erp-delta's clients never
 * use it; a production Connect is configured by its own operators.
 */
export function kafkaBootstrapForStack(options: StackOptions): string {
  return options.secure ? stackKafkaListeners(options).internal : `${options.host}:${options.ports.kafka}`;
}

/** What a config needs to use the secured stack, as `stack up` and `stack status` print it. */
export interface StackKafkaSecurity {
  listeners: StackKafkaListeners;
  mechanisms: readonly string[];
  username: string;
  passwordFile: string;
  caCert: string;
  clientCert: string;
  clientKey: string;
  kafkaConfigFile: string;
}

export function stackKafkaSecurity(options: StackOptions, layout: StackLayout): StackKafkaSecurity {
  const files = stackSecurityFiles(layout);
  return {
    listeners: stackKafkaListeners(options),
    mechanisms: STACK_SASL_MECHANISMS,
    username: STACK_KAFKA_USER,
    passwordFile: files.passwordFile,
    caCert: files.caCert,
    clientCert: files.clientCert,
    clientKey: files.clientKey,
    kafkaConfigFile: files.kafkaConfigFile,
  };
}

/** The user's password, made at the first secured `up`. */
export function stackKafkaPassword(layout: StackLayout): string {
  return readFileSync(stackSecurityFiles(layout).passwordFile, 'utf8').trim();
}

/**
 * Makes, once, what a secured stack needs (idempotent: what exists is kept): a CA, the broker's
 * certificate for the stack's host (and localhost, 127.0.0.1), a client certificate, the user's
 * password and a config section that uses them. With OpenSSL, which every platform the stack runs
 * on has; the JDK's keytool cannot write a private key as PEM, which Node needs. Keys are EC P-256:
 * quick to make, and every TLS stack involved (Node, the JDK) takes them.
 */
export async function ensureStackSecurity(options: StackOptions, layout: StackLayout, progress: (line: string) => void): Promise<StackSecurityFiles> {
  const files = stackSecurityFiles(layout);
  mkdirSync(files.dir, { recursive: true, mode: 0o700 });
  if (!existsSync(files.passwordFile)) writeSecret(files.passwordFile, `${randomBytes(18).toString('base64url')}\n`);
  if (!existsSync(files.caCert) || !existsSync(files.brokerKeystore) || !existsSync(files.clientCert)) {
    progress(`kafka: making a CA and certificates in ${files.dir} (secured stack)`);
    await makeCertificates(files, options.host);
  }
  writeFileSync(files.kafkaConfigFile, kafkaConfigSection(options, files));
  return files;
}

async function makeCertificates(files: StackSecurityFiles, host: string): Promise<void> {
  const dir = files.dir;
  const openssl = async (...args: string[]): Promise<void> => {
    try {
      await run('openssl', args, { cwd: dir });
    } catch (error) {
      const failure = error as NodeJS.ErrnoException & { stderr?: string };
      if (failure.code === 'ENOENT') {
        throw new ErpDeltaError('PREREQUISITE_MISSING', 'openssl was not found: a secured stack makes its CA and certificates with it.', {
          hint: 'Install OpenSSL (Debian: apt-get install openssl), or start the stack without --secure.',
        });
      }
      throw new ErpDeltaError('COMPONENT_START_FAILED', `openssl ${args[0] ?? ''} failed while making the secured stack's certificates: ${(failure.stderr ?? failure.message).trim()}`, {
        cause: error,
      });
    }
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  // Ten years: a local stack's CA that expires in the middle of someone's work helps nobody.
  const days = '3650';
  await openssl(
    'req',
    '-x509',
    ...ec,
    '-days',
    days,
    '-subj',
    '/CN=erp-delta local stack CA',
    '-keyout',
    files.caKey,
    '-out',
    files.caCert,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  );
  const names = [...new Set(['DNS:localhost', 'IP:127.0.0.1', isIP(host) === 0 ? `DNS:${host}` : `IP:${host}`])];
  const sign = async (name: string, subject: string, extensions: string): Promise<void> => {
    const key = join(dir, `${name}.key`);
    await openssl('req', ...ec, '-subj', subject, '-keyout', key, '-out', join(dir, `${name}.csr`));
    writeFileSync(join(dir, `${name}.ext`), extensions);
    await openssl(
      'x509',
      '-req',
      '-in',
      join(dir, `${name}.csr`),
      '-CA',
      files.caCert,
      '-CAkey',
      files.caKey,
      '-CAcreateserial',
      '-days',
      days,
      '-out',
      join(dir, `${name}.pem`),
      '-extfile',
      join(dir, `${name}.ext`),
    );
    chmodSync(key, 0o600);
  };
  await sign('broker', '/CN=erp-delta local stack broker', `subjectAltName=${names.join(',')}\nextendedKeyUsage=serverAuth\n`);
  await sign('client', `/CN=${STACK_KAFKA_USER}`, 'extendedKeyUsage=clientAuth\n');
  // Kafka's PEM keystore: the private key (PKCS#8, which openssl 3 writes) and the certificate chain.
  writeSecret(files.brokerKeystore, `${readFileSync(join(dir, 'broker.key'), 'utf8')}${readFileSync(join(dir, 'broker.pem'), 'utf8')}`);
  chmodSync(files.caKey, 0o600);
}

function writeSecret(path: string, text: string): void {
  writeFileSync(path, text, { mode: 0o600 });
  chmodSync(path, 0o600);
}

function kafkaConfigSection(options: StackOptions, files: StackSecurityFiles): string {
  const { saslSsl } = stackKafkaListeners(options);
  return `# The kafka section of an erp-delta config for the secured local stack in ${options.dataDir}:
# SCRAM-SHA-512 over TLS, the password read from its file when erp-delta starts.
# Written by erp-delta stack up --secure; docs/security.md has the other ways in (mTLS, PLAIN).
kafka:
  brokers: ["${saslSsl}"]
  ssl:
    ca: ${JSON.stringify(files.caCert)}
  sasl:
    mechanism: scram-sha-512
    username: ${STACK_KAFKA_USER}
    password: ${JSON.stringify(`\${file:${files.passwordFile}}`)}
`;
}

/**
 * The secured broker's listeners and SASL settings, for server.properties. The SCRAM users are
 * made when the storage is formatted (kafkaScramArguments); PLAIN's user is in its JAAS line;
 * OAUTHBEARER takes Kafka's unsecured tokens (an unsigned JWT whose `sub` is the user), which is
 * enough to try erp-delta's token file and says nothing about a real identity provider.
 */
export function secureServerProperties(options: StackOptions, files: StackSecurityFiles, password: string): string {
  const { host } = options;
  const { kafka, kafkaSsl, kafkaInternal, kafkaController } = options.ports;
  const jaas = (module: string, extra = ''): string => `org.apache.kafka.common.security.${module} required${extra};`;
  return `listeners=SASL_SSL://${host}:${kafka},SSL://${host}:${kafkaSsl},INTERNAL://${host}:${kafkaInternal},CONTROLLER://${host}:${kafkaController}
advertised.listeners=SASL_SSL://${host}:${kafka},SSL://${host}:${kafkaSsl},INTERNAL://${host}:${kafkaInternal}
listener.security.protocol.map=SASL_SSL:SASL_SSL,SSL:SSL,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
# The stack's own Connect, and the broker itself, use the plaintext listener (stack-security.ts says why).
inter.broker.listener.name=INTERNAL
ssl.keystore.type=PEM
ssl.keystore.location=${files.brokerKeystore}
ssl.truststore.type=PEM
ssl.truststore.location=${files.caCert}
# Mutual TLS: the SSL listener takes only clients with a certificate the stack's CA signed.
listener.name.ssl.ssl.client.auth=required
listener.name.sasl_ssl.sasl.enabled.mechanisms=${STACK_SASL_MECHANISMS.join(',')}
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=${jaas('scram.ScramLoginModule')}
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=${jaas('scram.ScramLoginModule')}
listener.name.sasl_ssl.plain.sasl.jaas.config=${jaas('plain.PlainLoginModule', ` user_${STACK_KAFKA_USER}="${password}"`)}
listener.name.sasl_ssl.oauthbearer.sasl.jaas.config=${jaas('oauthbearer.OAuthBearerLoginModule', ` unsecuredLoginStringClaim_sub="${STACK_KAFKA_USER}"`)}
`;
}

/** `kafka-storage format` arguments that make the SCRAM users, one credential per mechanism. */
export function kafkaScramArguments(password: string): string[] {
  return ['SCRAM-SHA-512', 'SCRAM-SHA-256'].flatMap((mechanism) => ['--add-scram', `${mechanism}=[name=${STACK_KAFKA_USER},password=${password}]`]);
}
