import net from 'node:net';

/* A replica taken out of rotation gets this long to finish the requests it already holds. */
export const PROXY_DRAIN_TIMEOUT_MS = 10_000;

/**
 * The stable endpoint of one service: 127.0.0.1:<port>, chosen once and kept for the life of
 * the agent process, forwarding each TCP connection round-robin to a replica's published port.
 *
 * Replicas are published on ephemeral host ports that change with every deploy, so without this
 * nothing could keep talking to "the service" across a rolling update. A replica enters the
 * rotation only after its health check passes and leaves it (then drains) before it is stopped,
 * so a client never meets a replica that is starting or stopping. A backend that refuses a
 * connection is skipped: the client's bytes are held until a backend accepts.
 *
 * The rotation kept here is also what the server's HTTPS proxy dials (edge/edge-router.ts):
 * Caddy goes to the replicas directly, not through this endpoint, so a request over a domain
 * crosses one proxy, not two; and to each replica's address on the project network when it has
 * one, not its published port, which on loopback Docker carries through its userland proxy (a
 * third process, ~40 µs of CPU per request here; docs/benchmarks.md).
 */
export class ServiceProxy {
  private backends: readonly number[] = [];
  /** ip:port on the project network, by published port, for the replicas that have one. */
  private readonly networkAddresses = new Map<number, string>();
  private nextIndex = 0;
  private readonly openConnections = new Map<number, Set<net.Socket>>();
  private readonly clients = new Set<net.Socket>();
  private drainWaiters: (() => void)[] = [];

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  static async open(): Promise<ServiceProxy> {
    const server = net.createServer({ allowHalfOpen: true });
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: '127.0.0.1', port: 0 }, () => resolve((server.address() as net.AddressInfo).port));
    });
    const proxy = new ServiceProxy(server, port);
    server.on('connection', (client) => proxy.accept(client));
    return proxy;
  }

  get endpoint(): string {
    return `127.0.0.1:${this.port}`;
  }

  get backendPorts(): readonly number[] {
    return this.backends;
  }

  /** Where the server's HTTPS proxy dials the replicas in rotation. */
  get upstreams(): readonly string[] {
    return this.backends.map((port) => this.upstreamOf(port));
  }

  /** The replica's address on the project network, else its published port on loopback. */
  upstreamOf(hostPort: number): string {
    return this.networkAddresses.get(hostPort) ?? `127.0.0.1:${hostPort}`;
  }

  /** Puts a healthy replica into rotation, by its published port and its address on the project network (null if it has none). */
  add(hostPort: number, networkAddress: string | null): void {
    if (networkAddress === null) this.networkAddresses.delete(hostPort);
    else this.networkAddresses.set(hostPort, networkAddress);
    if (!this.backends.includes(hostPort)) this.backends = [...this.backends, hostPort];
  }

  /** Takes a replica out of rotation: no new connection goes to it. */
  remove(hostPort: number): void {
    this.backends = this.backends.filter((port) => port !== hostPort);
    this.networkAddresses.delete(hostPort);
  }

  /** Waits (at most `drainTimeoutMs`) for the connections this endpoint holds to a replica to end. */
  async drain(hostPort: number, drainTimeoutMs = PROXY_DRAIN_TIMEOUT_MS): Promise<void> {
    const deadline = Date.now() + drainTimeoutMs;
    while ((this.openConnections.get(hostPort)?.size ?? 0) > 0 && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now());
        this.drainWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async close(): Promise<void> {
    this.backends = [];
    this.networkAddresses.clear();
    for (const client of this.clients) client.destroy();
    for (const sockets of this.openConnections.values()) for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    this.clients.add(client);
    client.pause();
    client.once('close', () => this.clients.delete(client));
    client.on('error', () => client.destroy());
    this.connect(client, 0);
  }

  private connect(client: net.Socket, attempts: number): void {
    const candidates = this.backends;
    if (candidates.length === 0 || attempts >= candidates.length || client.destroyed) {
      client.destroy();
      return;
    }
    const hostPort = candidates[this.nextIndex++ % candidates.length]!;
    this.nextIndex %= candidates.length;
    const upstream = net.connect({ host: '127.0.0.1', port: hostPort, allowHalfOpen: true });
    const retry = () => this.connect(client, attempts + 1);
    upstream.once('error', retry);
    upstream.once('connect', () => {
      upstream.off('error', retry);
      if (client.destroyed) {
        upstream.destroy();
        return;
      }
      this.track(hostPort, upstream);
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
      client.once('close', () => upstream.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
    });
  }

  private track(hostPort: number, upstream: net.Socket): void {
    let sockets = this.openConnections.get(hostPort);
    if (!sockets) {
      sockets = new Set();
      this.openConnections.set(hostPort, sockets);
    }
    sockets.add(upstream);
    upstream.once('close', () => {
      sockets.delete(upstream);
      if (sockets.size === 0) this.openConnections.delete(hostPort);
      const waiters = this.drainWaiters;
      this.drainWaiters = [];
      for (const wake of waiters) wake();
    });
  }
}

/** A replica's address on its project network for the service's port, when it has one. */
export function networkAddress(replica: { ip: string | null }, servicePort: number): string | null {
  return replica.ip === null ? null : `${replica.ip}:${servicePort}`;
}
