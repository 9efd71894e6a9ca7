import { isIP } from 'node:net';
import { connect } from 'node:tls';
import { Agent } from 'undici';
import { readTlsMaterial, tlsProblem, type TlsMaterial } from '../config/tls-material.js';
import type { TrackerConfig } from '../config/tracker-config.js';
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
 * built-in fetch would tie the two versions together. The package is pinned (8.14.0, the line the
 * active Node LTS line, 26, bundles), so that the target sees the same requests on every Node line.
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

// Where the loader's callers have long found them; they serve every TLS client of the config now.
export { tlsProblem, type TlsMaterial };

/** Closes the pool's connections (the loader's stop); a later request makes a new transport. */
export async function closeTargetTransport(delivery: DeliveryConfig): Promise<void> {
  const transport = transports.get(delivery);
  transports.delete(delivery);
  await transport?.dispatcher.close().catch(() => undefined);
}

/**
 * The PEM texts of `delivery.tls`, read and checked once (config/tls-material.ts): a value is a
 * path, or PEM text (a `${file:PATH}` or `${env:NAME}` reference gives it).
 */
export function tlsMaterial(tls: NonNullable<DeliveryConfig['tls']>): TlsMaterial {
  return readTlsMaterial(tls, 'delivery.tls');
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
