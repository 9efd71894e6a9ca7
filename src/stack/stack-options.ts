import { resolve } from 'node:path';
import { z } from 'zod';
import { ErpDeltaError } from '../errors/erp-delta-error.js';
import type { ComponentName } from './stack-layout.js';

/**
 * The local stack's defaults. docker-compose.yml publishes the same ports (a test keeps the two in
 * step), so a user can switch between the embedded stack and Docker without changing anything else.
 */
export const STACK_DEFAULTS = {
  dataDir: '.erp-delta/stack',
  /** Shared by every stack data dir (the demo's and the tests'): the jars are the same. */
  libDir: '.erp-delta/lib',
  host: '127.0.0.1',
  ports: {
    kafka: 9092,
    kafkaController: 9093,
    connect: 8083,
    registry: 8081,
    /** Apicurio's health and metrics, on a port of their own (Quarkus management interface). */
    registryManagement: 8085,
    postgres: 5433,
    /**
     * Only a secured stack's (`stack up --secure`): its plaintext listener for the stack's own
     * Connect and registry, and its SSL listener that wants a client certificate (mutual TLS).
     * `kafka` is then the SASL_SSL listener. docker-compose.yml has no secured broker.
     */
    kafkaInternal: 9094,
    kafkaSsl: 9095,
  },
  postgres: { user: 'postgres', database: 'erp' },
} as const;

/** The stack's components, in the order `stack up --only` lists them. */
export const STACK_COMPONENTS = ['kafka', 'connect', 'registry', 'postgres'] as const satisfies readonly ComponentName[];

/** Ports only a secured stack listens on: a plain stack leaves them free, so they clash with nothing. */
const SECURE_ONLY_PORTS: ReadonlySet<string> = new Set(['kafkaInternal', 'kafkaSsl']);

const port = z.number().int().min(1).max(65535);

const stackOptionsSchema = z.strictObject({
  dataDir: z.string().min(1),
  libDir: z.string().min(1),
  host: z.string().min(1),
  ports: z.strictObject({
    kafka: port,
    kafkaController: port,
    connect: port,
    registry: port,
    registryManagement: port,
    postgres: port,
    // Defaults: a stack.json written before these existed still reads.
    kafkaInternal: port.default(STACK_DEFAULTS.ports.kafkaInternal),
    kafkaSsl: port.default(STACK_DEFAULTS.ports.kafkaSsl),
  }),
  postgres: z.strictObject({ user: z.string().min(1), database: z.string().min(1) }),
  /** Directory holding initdb, pg_ctl and postgres; found automatically when absent. */
  postgresBinDir: z.string().min(1).optional(),
  /**
   * Kafka with TLS and SASL (stack-security.ts): fixed when the broker's storage is first
   * formatted, since its SCRAM users are made then.
   */
  secure: z.boolean().default(false),
  /** The components `up` starts and `status` reports; `down` stops whichever run. */
  components: z
    .array(z.enum(STACK_COMPONENTS))
    .min(1)
    .default([...STACK_COMPONENTS]),
});

export type StackOptions = z.infer<typeof stackOptionsSchema>;
export type ComponentPorts = StackOptions['ports'];

export interface StackOptionOverrides {
  dataDir?: string | undefined;
  libDir?: string | undefined;
  ports?: Partial<Record<keyof ComponentPorts, number | undefined>> | undefined;
  postgresBinDir?: string | undefined;
  /** `--secure`: only ever turns it on; a secured data dir stays secured. */
  secure?: boolean | undefined;
  /** `--only`: the components to run. */
  components?: readonly ComponentName[] | undefined;
}

/**
 * Options are validated once, here: later code trusts them. A port given twice would make two
 * components fight for it, so that is refused up front rather than as a confusing start failure.
 */
export function resolveStackOptions(overrides: StackOptionOverrides = {}, saved?: unknown): StackOptions {
  const savedOptions = saved === undefined ? undefined : parseStackOptions(saved, 'the saved stack.json');
  const base: StackOptions = savedOptions ?? {
    dataDir: STACK_DEFAULTS.dataDir,
    libDir: STACK_DEFAULTS.libDir,
    host: STACK_DEFAULTS.host,
    ports: { ...STACK_DEFAULTS.ports },
    postgres: { ...STACK_DEFAULTS.postgres },
    secure: false,
    components: [...STACK_COMPONENTS],
  };
  const ports = { ...base.ports };
  for (const [name, value] of Object.entries(overrides.ports ?? {})) {
    if (value !== undefined) ports[name as keyof ComponentPorts] = value;
  }
  const candidate = {
    ...base,
    dataDir: resolve(overrides.dataDir ?? base.dataDir),
    libDir: resolve(overrides.libDir ?? base.libDir),
    ports,
    ...(overrides.postgresBinDir === undefined ? {} : { postgresBinDir: overrides.postgresBinDir }),
    secure: base.secure || overrides.secure === true,
    components: overrides.components === undefined ? base.components : STACK_COMPONENTS.filter((name) => overrides.components?.includes(name)),
  };
  return parseStackOptions(candidate, 'the stack options');
}

function parseStackOptions(input: unknown, origin: string): StackOptions {
  const result = stackOptionsSchema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    const key = issue?.path.join('.') || '(root)';
    throw new ErpDeltaError('INVALID_OPTION', `Invalid value for "${key}" in ${origin}: ${issue?.message ?? 'invalid'}`);
  }
  const seen = new Map<number, string>();
  for (const [name, value] of Object.entries(result.data.ports)) {
    if (!result.data.secure && SECURE_ONLY_PORTS.has(name)) continue;
    const other = seen.get(value);
    if (other !== undefined) {
      throw new ErpDeltaError('INVALID_OPTION', `Ports "${other}" and "${name}" are both ${value} in ${origin}: give each component its own port.`);
    }
    seen.set(value, name);
  }
  const components = result.data.components;
  if (components.includes('connect') && !components.includes('kafka')) {
    throw new ErpDeltaError('INVALID_OPTION', `Kafka Connect needs the stack's Kafka: add kafka to the components (${components.join(', ')}) in ${origin}.`);
  }
  return result.data;
}
