import { Cron } from 'croner';
import { z } from 'zod';
import { ErpDeltaError } from '../errors/erp-delta-error.js';
import { isSecretPath, MASKED } from './secret-keys.js';
import { booleanSpec } from '../normalize/boolean.js';
import { bytesSpec } from '../normalize/bytes.js';
import { dateSpec } from '../normalize/date.js';
import { decimalSpec } from '../normalize/decimal.js';
import { integerSpec } from '../normalize/integer.js';
import { jsonSpec } from '../normalize/json.js';
import { textSpec } from '../normalize/text.js';
import { timeSpec } from '../normalize/time.js';
import { timestampSpec } from '../normalize/timestamp.js';
import { uuidSpec } from '../normalize/uuid.js';
import { checkRowFilter, rowFilterSchema, type RowCondition, type RowFilterInput } from './row-filter-config.js';

export const CONFIG_DEFAULTS = {
  clientId: 'erp-delta',
  groupId: 'erp-delta',
  /**
   * How long the group waits for a member's heartbeat before it gives its partitions to others
   * (kafkajs's default; brokers accept 6 s to 30 min unless configured otherwise).
   */
  sessionTimeoutMs: 30_000,
  dlqTopic: 'erp-delta.dlq',
  sourceEpochTopic: 'erp-delta.source-epochs',
  /** Relative to the working directory, like every relative path erp-delta is given. */
  dataDir: '.erp-delta/data',
  deltaTopicPrefix: 'erp-delta.',
  assignmentTopic: 'erp-delta.user-assignments',
  manualAssignmentTopic: 'erp-delta.manual-assignments',
  refreshTopic: 'erp-delta.refreshes',
  /** Sunday 22:00 UTC: the end of the week, as the batch integration's full refresh. */
  refreshCron: '0 22 * * 0',
  refreshTimeZone: 'UTC',
  refreshMaxRecordsPerSecond: 5_000,
  refreshMaxLoaderLag: 50_000,
  loaderGroupId: 'erp-delta-loader',
  deliveryBatchSize: 500,
  deliveryTimeoutMs: 10_000,
  /** Registries answer in milliseconds: this long is a registry in trouble, not a slow one. */
  registryRequestTimeoutMs: 10_000,
  adminHost: '127.0.0.1',
  adminPort: 9464,
  capturePollIntervalMs: 5_000,
  /** A quiet table is normal for hours; a day without a change while its neighbours change is not. */
  silentTableAfterMs: 6 * 3_600_000,
  /**
   * Debezium writes a transaction's records within milliseconds of each other, in more than one
   * produce request at times; on two busy cores they were seen more than 100 ms apart.
   */
  transactionLingerMs: 250,
  /** LevelDB's options for the state stores: docs/configuration.md says what each costs. */
  stateStore: {
    cacheBytes: 2 * 1024 * 1024,
    maxOpenFiles: 1_000,
    blockBytes: 4_096,
    writeBufferBytes: 8 * 1024 * 1024,
    writeBufferBudgetBytes: 24 * 1024 * 1024,
  },
} as const;

/** The field the assignment join adds to the records of the assignment entity (issue 4). */
export const ASSIGNED_USER_FIELD = 'assignedUserId';

// Names that end up in Avro schemas and Kafka topic names, so they are restricted to what both accept.
const entityName = z.string().regex(/^[a-z][a-z0-9_]*$/, 'must be lowercase letters, digits and "_", starting with a letter');
const fieldName = z.string().regex(/^[a-z][A-Za-z0-9]*$/, 'must be camelCase: a lowercase letter, then letters and digits');
const topicName = z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, 'must be a Kafka topic name: 1-249 letters, digits, ".", "_" or "-"');
const broker = z.string().regex(/^(\[[0-9A-Fa-f:.]+\]|[^\s:[\]]+):\d{1,5}$/, 'must be host:port');
/**
 * A PEM value of a TLS section: the PEM text itself (starting with `-----BEGIN `, as a
 * `${file:PATH}` reference gives it), or else the path of a PEM file (config/tls-material.ts).
 */
const pem = z.string().min(1);

// A field reads flat in the file, `{ column: credit_limit, normalizer: decimal, scale: 2 }`, so the
// normalizer's own parameters sit next to `column` and each normalizer refuses the others' keys.
// `doc` says what the field means to the target's developers; it goes into the delta schema.
const column = { column: z.string().min(1), doc: z.string().min(1).optional() };
const fieldSchema = z.discriminatedUnion('normalizer', [
  textSpec.extend(column),
  decimalSpec.extend(column),
  integerSpec.extend(column),
  booleanSpec.extend(column),
  dateSpec.extend(column),
  timestampSpec.extend(column),
  timeSpec.extend(column),
  jsonSpec.extend(column),
  uuidSpec.extend(column),
  bytesSpec.extend(column),
]);

const entitySchema = z.strictObject({
  /** The CDC topic of the table, `<prefix>.<schema>.<table>`. */
  topic: topicName,
  /** Canonical names of the fields that make the key, in the order the Kafka key writes them. */
  keyFields: z.array(fieldName).min(1, 'must list at least one field'),
  /** Tracked fields, in the order deltas list them: canonical name -> source column and normalizer. */
  fields: z.record(fieldName, fieldSchema),
  /** Default `erp-delta.<entity>`. */
  deltaTopic: topicName.optional(),
  /**
   * The Avro name of the delta schema's data record (default `<Entity>Record`). Readers resolve
   * records by name, so it is fixed once the delta topic has readers.
   */
  recordName: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an Avro name: letters, digits and "_", not starting with a digit')
    .optional(),
  /** Conditions on tracked fields that all must hold for a row to be kept (row-filter-config.ts); absent: every row. */
  filter: rowFilterSchema.optional(),
});

const assignmentSchema = z.strictObject({
  topic: topicName.default(CONFIG_DEFAULTS.assignmentTopic),
  manualTopic: topicName.default(CONFIG_DEFAULTS.manualAssignmentTopic),
  /** The entity whose records carry `assignedUserId`. */
  entity: entityName,
  /** The canonical field of that entity holding the sales rep code the mapping is keyed by. */
  repField: fieldName,
  /** false: the mapping wins over manual assignments, as the batch integration does today. */
  respectManual: z.boolean().default(false),
});

const scheduleSchema = z.strictObject({
  /** Five fields (minute hour day-of-month month day-of-week), as croner reads them. */
  cron: z.string().refine((value) => cronProblem(value) === undefined, { error: (issue) => `is not a cron expression: ${cronProblem(String(issue.input)) ?? ''}` }),
  timeZone: z
    .string()
    .refine((value) => timeZoneKnown(value), { error: 'is not an IANA time zone such as UTC or Africa/Johannesburg' })
    .default(CONFIG_DEFAULTS.refreshTimeZone),
  /**
   * What the schedule runs, in this order: `replay` (every record re-sent from the CDC topics),
   * `compare` (the full compare with the ERP tables), or both.
   */
  kinds: z
    .array(z.enum(['replay', 'compare']))
    .min(1, 'must name replay, compare or both')
    .default(['replay']),
  /** Per entity, other kinds than `kinds` (e.g. only a compare for a table too large to re-send weekly). */
  entities: z.record(entityName, z.array(z.enum(['replay', 'compare']))).default({}),
});

const refreshSchema = z.strictObject({
  /** The compacted topic holding refresh requests and progress, shared by the consumer group. */
  topic: topicName.default(CONFIG_DEFAULTS.refreshTopic),
  /** When a full refresh runs by itself; null: only on request. */
  schedule: scheduleSchema.nullable().prefault({ cron: CONFIG_DEFAULTS.refreshCron }),
  /** Replayed records per second, for the whole group. */
  maxRecordsPerSecond: z.number().int().positive().default(CONFIG_DEFAULTS.refreshMaxRecordsPerSecond),
  /** The refresh pauses while the loader group lags more than this many deltas behind. */
  maxLoaderLag: z.number().int().positive().default(CONFIG_DEFAULTS.refreshMaxLoaderLag),
  /**
   * The consumer group that delivers the delta topics to the target. Absent: delivery.groupId, so
   * that the refresh watches the group `erp-delta deliver` really commits as.
   */
  loaderGroupId: z.string().min(1).optional(),
  /**
   * The Debezium connector files (default: the package's connectors/): a full compare asks each
   * table's connector for an incremental snapshot through its signal topic, and follows its
   * notification topic to know when the snapshot is through.
   */
  connectorsDir: z.string().min(1).optional(),
});

const deliverySchema = z.strictObject({
  /** The loader's consumer group: its lag is what the refresh watches (refresh.loaderGroupId). */
  groupId: z.string().min(1).default(CONFIG_DEFAULTS.loaderGroupId),
  /** The target's base URL; `deliver --target` overrides it. */
  target: z.url({ protocol: /^https?$/ }).optional(),
  /** Path per entity under the target (default `/<entity>`). */
  paths: z.record(entityName, z.string().regex(/^\//, 'must start with "/"')).default({}),
  /** Deltas per POST at most. */
  batchSize: z.number().int().positive().default(CONFIG_DEFAULTS.deliveryBatchSize),
  /** How long the broker may wait to fill a fetch before handing it over (ms): the batching linger. */
  lingerMs: z.number().int().min(0).default(100),
  /** A POST without an answer within this is retried (ms). */
  timeoutMs: z.number().int().positive().default(CONFIG_DEFAULTS.deliveryTimeoutMs),
  /** First retry delay and the cap of the exponential backoff (ms), with jitter. */
  retryInitialMs: z.number().int().positive().default(200),
  retryMaxMs: z.number().int().positive().default(30_000),
  /**
   * Fixed headers of every POST (a token): a value may be `${env:NAME}` or `${file:PATH}`, read at
   * start-up, so that the secret is not in this file. Never logged.
   */
  headers: z.record(z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'must be an HTTP header name'), z.string()).default({}),
  /** The longest wait a target's Retry-After (on a 429 or 503) gets (ms): a longer one is cut to this. */
  retryAfterMaxMs: z.number().int().positive().default(300_000),
  /**
   * How to read which records a target refused in its answer to a 4xx (refused-deltas.ts):
   * `list`, a JSON pointer to the list of refused records; in each, the member holding the
   * delta's `idempotencyKey`, or its `index` in the request; `reason`, the member that says why.
   * Absent: the loader finds them by splitting the request.
   */
  refusedRecords: z
    .strictObject({
      list: z.string().regex(/^(\/[^/]*)*$/, 'must be a JSON pointer such as /errors'),
      idempotencyKey: z.string().min(1).optional(),
      index: z.string().min(1).optional(),
      reason: z.string().min(1).optional(),
    })
    .refine((spec) => (spec.idempotencyKey === undefined) !== (spec.index === undefined), { error: 'must name exactly one of idempotencyKey and index' })
    .optional(),
  /**
   * Requests per second to the target at most, for the whole loader (all partitions, retries and
   * per-key DELETEs included); a fraction paces one request every 1/n s. Absent: no cap.
   */
  maxRequestsPerSecond: z.number().positive().optional(),
  /** A batch whose JSON body would be larger (bytes, UTF-8) is sent as several requests. Absent: no limit. */
  maxBodyBytes: z.number().int().min(1_024, 'must be at least 1024').optional(),
  /**
   * HTTPS to the target: `ca` (the CA that signed the target's certificate, instead of Node's
   * built-in list), `cert` + `key` (a client certificate). Each a PEM file's path, or a
   * `${env:NAME}` / `${file:PATH}` reference whose value is the PEM text or a path.
   */
  tls: z
    .strictObject({
      ca: z.string().min(1).optional(),
      cert: z.string().min(1).optional(),
      key: z.string().min(1).optional(),
    })
    .refine((tls) => (tls.cert === undefined) === (tls.key === undefined), { error: 'needs both cert and key, or neither' })
    .optional(),
  /**
   * How an entity's DELETE deltas reach the target: absent, in the batch with the upserts; with
   * `method: DELETE`, one HTTP DELETE per key on `path`, a template with `{key}` (the whole key)
   * or `{<keyField>}` (one key field's value), each URL-encoded.
   */
  deletes: z
    .record(
      entityName,
      z.strictObject({
        method: z.literal('DELETE').default('DELETE'),
        path: z.string().regex(/^\/.*\{[^{}]+\}/, 'must start with "/" and hold a placeholder such as {key}'),
      }),
    )
    .default({}),
});

/** How the tracker reads its CDC partitions. */
const trackerSchema = z.strictObject({
  /**
   * How long a source transaction at the end of what a CDC partition holds waits, from its newest
   * record's write, for more of its records, so that its net effect is decided whole (a row deleted
   * and inserted again unchanged emits nothing). It delays a change by up to this long when the
   * tracker is caught up. 0: never wait; a transaction split across Debezium's produce requests
   * then sends what each part changed.
   */
  transactionLingerMs: z.number().int().min(0).max(60_000).default(CONFIG_DEFAULTS.transactionLingerMs),
});

const adminSchema = z.strictObject({
  /** Localhost by default: the probes and the scraper run next to erp-delta, or set 0.0.0.0. */
  host: z.string().min(1).default(CONFIG_DEFAULTS.adminHost),
  /** null: no admin endpoint; 0: any free port (logged). */
  port: z.number().int().min(0).max(65535).nullable().default(CONFIG_DEFAULTS.adminPort),
});

/**
 * Capture health (issue 19): where Kafka Connect is, and how the watch of the connectors in
 * connectors/ runs. Secrets (user, password) may be `${env:NAME}` or `${file:PATH}`, read at
 * start-up (capture/capture-monitor.ts).
 */
const captureSchema = z.strictObject({
  connect: z
    .strictObject({
      url: z.url({ protocol: /^https?$/ }),
      /** Connect's basic auth (BasicAuthSecurityRestExtension): both or neither. */
      user: z.string().min(1).optional(),
      password: z.string().optional(),
      /** One REST request's limit: an answer this late counts as Connect not reachable. */
      requestTimeoutMs: z.number().int().positive().default(5_000),
      /** The CA that signed an https:// Connect's certificate, instead of Node's built-in list. */
      tls: z.strictObject({ ca: pem }).optional(),
    })
    .refine((connect) => (connect.user === undefined) === (connect.password === undefined), { error: "needs user and password together (Connect's basic auth), or neither" }),
  /** The connector files whose connectors are watched; default: connectors/ of the package. */
  connectorsDir: z.string().min(1).optional(),
  pollIntervalMs: z.number().int().min(500).default(CONFIG_DEFAULTS.capturePollIntervalMs),
  /** A table without a change this long, while another of its connector changed, is reported; null: never. */
  silentTableAfterMs: z.number().int().positive().nullable().default(CONFIG_DEFAULTS.silentTableAfterMs),
  /** The slot and publication check, through the connector's own database connection. */
  database: z
    .strictObject({
      check: z.boolean().default(true),
      /** When Connect holds the password as a config provider reference, which erp-delta cannot read. */
      password: z.string().optional(),
      checkIntervalMs: z.number().int().min(1_000).default(30_000),
    })
    .prefault({}),
});

/**
 * LevelDB's options for the tasks' state stores (state/state-store.ts), one LevelDB per task. The
 * bounds are LevelDB's own: it would silently clip a value outside them (and classic-level reads
 * each as an unsigned 32-bit integer), so the config refuses it instead.
 */
const stateStoreSchema = z.strictObject({
  /** Per store: the LRU cache of uncompressed table blocks. */
  cacheBytes: z
    .number()
    .int()
    .min(0)
    .max(2 ** 32 - 1)
    .default(CONFIG_DEFAULTS.stateStore.cacheBytes),
  /** Per store: table files kept open, each with its index and Bloom filter in memory. */
  maxOpenFiles: z.number().int().min(74).max(50_000).default(CONFIG_DEFAULTS.stateStore.maxOpenFiles),
  /** The size of a table's blocks (uncompressed): what one lookup reads, and what the index points at. */
  blockBytes: z
    .number()
    .int()
    .min(1_024)
    .max(4 * 1024 * 1024)
    .default(CONFIG_DEFAULTS.stateStore.blockBytes),
  /** Per store, at most: the memtable, written to a table file when full (state/memtable-budget.ts). */
  writeBufferBytes: z
    .number()
    .int()
    .min(64 * 1024)
    .max(1024 * 1024 * 1024)
    .default(CONFIG_DEFAULTS.stateStore.writeBufferBytes),
  /** For all the stores of one process together: each gets its share, within its floor and writeBufferBytes. */
  writeBufferBudgetBytes: z.number().int().positive().default(CONFIG_DEFAULTS.stateStore.writeBufferBudgetBytes),
});

/**
 * `kafka.ssl`, as kafkajs names it: `true` (TLS, trusting Node's built-in CAs), or the CA that
 * signed the brokers' certificates, a client certificate and its key (mutual TLS), and
 * `rejectUnauthorized: false` for a test broker whose certificate is not to be checked. `true`
 * reads as `{ rejectUnauthorized: true }` and `false` as absent, so that the rest of erp-delta
 * sees one shape. (A transform after the union, not a preprocess before it: the config loader
 * reads the keys a section takes from the schema, and sees through a union, not a preprocess.)
 */
const kafkaSslSchema = z
  .union(
    [
      z.boolean(),
      z
        .strictObject({
          ca: pem.optional(),
          cert: pem.optional(),
          key: pem.optional(),
          rejectUnauthorized: z.boolean().default(true),
        })
        .refine((ssl) => (ssl.cert === undefined) === (ssl.key === undefined), { error: 'needs both cert and key (a client certificate and its private key), or neither' }),
    ],
    { error: "must be true, or an object of ca, cert, key (PEM text or a PEM file's path) and rejectUnauthorized (a boolean)" },
  )
  .transform((ssl) => (ssl === true ? { rejectUnauthorized: true } : ssl === false ? undefined : ssl));

/** SASL mechanisms as kafkajs spells them, and as Kafka does (SCRAM-SHA-512): both are read. */
function mechanism<const T extends string>(...names: T[]): z.ZodEnum<{ [K in T | Uppercase<T>]: K }> {
  return z.enum([...names, ...names.map((name) => name.toUpperCase() as Uppercase<T>)] as [T | Uppercase<T>, ...Array<T | Uppercase<T>>]) as unknown as z.ZodEnum<{ [K in T | Uppercase<T>]: K }>;
}

/**
 * `kafka.sasl`, as kafkajs names it. OAUTHBEARER takes a token file that something else keeps
 * fresh (a sidecar, a projected service account token): it is read again at every
 * authentication, so a token replaced since is the one sent (docs/security.md).
 */
const kafkaSaslSchema = z
  .discriminatedUnion('mechanism', [
    z.strictObject({ mechanism: mechanism('plain', 'scram-sha-256', 'scram-sha-512'), username: z.string().min(1), password: z.string().min(1) }),
    z.strictObject({ mechanism: mechanism('oauthbearer'), tokenFile: z.string().min(1) }),
  ])
  .transform((sasl) =>
    'tokenFile' in sasl
      ? { mechanism: 'oauthbearer' as const, tokenFile: sasl.tokenFile }
      : { mechanism: sasl.mechanism.toLowerCase() as 'plain' | 'scram-sha-256' | 'scram-sha-512', username: sasl.username, password: sasl.password },
  );

export const configSchema = z.strictObject({
  kafka: z.strictObject({
    brokers: z.array(broker).min(1, 'must list at least one broker'),
    clientId: z.string().min(1).default(CONFIG_DEFAULTS.clientId),
    groupId: z.string().min(1).default(CONFIG_DEFAULTS.groupId),
    /**
     * The consumer groups' session timeout (tracker and loader): a member whose heartbeats stop
     * this long is taken out of its group, and its partitions go to the others. Heartbeats are
     * sent every third of it (at most every 3 s), also while state stores restore.
     */
    sessionTimeoutMs: z.number().int().min(1_000).max(1_800_000).default(CONFIG_DEFAULTS.sessionTimeoutMs),
    /** TLS to the brokers; absent: plaintext. */
    ssl: kafkaSslSchema.optional(),
    /** SASL authentication; absent: none. Over `ssl` in production: PLAIN sends the password as it is. */
    sasl: kafkaSaslSchema.optional(),
  }),
  registry: z.strictObject({
    url: z.url({ protocol: /^https?$/ }),
    /** One request's limit: the registry client has none, and a request never answered would hang. */
    requestTimeoutMs: z.number().int().positive().default(CONFIG_DEFAULTS.registryRequestTimeoutMs),
    /** HTTP basic auth (Confluent's `basic.auth.user.info`, Apicurio's client credentials as basic auth). */
    auth: z.strictObject({ username: z.string().min(1), password: z.string() }).optional(),
    /** The CA that signed an https:// registry's certificate, instead of Node's built-in list. */
    tls: z.strictObject({ ca: pem }).optional(),
  }),
  dlqTopic: topicName.default(CONFIG_DEFAULTS.dlqTopic),
  /** Compacted: each entity's source epoch (`erp-delta capture reset`). */
  sourceEpochTopic: topicName.default(CONFIG_DEFAULTS.sourceEpochTopic),
  dataDir: z.string().min(1).default(CONFIG_DEFAULTS.dataDir),
  stateStore: stateStoreSchema.prefault({}),
  /** Absent: no entity is joined with the user assignment mapping. */
  assignment: assignmentSchema.optional(),
  tracker: trackerSchema.prefault({}),
  refresh: refreshSchema.prefault({}),
  admin: adminSchema.prefault({}),
  delivery: deliverySchema.prefault({}),
  /** Absent: the capture is not watched (no Kafka Connect to ask). */
  capture: captureSchema.optional(),
  entities: z.record(entityName, entitySchema),
});

export type FieldConfig = z.infer<typeof fieldSchema>;
export type AssignmentConfig = z.infer<typeof assignmentSchema>;
export type RefreshConfig = Omit<z.infer<typeof refreshSchema>, 'loaderGroupId'> & { loaderGroupId: string };
export type DeliveryConfig = z.infer<typeof deliverySchema>;
export type CaptureConfig = z.infer<typeof captureSchema>;
export type StateStoreConfig = z.infer<typeof stateStoreSchema>;

export interface EntityConfig {
  name: string;
  topic: string;
  keyFields: string[];
  fields: Record<string, FieldConfig>;
  deltaTopic: string;
  recordName?: string;
  /**
   * The rows the entity keeps: every condition must hold (values in the field's canonical form).
   * Absent: every row. A row outside it is, for the tracker, a row that is not there.
   */
  filter?: readonly RowCondition[];
}

export type TrackerConfig = Omit<z.infer<typeof configSchema>, 'entities' | 'refresh'> & {
  refresh: RefreshConfig;
  entities: Record<string, EntityConfig>;
};

interface ConfigIssue {
  path: readonly PropertyKey[];
  message: string;
}

/** Where the values that are not written in the file came from (load-config.ts), for messages. */
export interface ConfigSources {
  /** Said next to the key: `ERP_DELTA__ADMIN__PORT`, `${env:PORT}`. */
  sourceOf(path: readonly PropertyKey[]): string | undefined;
  /** A value that a message must leave out besides secrets (secret-keys.ts): one read from a reference. */
  hidesValue(path: readonly PropertyKey[]): boolean;
}

/**
 * Validates a config object once, at start-up: later code trusts it. Every problem is reported at
 * once, each with the exact key path (`entities.customers.fields.creditLimit.normalizer`), so that
 * a user fixes the file in one go. `origin` names the file in the message.
 */
export function parseConfig(input: unknown, origin: string, sources?: ConfigSources): TrackerConfig {
  const parsed = configSchema.safeParse(input, { reportInput: true });
  if (!parsed.success) throw invalidConfig(origin, parsed.error.issues.flatMap(describeIssue), input, sources);
  const { entities, ...rest } = parsed.data;
  const filterIssues: ConfigIssue[] = [];
  const canonicalFilter = (name: string, fields: Record<string, FieldConfig>, filter: RowFilterInput): RowCondition[] => {
    const derived = rest.assignment?.entity === name ? [ASSIGNED_USER_FIELD] : [];
    const { conditions, issues } = checkRowFilter(fields, derived, filter, ['entities', name, 'filter']);
    filterIssues.push(...issues);
    return conditions;
  };
  const config: TrackerConfig = {
    ...rest,
    refresh: { ...rest.refresh, loaderGroupId: rest.refresh.loaderGroupId ?? rest.delivery.groupId },
    entities: Object.fromEntries(
      Object.entries(entities).map(([name, entity]) => [
        name,
        {
          name,
          topic: entity.topic,
          keyFields: entity.keyFields,
          fields: entity.fields,
          deltaTopic: entity.deltaTopic ?? `${CONFIG_DEFAULTS.deltaTopicPrefix}${name}`,
          ...(entity.recordName === undefined ? {} : { recordName: entity.recordName }),
          ...(entity.filter === undefined ? {} : { filter: canonicalFilter(name, entity.fields, entity.filter) }),
        },
      ]),
    ),
  };
  const issues = [...crossCheck(config), ...filterIssues];
  if (issues.length > 0) throw invalidConfig(origin, issues, input, sources);
  return config;
}

/** What a schema cannot say alone: references between keys, and topics used twice. */
function crossCheck(config: TrackerConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const entities = Object.values(config.entities);
  if (entities.length === 0) issues.push({ path: ['entities'], message: 'declares no entity: at least one is needed' });

  for (const entity of entities) {
    const fieldNames = Object.keys(entity.fields);
    entity.keyFields.forEach((keyField, index) => {
      const path = ['entities', entity.name, 'keyFields', index];
      if (!fieldNames.includes(keyField)) {
        issues.push({ path, message: `"${keyField}" is not among the entity's fields (${fieldNames.join(', ') || 'none'})` });
      } else if (entity.keyFields.indexOf(keyField) !== index) {
        issues.push({ path, message: `"${keyField}" is listed twice` });
      }
    });
  }

  // Each topic has one role: two entities on one CDC topic would each see the other's rows, and a
  // delta topic shared with anything else would not be a changelog of one entity.
  const topicRoles = new Map<string, string>();
  const claimTopic = (topic: string, path: readonly PropertyKey[]): void => {
    const owner = topicRoles.get(topic);
    if (owner !== undefined) issues.push({ path, message: `topic "${topic}" is already used by "${owner}": each topic has one role` });
    else topicRoles.set(topic, path.join('.'));
  };
  for (const entity of entities) claimTopic(entity.topic, ['entities', entity.name, 'topic']);
  for (const entity of entities) claimTopic(entity.deltaTopic, ['entities', entity.name, 'deltaTopic']);
  claimTopic(config.dlqTopic, ['dlqTopic']);
  claimTopic(config.sourceEpochTopic, ['sourceEpochTopic']);
  claimTopic(config.refresh.topic, ['refresh', 'topic']);

  // A CA for a plain-HTTP server would be ignored without a word: the URL is the likelier mistake.
  if (config.registry.tls !== undefined && !config.registry.url.startsWith('https:')) {
    issues.push({ path: ['registry', 'tls'], message: `is set, but registry.url (${config.registry.url}) is not https://` });
  }
  if (config.capture?.connect.tls !== undefined && !config.capture.connect.url.startsWith('https:')) {
    issues.push({ path: ['capture', 'connect', 'tls'], message: `is set, but capture.connect.url (${config.capture.connect.url}) is not https://` });
  }

  for (const [name, deletes] of Object.entries(config.delivery.deletes)) {
    const entity = config.entities[name];
    if (entity === undefined) {
      issues.push({ path: ['delivery', 'deletes', name], message: `"${name}" is not an entity (${Object.keys(config.entities).join(', ') || 'none'})` });
      continue;
    }
    // Checked here rather than at the first DELETE: a typo would otherwise dead-letter deletes in production.
    for (const [, placeholder] of deletes.path.matchAll(/\{([^{}]*)\}/g)) {
      if (placeholder !== 'key' && !entity.keyFields.includes(placeholder as string)) {
        issues.push({ path: ['delivery', 'deletes', name, 'path'], message: `{${placeholder}} is neither {key} nor a key field of "${name}" (${entity.keyFields.join(', ')})` });
      }
    }
  }

  const assignment = config.assignment;
  if (assignment !== undefined) {
    claimTopic(assignment.topic, ['assignment', 'topic']);
    claimTopic(assignment.manualTopic, ['assignment', 'manualTopic']);
    const entity = config.entities[assignment.entity];
    if (entity === undefined) {
      issues.push({ path: ['assignment', 'entity'], message: `"${assignment.entity}" is not an entity (${Object.keys(config.entities).join(', ') || 'none'})` });
    } else {
      if (entity.fields[assignment.repField] === undefined) {
        issues.push({ path: ['assignment', 'repField'], message: `"${assignment.repField}" is not a field of entity "${entity.name}"` });
      }
      if (entity.fields[ASSIGNED_USER_FIELD] !== undefined) {
        issues.push({ path: ['entities', entity.name, 'fields', ASSIGNED_USER_FIELD], message: 'is set by the assignment join, not read from a column: remove it' });
      }
    }
  }
  return issues;
}

function describeIssue(issue: z.core.$ZodIssue): ConfigIssue[] {
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({ path: [...issue.path, key], message: 'is not a known key' }));
    case 'invalid_type':
      return [{ path: issue.path, message: issue.input === undefined ? 'is required' : `must be ${article(issue.expected)}, not ${describeInput(issue.input)}` }];
    case 'invalid_key':
      return [{ path: issue.path, message: issue.issues.map((inner) => inner.message).join('; ') }];
    case 'invalid_union': {
      if (issue.discriminator === undefined || 'matches' in issue) break;
      const chosen = (issue.input as Record<string, unknown> | undefined)?.[issue.discriminator];
      const path = issue.path.at(-1) === issue.discriminator ? issue.path : [...issue.path, issue.discriminator];
      const known = (issue.options ?? []).join(', ');
      return [{ path, message: chosen === undefined ? `is required (one of: ${known})` : `${JSON.stringify(chosen)} is unknown; known: ${known}` }];
    }
    default:
      break;
  }
  return [{ path: issue.path, message: issue.message }];
}

function cronProblem(expression: string): string | undefined {
  try {
    new Cron(expression, { paused: true });
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

function timeZoneKnown(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone });
    return true;
  } catch {
    return false;
  }
}

function article(expected: string): string {
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function describeInput(input: unknown): string {
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'an array';
  return typeof input === 'object' ? 'an object' : `${typeof input} ${JSON.stringify(input)}`;
}

function invalidConfig(origin: string, issues: readonly ConfigIssue[], input: unknown, sources: ConfigSources | undefined): ErpDeltaError {
  const lines = issues.map((issue) => {
    const source = sources?.sourceOf(issue.path);
    const hidden = isSecretPath(issue.path) || sources?.hidesValue(issue.path) === true;
    return `"${issue.path.map(String).join('.') || '(root)'}"${source === undefined ? '' : ` (from ${source})`} ${hidden ? withoutValue(issue.message, valueAt(input, issue.path)) : issue.message}`;
  });
  const message = lines.length === 1 ? `Invalid config in ${origin}: ${lines[0]}` : `Invalid config in ${origin} (${lines.length} problems):\n  ${lines.join('\n  ')}`;
  return new ErpDeltaError('INVALID_CONFIG', message);
}

/** A message about a secret, with the secret's value (as written or as JSON quotes it) taken out. */
function withoutValue(message: string, value: unknown): string {
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return message;
  const text = String(value);
  if (text === '') return message;
  return message.split(JSON.stringify(text).slice(1, -1)).join(MASKED).split(text).join(MASKED);
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) value = typeof value === 'object' && value !== null ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  return value;
}
