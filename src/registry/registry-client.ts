import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import type { TrackerConfig } from '../config/tracker-config.js';
import { exactLongTypeHook } from './exact-long.js';

type RegistryMiddleware = NonNullable<ConstructorParameters<typeof SchemaRegistry>[0]['middlewares']>[number];

/**
 * The one way erp-delta talks to the schema registry: every request bounded by
 * `registry.requestTimeoutMs`. The client has no limit of its own, and a registry that accepts a
 * request and never answers would hold a start-up or a batch forever, saying nothing.
 *
 * Every Avro long it encodes or decodes is exact (exact-long.ts): a bigint column beyond 2^53
 * reaches the delta, the changelog restore and the loader with all its digits, and so does a long
 * of an Avro CDC record. The hook goes in the per-schema-type options, which the client hands to
 * avsc's Type.forSchema for every schema it parses (registered, fetched by id or referenced); a
 * shared `registry: { long }` option would not do: avsc adds every named type it parses to that
 * object, and the next schema with the same names would fail as a duplicate.
 */
export function registryClient(registry: TrackerConfig['registry']): SchemaRegistry {
  const requestTimeout: RegistryMiddleware = () => ({
    prepareRequest: (next) => next().then((request) => request.enhance({ timeout: registry.requestTimeoutMs })),
  });
  return new SchemaRegistry({ host: registry.url, middlewares: [requestTimeout] }, { [SchemaType.AVRO]: { typeHook: exactLongTypeHook } });
}

/**
 * A registry client's failure to reach the registry or to get an answer in time, as opposed to
 * the registry refusing something: worth a retry, and never the fault of a record.
 */
export function isRegistryUnreachable(error: unknown): boolean {
  return /ECONNREFUSED|ECONNRESET|ENOTFOUND|ETIMEDOUT|fetch failed|socket hang up|Timeout \(\d+ms\)/i.test((error as Error).message ?? '');
}
