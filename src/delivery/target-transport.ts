import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { connect, createSecureContext } from 'node:tls';
import { Agent } from 'undici';
import { resolveSecretReference } from '../config/secret-reference.js';
import type { TrackerConfig } from '../config/tracker-config.js';
import { ErpDeltaError } from '../errors/erp-delta-error.js';
import { deliveryHeaders } from './delivery-headers.js';
import { RequestRate } from './request-rate.js';

type DeliveryConfig = TrackerConfig['delivery'];

/**
 * How one process reaches the target, made once per config: the fixed headers, the connection
 * pool (an undici Agent, with the config's CA and client certificate), and the request rate.
 * Shared by everything that sends to the target from the process (the loader, `dlq replay
 * --target`, the status page's re-send), so that they share one rate and one pool.
 *
 * Why undici's own package rather than the fetch built into Node: Node's fetch takes a CA only
 * through a dispatcher, and Node exports no Agent to make one. The package's `fetch` and `Agent`
 * together are its public API (the `dispatcher` option); an Agent of the package given to Node's
 * built-in fetch would tie the two versions together. The package is pinned to the undici Node 20
 * bundles (6.24.1), so requests behave as they did with the built-in fetch.
 */
export interface TargetTransport {
  headers: Readonly<Record<string, string>>;
  dispatcher: Agent;
  /** `delivery.tls` read (an http:// target with it set is refused at start-up); never logged. */
  tls: TlsMaterial | undefined;
  rate: RequestRate | undefined;
}

const transports = new WeakMap<DeliveryConfig, TargetTransport>();

/** The transport of a config, made at its first use (the loader's start-up), which reads the PEM files and the headers' secrets. */
export function targetTransport(delivery: DeliveryConfig): TargetTransport {
  let transport = transports.get(delivery);
  if (transport === undefined) {
    const headers = deliveryHeaders(delivery);
    const material = delivery.tls === undefined ? undefined : tlsMaterial(delivery.tls);
    transport = {
      headers,
      dispatcher: new Agent(material === undefined ? {} : { connect: material }),
      tls: material,
      rate: delivery.maxRequestsPerSecond === undefined ? undefined : new RequestRate(delivery.maxRequestsPerSecond),
    };
    transports.set(delivery, transport);
  }
  return transport;
}

/** Closes the pool's connections (the loader's stop); a later request makes a new transport. */
export async function closeTargetTransport(delivery: DeliveryConfig): Promise<void> {
  const transport = transports.get(delivery);
  transports.delete(delivery);
  await transport?.dispatcher.close().catch(() => undefined);
}

/**
 * The PEM texts of `delivery.tls`, checked as Node's TLS will use them: a file that cannot be read,
 * a CA that holds no certificate, a key that does not match its certificate each stop the start-up,
 * naming the key. A value is a path, or a reference (`${env:NAME}`, `${file:PATH}`) whose value is
 * the PEM text itself or a path to it.
 */
export interface TlsMaterial {
  ca?: string;
  cert?: string;
  key?: string;
}

export function tlsMaterial(tls: NonNullable<DeliveryConfig['tls']>): TlsMaterial {
  const read = (value: string | undefined, name: 'ca' | 'cert' | 'key'): string | undefined => {
    if (value === undefined) return undefined;
    const key = `delivery.tls.${name}`;
    const resolved = resolveSecretReference(value, key);
    if (resolved.trimStart().startsWith('-----BEGIN')) return resolved;
    try {
      return readFileSync(resolved, 'utf8');
    } catch (error) {
      throw new ErpDeltaError('INVALID_CONFIG', `${key} names the file ${resolved}, which cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`, { cause: error });
    }
  };
  const material = { ca: read(tls.ca, 'ca'), cert: read(tls.cert, 'cert'), key: read(tls.key, 'key') };
  // Node takes a CA without any certificate in it silently, and then trusts nothing.
  if (material.ca !== undefined && !material.ca.includes('-----BEGIN CERTIFICATE-----')) {
    throw new ErpDeltaError('INVALID_CONFIG', 'delivery.tls.ca holds no PEM certificate (-----BEGIN CERTIFICATE-----).');
  }
  if (material.cert !== undefined && !material.cert.includes('-----BEGIN CERTIFICATE-----')) {
    throw new ErpDeltaError('INVALID_CONFIG', 'delivery.tls.cert holds no PEM certificate (-----BEGIN CERTIFICATE-----).');
  }
  try {
    createSecureContext(material);
  } catch (error) {
    // OpenSSL's words ("key values mismatch", "no start line") name no file: the keys do.
    throw new ErpDeltaError('INVALID_CONFIG', `delivery.tls (${Object.keys(tls).join(', ')}) cannot be used: ${(error as Error).message}.`, { cause: error });
  }
  return Object.fromEntries(Object.entries(material).filter(([, value]) => value !== undefined));
}

/** Node's and OpenSSL's codes for a TLS connection refused over a certificate, either side's. */
const CERTIFICATE_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'CERT_UNTRUSTED', 'CERT_REJECTED', 'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * What went wrong with TLS in a failed request, if it was TLS: an untrusted or mismatched server
 * certificate, or a handshake the server ended (it wants a client certificate, or not this one).
 * Such a failure does not pass by itself, unlike a target that is down.
 */
export function tlsProblem(error: unknown): string | undefined {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 5; cause = cause.cause, depth += 1) {
    const code = (cause as NodeJS.ErrnoException).code ?? '';
    if (CERTIFICATE_CODES.has(code) || code.startsWith('ERR_SSL_') || /^ERR_TLS_/.test(code)) return `${cause.message} (${code})`;
  }
  return undefined;
}

/**
 * A TLS handshake with the target alone, to tell why a request failed when undici only says the
 * connection closed. Under TLS 1.3 a server that wants a client certificate (or refuses the one
 * sent) says so with an alert after the client's side of the handshake is done, which undici
 * reports as "other side closed"; read here, it comes with its own words. Undefined when the
 * handshake and the second after it went well: the failure was not TLS.
 */
export function probeTls(target: URL, material: TlsMaterial | undefined, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const host = target.hostname.replace(/^\[|\]$/g, '');
    const socket = connect({ host, port: Number(target.port || 443), ...(isIP(host) === 0 ? { servername: host } : {}), ...material });
    let timer = setTimeout(() => done(undefined), timeoutMs);
    function done(problem: string | undefined): void {
      clearTimeout(timer);
      socket.destroy();
      resolve(problem);
    }
    socket.once('error', (error) => done(tlsProblem(error)));
    socket.once('close', () => done(undefined));
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      timer = setTimeout(() => done(undefined), Math.min(timeoutMs, 1_000));
      // Reading is what brings a post-handshake alert in.
      socket.resume();
    });
  });
}
