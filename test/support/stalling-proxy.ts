import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of a real service that holds its first connections: it takes their
 * requests and never answers, as a server stuck mid-request would. Later connections reach the
 * service. For the clients that must give up on a request and try again.
 */
export class StallingProxy {
  private readonly sockets = new Set<Socket>();
  private stalled = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(target: { host: string; port: number }, stallConnections: number): Promise<StallingProxy> {
    let proxy: StallingProxy | undefined;
    const server = createServer((client) => {
      if (!proxy) return client.destroy();
      proxy.sockets.add(client);
      client.on('close', () => proxy?.sockets.delete(client));
      if (proxy.stalled < stallConnections) {
        proxy.stalled += 1;
        client.on('data', () => undefined);
        return;
      }
      const upstream = connect(target.port, target.host);
      proxy.sockets.add(upstream);
      upstream.on('close', () => {
        proxy?.sockets.delete(upstream);
        client.destroy();
      });
      client.on('close', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('the proxy has no port');
    proxy = new StallingProxy(server, address.port);
    return proxy;
  }

  /** How many connections were held without an answer. */
  get stalledConnections(): number {
    return this.stalled;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((closed) => this.server.close(() => closed()));
  }
}
