import { Agent as HttpsAgent } from 'node:https';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { Agent, fetch } from 'undici';
import { resolveSecretReference } from '../config/secret-reference.js';
import { readTlsMaterial, tlsProblem } from '../config/tls-material.js';
import type { TrackerConfig } from '../config/tracker-config.js';
import { ErpDeltaError, isErpDeltaError } from '../errors/erp-delta-error.js';
import { exactLongTypeHook } from './exact-long.js';

type RegistryMiddleware = NonNullable<ConstructorParameters<typeof SchemaRegistry>[0]['middlewares']>[number];

/** The registry section as the client needs it; `auth` and `tls` are optional in code as in the config. */
export type RegistryConnection = Pick<TrackerConfig['registry'], 'url' | 'requestTimeoutMs'> & Partial<Pick<TrackerConfig['registry'], 'auth' | 'tls'>>;

/**
 * The one way erp-delta talks to the schema registry: every request bounded by
 * `registry.requestTimeoutMs`. The client has no limit of its own, and a registry that accepts a
 * request and never answers would hold a start-up or a batch forever, saying nothing.
 *
 * `registry.auth` goes to the client's own basic auth option, `registry.tls.ca` to an HTTPS agent
 * of its own (the client's `agent` option), read once here. A registry that refuses the
 * credentials (401, 403) or a certificate that cannot be verified is REGISTRY_AUTH_FAILED or
 * REGISTRY_TLS_FAILED naming the registry's URL: neither is a record that cannot be decoded, nor
 * a registry out of reach that waiting would bring back.
 *
 * Every Avro long it encodes or decodes is exact (exact-long.ts): a bigint column beyond 2^53
 * reaches the delta, the changelog restore and the loader with all its digits, and so does a long
 * of an Avro CDC record. The hook goes in the per-schema-type options, which the client hands to
 * avsc's Type.forSchema for every schema it parses (registered, fetched by id or referenced); a
 * shared `registry: { long }` option would not do: avsc adds every named type it parses to that
 * object, and the next schema with the same names would fail as a duplicate.
 */
export function registryClient(registry: RegistryConnection): SchemaRegistry {
  const requestTimeout: RegistryMiddleware = () => ({
    prepareRequest: (next) => next().then((request) => request.enhance({ timeout: registry.requestTimeoutMs })),
  });
  const refusals: RegistryMiddleware = () => ({
    response: (next) =>
      next().catch((error: unknown) => {
        throw registryRefusal(error, registry) ?? error;
      }),
  });
  const auth =
    registry.auth === undefined
      ? undefined
      : {
          username: resolveSecretReference(registry.auth.username, 'registry.auth.username'),
          password: resolveSecretReference(registry.auth.password, 'registry.auth.password'),
        };
  const agent = registry.tls === undefined ? undefined : new HttpsAgent({ ...readTlsMaterial(registry.tls, 'registry.tls'), keepAlive: true });
  return new SchemaRegistry(
    { host: registry.url, middlewares: [requestTimeout, refusals], ...(auth === undefined ? {} : { auth }), ...(agent === undefined ? {} : { agent }) },
    { [SchemaType.AVRO]: { typeHook: exactLongTypeHook } },
  );
}

/**
 * What the client's failure says about credentials or TLS, if anything. The middleware may see a
 * mappersmith response (`status()`, `error()`) or the client's own ResponseError (`status`,
 * `message`), depending on where in the chain it sits: both are read.
 */
function registryRefusal(error: unknown, registry: RegistryConnection): ErpDeltaError | undefined {
  if (isErpDeltaError(error)) return error;
  const failed = error as { status?: unknown; error?: unknown; message?: unknown; responseData?: unknown };
  const status = typeof failed.status === 'function' ? (failed.status as () => number).call(error) : failed.status;
  if (status === 401 || status === 403) {
    return new ErpDeltaError(
      'REGISTRY_AUTH_FAILED',
      `The schema registry at ${registry.url} refused the request (${status} ${status === 401 ? 'Unauthorized' : 'Forbidden'}): ${registry.auth === undefined ? 'it wants credentials' : `the credentials of user "${resolveSecretReference(registry.auth.username, 'registry.auth.username')}" were not accepted`}.`,
      {
        hint:
          registry.auth === undefined
            ? 'Set registry.auth.username and registry.auth.password in the config.'
            : 'Check registry.auth.username and registry.auth.password (and that this user may read and register schemas).',
      },
    );
  }
  const original = typeof failed.error === 'function' ? (failed.error as () => unknown).call(error) : error;
  const problem = tlsProblem(original) ?? (typeof original === 'string' ? certificateWords(original) : undefined) ?? certificateWords(String((error as Error | undefined)?.message ?? ''));
  if (problem !== undefined) {
    return new ErpDeltaError(
      'REGISTRY_TLS_FAILED',
      `The TLS connection to the schema registry at ${registry.url} failed: its certificate could not be verified, or it refused the handshake (${problem}).`,
      {
        cause: original,
        hint:
          registry.tls === undefined
            ? "Set registry.tls.ca to the PEM file of the CA that signed the registry's certificate."
            : "Check registry.tls.ca (the CA that signed the registry's certificate) and that the certificate names the host in registry.url.",
      },
    );
  }
  return undefined;
}

/** The client reports a failed connection by its message alone once it has wrapped it. */
function certificateWords(message: string): string | undefined {
  const match =
    /(self[- ]signed certificate[^,]*|unable to verify the first certificate|unable to get (local )?issuer certificate[^,]*|certificate has expired|Hostname\/IP does not match certificate's altnames[^,]*)/i.exec(
      message,
    );
  return match?.[1];
}

/** undici's Agent per registry section, with its CA: made once, reused by every probe. */
const probeDispatchers = new WeakMap<RegistryConnection, Agent>();

/**
 * Asks the schema registry for its subjects, within 2 s: what /readyz reports as reachable. With
 * the config's credentials and CA, as the client's own requests go; a refusal is said as such.
 */
export async function probeRegistry(registry: RegistryConnection): Promise<{ reachable: boolean; error?: string | undefined }> {
  let dispatcher = probeDispatchers.get(registry);
  if (dispatcher === undefined && registry.tls !== undefined) {
    dispatcher = new Agent({ connect: readTlsMaterial(registry.tls, 'registry.tls') });
    probeDispatchers.set(registry, dispatcher);
  }
  const auth =
    registry.auth === undefined
      ? undefined
      : `Basic ${Buffer.from(`${resolveSecretReference(registry.auth.username, 'registry.auth.username')}:${resolveSecretReference(registry.auth.password, 'registry.auth.password')}`).toString('base64')}`;
  try {
    const response = await fetch(`${registry.url}/subjects`, {
      signal: AbortSignal.timeout(2_000),
      ...(auth === undefined ? {} : { headers: { authorization: auth } }),
      ...(dispatcher === undefined ? {} : { dispatcher }),
    });
    await response.body?.cancel();
    if (response.status === 401 || response.status === 403)
      return { reachable: false, error: `HTTP ${response.status}: the registry refused ${auth === undefined ? 'a request without credentials (registry.auth)' : 'the credentials of registry.auth'}` };
    return response.ok ? { reachable: true } : { reachable: false, error: `HTTP ${response.status}` };
  } catch (error) {
    return {
      reachable: false,
      error: tlsProblem(error) ?? ((error as Error).cause instanceof Error ? `${(error as Error).message}: ${((error as Error).cause as Error).message}` : (error as Error).message),
    };
  }
}

/**
 * A registry client's failure to reach the registry or to get an answer in time, as opposed to
 * the registry refusing something: worth a retry, and never the fault of a record.
 */
export function isRegistryUnreachable(error: unknown): boolean {
  if (isErpDeltaError(error)) return false;
  return /ECONNREFUSED|ECONNRESET|ENOTFOUND|ETIMEDOUT|fetch failed|socket hang up|Timeout \(\d+ms\)/i.test((error as Error).message ?? '');
}
