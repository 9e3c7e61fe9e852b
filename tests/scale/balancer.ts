import net from 'node:net';

interface Tracked {
  backend: number;
  /** The connection's first bytes (request line and headers), to tell which backend serves whom. */
  head: string;
  client: net.Socket;
}

/**
 * A layer-4 round-robin load balancer on 127.0.0.1, as HAProxy's `mode tcp` would be: each client
 * connection goes whole to the next backend that accepts it, so HTTP keep-alive, WebSocket
 * upgrades (agents, socket.io) and long-lived sockets pass untouched. A backend that refuses the
 * connection (a killed process) is skipped for that connection, which is what lets an agent
 * reconnect through the balancer to a live process.
 */
export class TcpBalancer {
  private readonly server: net.Server;
  private readonly connections = new Set<Tracked>();
  private next = 0;

  private constructor(private readonly backends: number[]) {
    this.server = net.createServer((client) => this.accept(client));
  }

  static async listen(backendPorts: number[]): Promise<TcpBalancer> {
    const balancer = new TcpBalancer([...backendPorts]);
    await new Promise<void>((resolve) => balancer.server.listen(0, '127.0.0.1', resolve));
    return balancer;
  }

  get url(): string {
    const address = this.server.address() as net.AddressInfo;
    return `http://127.0.0.1:${address.port}`;
  }

  /** Adds a backend (a third API process). */
  add(port: number): void {
    this.backends.push(port);
  }

  /** The backend port serving the open connection whose first bytes contain `marker` (an agent's token). */
  backendOf(marker: string): number | undefined {
    for (const tracked of this.connections) if (!tracked.client.destroyed && tracked.head.includes(marker)) return this.backends[tracked.backend];
    return undefined;
  }

  async close(): Promise<void> {
    for (const tracked of this.connections) tracked.client.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    client.pause();
    const tracked: Tracked = { backend: -1, head: '', client };
    this.connections.add(tracked);
    client.once('close', () => this.connections.delete(tracked));
    client.on('error', () => client.destroy());
    client.once('data', (chunk: Buffer) => (tracked.head = chunk.subarray(0, 4096).toString('latin1')));
    this.connect(tracked, this.backends.length);
  }

  private connect(tracked: Tracked, triesLeft: number): void {
    if (triesLeft === 0 || tracked.client.destroyed) {
      tracked.client.destroy();
      return;
    }
    const index = this.next++ % this.backends.length;
    const upstream = net.connect(this.backends[index]!, '127.0.0.1');
    upstream.once('error', () => {
      upstream.destroy();
      if (tracked.backend === -1) this.connect(tracked, triesLeft - 1);
      else tracked.client.destroy();
    });
    upstream.once('connect', () => {
      tracked.backend = index;
      tracked.client.pipe(upstream).pipe(tracked.client);
      tracked.client.once('close', () => upstream.destroy());
      upstream.once('close', () => tracked.client.destroy());
      tracked.client.resume();
    });
  }
}
