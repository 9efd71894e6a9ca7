import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { SchemaType } from '@kafkajs/confluent-schema-registry';
import { isRegistryUnreachable, registryClient } from '../../../src/registry/registry-client.js';

/** A socket that takes every request and never answers: a registry stuck mid-request. */
async function silentEndpoint(): Promise<{ server: Server; url: string }> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
  });
  server.on('close', () => {
    for (const socket of sockets) socket.destroy();
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { server, url: `http://127.0.0.1:${address.port}` };
}

describe('registry client', () => {
  let endpoint: Awaited<ReturnType<typeof silentEndpoint>>;
  before(async () => {
    endpoint = await silentEndpoint();
  });
  after(() => {
    endpoint.server.close();
    endpoint.server.emit('close');
  });

  it('gives up on a request the registry never answers, with an error that reads as unreachable', async () => {
    const client = registryClient({ url: endpoint.url, requestTimeoutMs: 200 });
    const error = await client.getLatestSchemaId('erp-delta.customers-value').then(
      () => undefined,
      (failed: unknown) => failed,
    );
    assert.ok(error instanceof Error, 'the request fails instead of hanging');
    assert.match(error.message, /Timeout \(200ms\)/);
    assert.ok(isRegistryUnreachable(error), 'a retriable registry failure, not a refusal');
  });

  it('does not wait on a registration either', async () => {
    const client = registryClient({ url: endpoint.url, requestTimeoutMs: 200 });
    const error = await client.register({ type: SchemaType.AVRO, schema: JSON.stringify({ type: 'record', name: 'Probe', fields: [] }) }, { subject: 'erp-delta.x-value' }).then(
      () => undefined,
      (failed: unknown) => failed,
    );
    assert.ok(isRegistryUnreachable(error), String(error));
  });
});

describe('isRegistryUnreachable', () => {
  it('tells the registry out of reach from the registry refusing a schema', () => {
    for (const message of [
      'connect ECONNREFUSED 127.0.0.1:8081',
      'read ECONNRESET',
      'getaddrinfo ENOTFOUND registry',
      'socket hang up',
      'Confluent_Schema_Registry - Error, status 400: Timeout (10000ms)',
    ]) {
      assert.ok(isRegistryUnreachable(new Error(message)), message);
    }
    for (const message of ['Confluent_Schema_Registry - Schema being registered is incompatible with an earlier schema', 'Subject not found']) {
      assert.ok(!isRegistryUnreachable(new Error(message)), message);
    }
  });
});
