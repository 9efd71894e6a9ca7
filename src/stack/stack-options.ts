import { resolve } from 'node:path';
import { z } from 'zod';
import { ErpDeltaError } from '../errors/erp-delta-error.js';

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
  },
  postgres: { user: 'postgres', database: 'erp' },
} as const;

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
  }),
  postgres: z.strictObject({ user: z.string().min(1), database: z.string().min(1) }),
  /** Directory holding initdb, pg_ctl and postgres; found automatically when absent. */
  postgresBinDir: z.string().min(1).optional(),
});

export type StackOptions = z.infer<typeof stackOptionsSchema>;
export type ComponentPorts = StackOptions['ports'];

export interface StackOptionOverrides {
  dataDir?: string | undefined;
  libDir?: string | undefined;
  ports?: Partial<Record<keyof ComponentPorts, number | undefined>> | undefined;
  postgresBinDir?: string | undefined;
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
    const other = seen.get(value);
    if (other !== undefined) {
      throw new ErpDeltaError('INVALID_OPTION', `Ports "${other}" and "${name}" are both ${value} in ${origin}: give each component its own port.`);
    }
    seen.set(value, name);
  }
  return result.data;
}
