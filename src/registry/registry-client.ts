import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { TrackerConfig } from '../config/tracker-config.js';

type RegistryMiddleware = NonNullable<ConstructorParameters<typeof SchemaRegistry>[0]['middlewares']>[number];

/**
 * The one way erp-delta talks to the schema registry: every request bounded by
 * `registry.requestTimeoutMs`. The client has no limit of its own, and a registry that accepts a
 * request and never answers would hold a start-up or a batch forever, saying nothing.
 */
export function registryClient(registry: TrackerConfig['registry']): SchemaRegistry {
  const requestTimeout: RegistryMiddleware = () => ({
    prepareRequest: (next) => next().then((request) => request.enhance({ timeout: registry.requestTimeoutMs })),
  });
  return new SchemaRegistry({ host: registry.url, middlewares: [requestTimeout] });
}

/**
 * A registry client's failure to reach the registry or to get an answer in time, as opposed to
 * the registry refusing something: worth a retry, and never the fault of a record.
 */
export function isRegistryUnreachable(error: unknown): boolean {
  return /ECONNREFUSED|ECONNRESET|ENOTFOUND|ETIMEDOUT|fetch failed|socket hang up|Timeout \(\d+ms\)/i.test((error as Error).message ?? '');
}
