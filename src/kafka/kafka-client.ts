import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { connect as connectTls } from 'node:tls';
import kafkajs, {
  Kafka,
  logLevel,
  type Admin,
  type AdminConfig,
  type Consumer,
  type ConsumerConfig,
  type ISocketFactory,
  type KafkaConfig,
  type Mechanism,
  type Producer,
  type ProducerConfig,
  type SASLOptions,
} from 'kafkajs';
import { resolveSecretReference } from '../config/secret-reference.js';
import { readTlsMaterial, tlsProblem } from '../config/tls-material.js';
import type { TrackerConfig } from '../config/tracker-config.js';
import { ErpDeltaError, isErpDeltaError } from '../errors/erp-delta-error.js';
import type { Logger } from '../logging/logger.js';
import { exactAssigner } from './exact-assigner.js';
import { KafkajsGroupConsumer } from './group-consumer.js';
import type { GroupConsumer, KafkaAdmin, KafkaClients, KafkaProducer, PartitionReader, PartitionReaderOptions, TransactionalProducer } from './kafka-port.js';
import { kafkajsLogSeverity } from './kafkajs-log-severity.js';
import { KafkajsPartitionReader } from './partition-reader.js';
import { type PlatformaticConnection, platformaticTransactionalProducer } from './platformatic-producer.js';

// kafkajs is CommonJS: its error classes and partitioners are reachable through the default export
// only. Its types declare this error's constructor without the message its code takes (errors.js).
const KafkaJSSASLAuthenticationError = kafkajs.KafkaJSSASLAuthenticationError as unknown as new (message: string) => Error;
const { Partitioners } = kafkajs;

/**
 * What a Kafka client needs of the config's `kafka` section: where the brokers are, the client id,
 * and how to connect (`ssl`, `sasl`). The group id is the caller's business.
 */
export type KafkaConnection = Pick<TrackerConfig['kafka'], 'brokers' | 'clientId'> & Partial<Pick<TrackerConfig['kafka'], 'ssl' | 'sasl' | 'sessionTimeoutMs'>>;

/** Timings for a client that must not wait as long as a service does (a probe, a bench, a test). */
export interface KafkaClientTuning {
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Retries of a failed request (kafkajs's default: 5). */
  retries?: number;
}

/**
 * Every client erp-delta makes of the config's cluster (kafka-port.ts), each with its options
 * named once, here. The port the rest of the code sees.
 */
export function kafkaClients(kafka: KafkaConnection, logger: Logger | undefined, tuning: KafkaClientTuning = {}): KafkaClients {
  return new KafkajsClients(kafkajsClient(kafka, logger, tuning), kafka.brokers, groupTimings(kafka.sessionTimeoutMs), () => platformaticConnection(kafka, tuning));
}

/**
 * The same cluster, TLS and SASL for the transactional producers' client. Made when the first
 * producer is (most commands make none); kafkajsClient has read the same PEM files and secrets at
 * start, so a bad one has stopped the command before.
 */
function platformaticConnection(kafka: KafkaConnection, tuning: KafkaClientTuning): PlatformaticConnection {
  const { sasl } = kafka;
  return {
    clientId: kafka.clientId,
    brokers: kafka.brokers,
    tls: kafka.ssl === undefined ? undefined : { ...readTlsMaterial(kafka.ssl, 'kafka.ssl'), rejectUnauthorized: kafka.ssl.rejectUnauthorized },
    sasl:
      sasl === undefined
        ? undefined
        : sasl.mechanism === 'oauthbearer'
          ? { mechanism: 'oauthbearer', token: () => readToken(sasl.tokenFile) }
          : { mechanism: sasl.mechanism, username: resolveSecretReference(sasl.username, 'kafka.sasl.username'), password: resolveSecretReference(sasl.password, 'kafka.sasl.password') },
    connectionTimeoutMs: tuning.connectionTimeoutMs,
    requestTimeoutMs: tuning.requestTimeoutMs,
  };
}

/** kafkajs's default heartbeat interval: also the longest erp-delta uses. */
const MAX_HEARTBEAT_INTERVAL_MS = 3_000;

/**
 * A group member's session timeout and heartbeat interval: a third of the session (as Kafka
 * recommends, so that two heartbeats may be lost without losing the membership), at most kafkajs's
 * default 3 s. Undefined: kafkajs's defaults (30 s, 3 s).
 */
export function groupTimings(sessionTimeoutMs: number | undefined): Pick<ConsumerConfig, 'sessionTimeout' | 'heartbeatInterval'> {
  if (sessionTimeoutMs === undefined) return {};
  return { sessionTimeout: sessionTimeoutMs, heartbeatInterval: Math.max(1, Math.min(MAX_HEARTBEAT_INTERVAL_MS, Math.floor(sessionTimeoutMs / 3))) };
}

/**
 * The kafkajs client behind kafkaClients, for every client erp-delta makes (tracker, loader, CLI
 * commands, the secured stack's probe) and for the tests and bench that drive Kafka directly: the
 * config's brokers, TLS and SASL, and kafkajs's log through pino (no logger: kafkajs says nothing;
 * the caller reports what fails).
 *
 * The PEM files and secrets are read here, when a command starts, so that a file that cannot be
 * read stops it naming the key. A client's `connect()` that fails over credentials or a
 * certificate throws KAFKA_AUTH_FAILED or KAFKA_TLS_FAILED, naming the brokers, the mechanism and
 * what to check: kafkajs's own errors name neither the broker nor the config key.
 */
export function kafkajsClient(kafka: KafkaConnection, logger: Logger | undefined, tuning: KafkaClientTuning = {}): Kafka {
  const config: KafkaConfig = {
    clientId: kafka.clientId,
    brokers: [...kafka.brokers],
    ...kafkaSecurity(kafka),
    ...(tuning.connectionTimeoutMs === undefined ? {} : { connectionTimeout: tuning.connectionTimeoutMs }),
    ...(tuning.requestTimeoutMs === undefined ? {} : { requestTimeout: tuning.requestTimeoutMs }),
    ...(tuning.retries === undefined ? {} : { retry: { retries: tuning.retries } }),
    logLevel: logger === undefined ? logLevel.NOTHING : logLevel.WARN,
    ...(logger === undefined
      ? {}
      : {
          logCreator:
            () =>
            ({ namespace, level, log }) => {
              const { message, ...extra } = log;
              logger[kafkajsLogSeverity(namespace, level, message, extra)]({ kafkajs: namespace, ...extra }, message);
            },
        }),
  };
  return new ConfiguredKafka(config, kafka);
}

/** kafkajs's `ssl` and `sasl` options from the config's, secrets and PEM files read. */
export function kafkaSecurity(kafka: KafkaConnection): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  const security: Pick<KafkaConfig, 'ssl' | 'sasl'> = {};
  if (kafka.ssl !== undefined) security.ssl = { ...readTlsMaterial(kafka.ssl, 'kafka.ssl'), rejectUnauthorized: kafka.ssl.rejectUnauthorized };
  if (kafka.sasl !== undefined) security.sasl = saslOptions(kafka.sasl);
  return security;
}

function saslOptions(sasl: NonNullable<KafkaConnection['sasl']>): SASLOptions | Mechanism {
  if (sasl.mechanism === 'oauthbearer') {
    readToken(sasl.tokenFile);
    return oauthBearer(sasl.tokenFile);
  }
  // One object for the three mechanisms that take a user and a password: kafkajs's type lists them one by one.
  return {
    mechanism: sasl.mechanism,
    username: resolveSecretReference(sasl.username, 'kafka.sasl.username'),
    password: resolveSecretReference(sasl.password, 'kafka.sasl.password'),
  } as SASLOptions;
}

const SOH = '\u0001';

/**
 * OAUTHBEARER (RFC 7628) as a custom mechanism, kafkajs's public way to bring one. kafkajs's own
 * takes the server's answer to a refused token (an error challenge, which the client must
 * acknowledge before the server says "failed") for success: the connection then fails at its
 * first request, and the client retries for seconds before saying "no brokers". This one
 * acknowledges the challenge and fails the authentication with the server's reason.
 *
 * The token file is read at every authentication (each new connection, and each re-authentication
 * the broker's `connections.max.reauth.ms` asks for): the token in the file now is the one sent,
 * so a file that something else keeps fresh keeps erp-delta connected.
 */
function oauthBearer(tokenFile: string): Mechanism {
  const bytes = (text: string): Buffer => {
    const body = Buffer.from(text, 'utf8');
    const length = Buffer.alloc(4);
    length.writeInt32BE(body.length);
    return Buffer.concat([length, body]);
  };
  // The server's bytes come length-prefixed, as kafkajs hands them to every mechanism.
  const challenge = { decode: (raw: Buffer) => raw.subarray(4, 4 + Math.max(0, raw.readInt32BE(0))), parse: (data: Buffer) => data.toString('utf8') };
  return {
    mechanism: 'oauthbearer',
    authenticationProvider: ({ saslAuthenticate }) => ({
      authenticate: async () => {
        const token = readToken(tokenFile);
        const answer = await saslAuthenticate({ request: { encode: () => bytes(`n,,${SOH}auth=Bearer ${token}${SOH}${SOH}`) }, response: challenge });
        if (typeof answer !== 'string' || answer === '') return;
        // An error challenge ({"status":"invalid_token"}): acknowledged, the server then refuses.
        let reason = answer;
        try {
          await saslAuthenticate({ request: { encode: () => bytes(SOH) } });
        } catch (error) {
          // The server's message, usually the challenge again ({"status":"invalid_token"}).
          reason = (error as Error).message || answer;
        }
        throw new KafkaJSSASLAuthenticationError(`SASL OAUTHBEARER authentication failed: ${reason}`);
      },
    }),
  };
}

function readToken(tokenFile: string): string {
  let token: string;
  try {
    token = readFileSync(tokenFile, 'utf8').trim();
  } catch (error) {
    throw new ErpDeltaError('INVALID_CONFIG', `kafka.sasl.tokenFile names the file ${tokenFile}, which cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`, {
      cause: error,
    });
  }
  if (token === '') throw new ErpDeltaError('INVALID_CONFIG', `kafka.sasl.tokenFile names the file ${tokenFile}, which is empty: it must hold the OAuth bearer token (a JWT).`);
  return token;
}

/**
 * A kafkajs client whose producers, consumers and admins say clearly why they could not connect
 * when it is the credentials or a certificate. Only `connect()` is wrapped, through kafkajs's
 * public factory methods; everything else is kafkajs's.
 */
class ConfiguredKafka extends Kafka {
  private readonly tlsWatch: TlsFailureWatch;

  constructor(
    config: KafkaConfig,
    private readonly connection: KafkaConnection,
  ) {
    const tlsWatch = new TlsFailureWatch();
    const brokers = [...connection.brokers];
    super(
      config.ssl === undefined
        ? config
        : {
            ...config,
            socketFactory: tlsWatch.socketFactory,
            // kafkajs retries a connection that failed over TLS as it retries one to a broker that is
            // down, for about ten seconds, and only then says why (and a command that failed meanwhile
            // cannot exit before). A certificate not trusted now will not be in ten seconds: once one
            // failed, the list of brokers kafkajs asks for before each new attempt is empty, which
            // kafkajs refuses at once as not retriable. The client has failed for good; connect() says why.
            brokers: () => (tlsWatch.failure === undefined ? brokers : []),
          },
    );
    this.tlsWatch = tlsWatch;
  }

  override producer(config?: ProducerConfig): Producer {
    return this.explainingConnect(super.producer(config));
  }

  override consumer(config: ConsumerConfig): Consumer {
    return this.explainingConnect(super.consumer(config));
  }

  override admin(config?: AdminConfig): Admin {
    return this.explainingConnect(super.admin(config));
  }

  private explainingConnect<T extends { connect(): Promise<void> }>(client: T): T {
    const connect = client.connect.bind(client);
    client.connect = async () => {
      try {
        await connect();
      } catch (error) {
        throw kafkaConnectFailure(this.tlsWatch.failure ?? error, this.connection) ?? error;
      }
    };
    return client;
  }
}

/**
 * kafkajs's own socket factory (`socketFactory` is its public option for this), which also keeps
 * the first TLS failure over a certificate, with the broker it happened with.
 */
class TlsFailureWatch {
  failure: Error | undefined;

  readonly socketFactory: ISocketFactory = ({ host, port, ssl, onConnect }) => {
    const socket = connectTls({ host, port, ...(isIP(host) === 0 ? { servername: host } : {}), ...ssl }, onConnect);
    // kafkajs's default keeps connections alive the same way.
    socket.setKeepAlive(true, 60_000);
    socket.on('error', (error) => {
      if (this.failure !== undefined || tlsProblem(error) === undefined) return;
      this.failure = Object.assign(new Error(`Connection error: ${error.message}`, { cause: error }), { broker: `${host}:${port}` });
    });
    return socket;
  };
}

/**
 * KAFKA_AUTH_FAILED for credentials the brokers refused, KAFKA_TLS_FAILED for a TLS handshake that
 * failed over a certificate (the broker's not trusted, or the client's refused); undefined for
 * anything else (a broker down is retried by its caller). Neither passes by waiting: not retriable.
 */
export function kafkaConnectFailure(error: unknown, connection: KafkaConnection): ErpDeltaError | undefined {
  if (isErpDeltaError(error)) return error;
  const brokers = connection.brokers.join(', ');
  for (let cause = error, depth = 0; cause instanceof Error && depth < 5; cause = cause.cause, depth += 1) {
    if (cause.name === 'KafkaJSSASLAuthenticationError') {
      const sasl = connection.sasl;
      const mechanism = (sasl?.mechanism ?? 'none').toUpperCase();
      const who = sasl === undefined || sasl.mechanism === 'oauthbearer' ? '' : ` of user "${resolveSecretReference(sasl.username, 'kafka.sasl.username')}"`;
      // kafkajs's message repeats the mechanism ("SASL SCRAM SHA512 authentication failed: ..."): the broker's words stay.
      const said = cause.message.replace(/^SASL [\w -]+? authentication failed: /i, '').replace(/\.$/, '');
      return new ErpDeltaError('KAFKA_AUTH_FAILED', `Kafka at ${brokers} refused the SASL ${mechanism} authentication${who}: ${said}.`, {
        cause: error,
        hint:
          sasl?.mechanism === 'oauthbearer'
            ? `Check the token in ${sasl.tokenFile} (not expired, for this cluster).`
            : sasl?.mechanism === 'plain'
              ? 'Check kafka.sasl.username and kafka.sasl.password.'
              : `Check kafka.sasl.username and kafka.sasl.password, and that the user has a ${mechanism} credential on the cluster: SCRAM-SHA-256 and SCRAM-SHA-512 are two credentials.`,
      });
    }
  }
  const problem = tlsProblem(error);
  if (problem !== undefined) {
    const broker = brokerOf(error) ?? brokers;
    const unverified = !/ERR_SSL_/.test(problem);
    return new ErpDeltaError(
      'KAFKA_TLS_FAILED',
      unverified
        ? `The TLS connection to Kafka at ${broker} failed: the broker's certificate could not be verified (${problem.replace(/^Connection error: /, '')}).`
        : `The TLS connection to Kafka at ${broker} failed: the broker ended the handshake${alertOf(problem)}.`,
      {
        cause: error,
        hint: unverified
          ? connection.ssl?.ca === undefined
            ? "Set kafka.ssl.ca to the PEM file of the CA that signed the brokers' certificates."
            : "Check kafka.ssl.ca (the CA that signed the brokers' certificates) and that the broker's certificate names the host in kafka.brokers."
          : 'The broker wants a client certificate, or not this one: check kafka.ssl.cert and kafka.ssl.key, and which listener kafka.brokers names.',
      },
    );
  }
  return undefined;
}

/**
 * OpenSSL's text for an alert the broker sent holds its internals (addresses, source files): the
 * alert's name and Node's code say it all, e.g. ` with the alert "bad certificate"
 * (ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE)`.
 */
function alertOf(problem: string): string {
  const alert = /alert ([a-z ]+?)(?::|$)/m.exec(problem)?.[1];
  const code = /\((ERR_SSL_[A-Z0-9_]+)\)$/.exec(problem)?.[1];
  return `${alert === undefined ? '' : ` with the alert "${alert}"`}${code === undefined ? '' : ` (${code})`}`;
}

/** The host:port kafkajs's connection error names, when it names one. */
function brokerOf(error: unknown): string | undefined {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 5; cause = cause.cause, depth += 1) {
    const broker = (cause as { broker?: unknown }).broker;
    if (typeof broker === 'string') return broker;
  }
  return undefined;
}

/** An admin client, connected; an unreachable cluster is one clear error naming the brokers. */
async function connectAdmin(admin: KafkaAdmin, brokers: readonly string[]): Promise<KafkaAdmin> {
  try {
    await admin.connect();
  } catch (error) {
    if (isErpDeltaError(error)) throw error;
    throw new ErpDeltaError('KAFKA_UNAVAILABLE', `Kafka at ${brokers.join(', ')} cannot be reached: ${(error as Error).message}`, {
      retriable: true,
      cause: error,
      hint: 'Check kafka.brokers in the config, and that the brokers run.',
    });
  }
  return admin;
}

/**
 * How long a fetch waits for records on a quiet partition: kafkajs waits 5 s by default, and a
 * change would wait as long to be seen.
 */
const QUIET_FETCH_WAIT_MS = 100;

/**
 * The clients of kafka-port.ts, made by kafkajs. Every producer is idempotent, writes one request
 * at a time (the order of a key's records holds through retries), partitions by key as Kafka's
 * own clients do, and never creates a topic: erp-delta creates each topic it writes with its
 * settings (compacted, its partition count), and one the broker made on a write would have neither.
 * Every consumer reads committed records only.
 */
class KafkajsClients implements KafkaClients {
  constructor(
    private readonly kafka: Kafka,
    readonly brokers: readonly string[],
    /** Session timeout and heartbeat interval of the tracker's and the loader's group members. */
    private readonly timings: Pick<ConsumerConfig, 'sessionTimeout' | 'heartbeatInterval'>,
    /** The tasks' transactional producers are @platformatic/kafka's (platformatic-producer.ts). */
    private readonly transactionalConnection: () => PlatformaticConnection,
  ) {}

  private transactional: PlatformaticConnection | undefined;

  admin(): KafkaAdmin {
    return this.kafka.admin();
  }

  connectAdmin(): Promise<KafkaAdmin> {
    return connectAdmin(this.admin(), this.brokers);
  }

  producer(): KafkaProducer {
    return this.kafka.producer(producerOptions());
  }

  transactionalProducer(transactionalId: string): Promise<TransactionalProducer> {
    this.transactional ??= this.transactionalConnection();
    return platformaticTransactionalProducer(this.transactional, transactionalId);
  }

  cdcConsumer(groupId: string): GroupConsumer {
    const consumer = this.kafka.consumer({
      groupId,
      ...this.timings,
      readUncommitted: false,
      maxWaitTimeInMs: QUIET_FETCH_WAIT_MS,
      // Each fetched batch costs a transaction (a few round trips), which bigger batches amortize;
      // but all a batch decodes lives until its transaction commits, and at 2 MiB that outlived
      // the young generation and was copied to the old one (bench/HISTORY.md: 1 MiB, with the
      // old generation's growth of heap-tuning.ts, took a fifth less CPU per event).
      maxBytesPerPartition: 1024 * 1024,
      maxBytes: 8 * 1024 * 1024,
    });
    return new KafkajsGroupConsumer(consumer, { partitionsConsumedConcurrently: 3 });
  }

  deltaConsumer(groupId: string, options: { lingerMs: number; partitions: number }): GroupConsumer {
    const consumer = this.kafka.consumer({
      groupId,
      ...this.timings,
      readUncommitted: false,
      // delivery.lingerMs: a fetch waits that long for 64 KiB of deltas, so that requests to the target carry more.
      maxWaitTimeInMs: Math.max(options.lingerMs, 10),
      minBytes: options.lingerMs > 0 ? 64 * 1024 : 1,
    });
    // Every partition side by side: each waits on its own requests to the target.
    return new KafkajsGroupConsumer(consumer, { partitionsConsumedConcurrently: Math.max(1, options.partitions) });
  }

  readPartitions(options: PartitionReaderOptions): Promise<PartitionReader> {
    return KafkajsPartitionReader.start(
      {
        admin: () => this.admin(),
        // kafkajs has no manual assignment: a group of its own, assigned exactly these partitions.
        readerConsumer: (groupId, wanted) => this.kafka.consumer({ groupId, partitionAssigners: [exactAssigner(wanted)], readUncommitted: false, maxWaitTimeInMs: QUIET_FETCH_WAIT_MS }),
      },
      options,
    );
  }
}

function producerOptions(): ProducerConfig {
  return { idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner };
}
