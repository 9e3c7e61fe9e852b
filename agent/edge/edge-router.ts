import { lookup } from 'node:dns/promises';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import tls from 'node:tls';
import type { Logger } from 'pino';
import type { AgentDomainStatus } from '../../contracts/index.js';
import { messageOf } from '../errors.js';
import { PROXY_DRAIN_TIMEOUT_MS } from '../runtime/service-proxy.js';
import type { ServiceRegistry, ServiceState } from '../runtime/service-registry.js';
import type { ServiceSpec } from '../runtime/service-spec.js';
import { AskEndpoint } from './ask-endpoint.js';
import { LETS_ENCRYPT_DIRECTORY, renderCaddyConfig, type CertificateIssuer, type ControlPlaneRoute, type EdgeRoute, type EdgeSettings } from './caddy-config.js';
import { CaddyProcess } from './caddy-process.js';
import { CertificateTracker } from './certificates.js';

const WARM_UP_TIMEOUT_MS = 120_000;
/* How often a draining replica's requests in flight are read from Caddy. */
const DRAIN_POLL_INTERVAL_MS = 50;

export interface EdgeOptions {
  /** The agent's data folder; Caddy's storage and admin socket live in `<dataDir>/caddy`. */
  dataDir: string;
  /** Default every interface; tests use 127.0.0.1. */
  listenHost?: string | undefined;
  /** Default 80 and 443; tests use unprivileged ports. */
  httpPort?: number | undefined;
  httpsPort?: number | undefined;
  /** Default Let's Encrypt. */
  issuer?: CertificateIssuer | undefined;
  /** On the control plane's server: its public name, routed to the API. */
  controlPlane?: ControlPlaneRoute | undefined;
  /** The `caddy` executable; default `caddy` on PATH. */
  executable?: string | undefined;
  log: Logger;
}

/**
 * The server's HTTPS front door: a Caddy the agent runs, routing each domain the control plane
 * sent straight to its service's replicas in rotation (their addresses on the project network), with
 * keep-alive connections to them. The rotation is the stable endpoint's (runtime/service-proxy.ts);
 * the replica lifecycle reloads Caddy whenever it changes: after a replica joins, and before one
 * stops, waiting then for Caddy's requests in flight to it (`drain`), so a rolling or blue-green
 * deploy loses no request. The desired config is rendered from the agent's services and loaded
 * whole on every change and every start.
 */
/** The organization's ACME account as deploys carry it (`networking.acme`). */
type AcmeAccount = NonNullable<ServiceSpec['networking']['acme']>;

export class EdgeRouter {
  private routes: EdgeRoute[] = [];
  /** From the latest deploy that carried one; after a restart, read from the services' specs. */
  private acme: AcmeAccount | undefined;
  private readonly ownIssuer: CertificateIssuer;
  private readonly warming = new Set<string>();
  private readonly resolving = new Map<string, boolean>();
  private loading: Promise<unknown> = Promise.resolve();
  /** host:port of replicas out of rotation whose requests through Caddy are being waited for. */
  private readonly draining = new Set<string>();

  private constructor(
    private readonly caddy: CaddyProcess,
    private readonly ask: AskEndpoint,
    private readonly settings: EdgeSettings,
    private readonly certificates: CertificateTracker,
    private readonly log: Logger,
  ) {
    this.ownIssuer = settings.issuer;
  }

  static async start(options: EdgeOptions): Promise<EdgeRouter> {
    const root = path.join(options.dataDir, 'caddy');
    const runDir = path.join(root, 'run');
    const storageRoot = path.join(root, 'storage');
    await mkdir(storageRoot, { recursive: true, mode: 0o700 });
    const certificates = new CertificateTracker(storageRoot);
    const caddy = new CaddyProcess({ executable: options.executable ?? 'caddy', runDir, log: options.log, onLog: (entry) => certificates.observe(entry) });
    let router: EdgeRouter | null = null;
    const ask = await AskEndpoint.open((domain) => router?.approves(domain) ?? false);
    const settings: EdgeSettings = {
      adminListen: `unix/${caddy.adminSocket}`,
      drainingListen: `unix/${path.join(runDir, 'draining.sock')}`,
      logListen: `unix/${caddy.logSocket}`,
      storageRoot,
      listenHost: options.listenHost,
      httpPort: options.httpPort ?? 80,
      httpsPort: options.httpsPort ?? 443,
      askUrl: ask.url,
      issuer: options.issuer ?? { type: 'acme', directory: LETS_ENCRYPT_DIRECTORY },
      controlPlane: options.controlPlane,
    };
    let started: 'started' | 'adopted';
    try {
      started = await caddy.start();
    } catch (error) {
      await ask.close();
      throw error;
    }
    router = new EdgeRouter(caddy, ask, settings, certificates, options.log);
    // An adopted Caddy keeps routing with its config until the services are known again (the first
    // sync): loading the empty one now would answer 404 on every site in between.
    if (started === 'started') await router.load();
    if (settings.controlPlane) void router.warmUp(settings.controlPlane.domain);
    return router;
  }

  get httpPort(): number {
    return this.settings.httpPort;
  }

  get httpsPort(): number {
    return this.settings.httpsPort;
  }

  get storageRoot(): string {
    return this.settings.storageRoot;
  }

  /** The pid of the Caddy process now running (tests kill it to prove the agent brings it back). */
  get caddyPid(): number | undefined {
    return this.caddy.pid;
  }

  approves(domain: string): boolean {
    return domain === this.settings.controlPlane?.domain || this.routes.some((route) => route.domains.includes(domain));
  }

  /** The organization's ACME account from a deploy; loaded with the next sync. */
  useAcme(acme: AcmeAccount | undefined): void {
    if (acme) this.acme = acme;
  }

  /** Routes every known service's domains to its replicas in rotation; a removed domain stops routing. */
  async sync(services: ServiceRegistry): Promise<void> {
    const routes = await this.serialised(async () => {
      this.routes = this.desiredRoutes(services);
      await this.load();
      return this.routes;
    });
    for (const route of routes) for (const domain of route.domains) void this.warmUp(domain);
  }

  /** A service's rotation changed: Caddy follows only where it routes the service (one with domains is in its config). */
  async rotationChanged(services: ServiceRegistry, state: ServiceState): Promise<void> {
    if (state.spec.networking.domains.length > 0) await this.sync(services);
  }

  /**
   * Loads the routes without a replica that just left its service's rotation, then waits (at most
   * `timeoutMs`) until Caddy has no request in flight to it, so it can be stopped.
   */
  async drain(services: ServiceRegistry, address: string, timeoutMs = PROXY_DRAIN_TIMEOUT_MS): Promise<void> {
    // A replica Caddy never routed to (its service has no domain) has nothing to wait for, and is no reason for a reload.
    if (!this.routes.some((route) => route.upstreams.includes(address))) return;
    this.draining.add(address);
    try {
      await this.sync(services);
      const deadline = Date.now() + timeoutMs;
      while (((await this.caddy.upstreamRequests()).get(address) ?? 0) > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_INTERVAL_MS));
      }
    } finally {
      // Left in Caddy's config until the next load: it receives nothing there.
      this.draining.delete(address);
    }
  }

  async domainStatuses(): Promise<AgentDomainStatus[]> {
    const statuses: AgentDomainStatus[] = [];
    for (const route of this.routes) {
      for (const domain of route.domains) {
        const state = await this.certificates.state(domain, this.resolving.get(domain) ?? false);
        statuses.push({
          domain,
          service_id: route.serviceId,
          status: state.status,
          expires_at: state.certificate?.expiresAt.toISOString() ?? null,
          issuer: state.certificate?.issuer ?? null,
          error: state.error,
        });
      }
    }
    return statuses;
  }

  async stop(): Promise<void> {
    await this.caddy.stop();
    await this.ask.close();
  }

  /** Leaves Caddy serving every site for the next agent process, which adopts it (a self-update). */
  async detach(): Promise<void> {
    await this.caddy.detach();
    await this.ask.close();
  }

  /*
   * Deploys of different services and the supervisor sync at once. Each load renders the rotation
   * as it is when its turn comes, so the load Caddy applies last is never an older picture.
   */
  private serialised<T>(work: () => Promise<T>): Promise<T> {
    const run = this.loading.then(work, work);
    this.loading = run.catch(() => undefined);
    return run;
  }

  private desiredRoutes(services: ServiceRegistry): EdgeRoute[] {
    const routes: EdgeRoute[] = [];
    for (const serviceId of services.serviceIds()) {
      const state = services.find(serviceId);
      this.acme ??= state?.spec.networking.acme;
      if (state?.proxy && state.spec.networking.domains.length > 0) {
        routes.push({
          serviceId,
          domains: state.spec.networking.domains.map((domain) => domain.toLowerCase()),
          upstreams: state.proxy.upstreams,
        });
      }
    }
    return routes;
  }

  /*
   * The organization's account replaces the agent's own directory and email. An agent started with
   * Caddy's internal CA keeps it: its operator chose a private network, where no ACME server reaches.
   */
  private async load(): Promise<void> {
    const issuer: CertificateIssuer =
      this.ownIssuer.type === 'acme' && this.acme ? { ...this.ownIssuer, directory: this.acme.directory_url, email: this.acme.email ?? undefined } : this.ownIssuer;
    await this.caddy.load(renderCaddyConfig({ ...this.settings, issuer }, this.routes, [...this.draining]));
  }

  /*
   * Certificates are issued on demand, at a name's first TLS handshake. The agent makes that
   * handshake itself once the name resolves, so a new domain is certified before its first
   * visitor; a name that does not resolve yet is left alone (an order would only fail).
   */
  private async warmUp(domain: string): Promise<void> {
    if (this.warming.has(domain) || (await this.certificates.held(domain))) return;
    const resolves = await lookup(domain).then(
      () => true,
      () => false,
    );
    this.resolving.set(domain, resolves);
    if (!resolves) return;
    this.warming.add(domain);
    try {
      await new Promise<void>((resolve) => {
        const socket = tls.connect({ host: '127.0.0.1', port: this.settings.httpsPort, servername: domain, rejectUnauthorized: false });
        socket.setTimeout(WARM_UP_TIMEOUT_MS, () => socket.destroy());
        socket.once('secureConnect', () => socket.end());
        socket.once('close', () => resolve());
        socket.once('error', (error) => this.log.debug({ domain }, `certificate warm-up: ${messageOf(error)}`));
      });
    } finally {
      this.warming.delete(domain);
    }
  }
}
