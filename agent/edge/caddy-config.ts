/*
 * The part of Caddy's JSON config (https://caddyserver.com/docs/json/) the agent uses, typed, and
 * the one function that renders it from what the agent routes. Caddy gets this object serialised
 * whole by POST /load: never a Caddyfile or a string built by hand, so a domain can never inject
 * configuration and a load is all-or-nothing.
 */

/** Where certificates come from: Caddy's own CA (tests, private networks) or an ACME directory. */
export type CertificateIssuer =
  | { type: 'internal' }
  | {
      type: 'acme';
      /** The directory URL; Let's Encrypt's production directory by default. */
      directory: string;
      email?: string | undefined;
      /** PEM files of the roots the ACME server's own HTTPS is signed by (a private ACME server such as Pebble). */
      trustedRootsPemFiles?: readonly string[] | undefined;
    };

export const LETS_ENCRYPT_DIRECTORY = 'https://acme-v02.api.letsencrypt.org/directory';

/* Caddy durations, explained where the reverse proxy handler declares them. */
const UPSTREAM_TRY_DURATION = '5s';
const UPSTREAM_TRY_INTERVAL = '100ms';
const UPSTREAM_FAIL_DURATION = '2s';

/** One service's domains and the replicas that answer them. */
export interface EdgeRoute {
  serviceId: string;
  domains: readonly string[];
  /** host:port of each replica in rotation; none while the service has no healthy replica. */
  upstreams: readonly string[];
}

/**
 * The control plane behind the same Caddy (docs/domains.md): on the control plane's own server, its
 * public name routes to the API, so browsers and other servers' agents reach it over HTTPS and
 * `wss://` with a certificate obtained like any service's.
 */
export interface ControlPlaneRoute {
  domain: string;
  /** host:port of the API, e.g. 127.0.0.1:3000. */
  upstream: string;
}

export interface EdgeSettings {
  /** `unix//path` of the admin socket. */
  adminListen: string;
  /** `unix//path` of the draining server's socket (see `renderCaddyConfig`), which nothing connects to. */
  drainingListen: string;
  /** `unix//path` of the agent's socket for Caddy's log (see caddy-process.ts). */
  logListen: string;
  /** Certificates, ACME accounts and locks: in the agent's data folder, so a restart never orders again. */
  storageRoot: string;
  /** The address both ports listen on; every interface when absent (tests use 127.0.0.1). */
  listenHost?: string | undefined;
  httpPort: number;
  httpsPort: number;
  /** The URL Caddy asks before issuing on demand (the agent's ask endpoint). */
  askUrl: string;
  issuer: CertificateIssuer;
  controlPlane?: ControlPlaneRoute | undefined;
}

interface ReverseProxyHandler {
  handler: 'reverse_proxy';
  upstreams: { dial: string }[];
  /**
   * A request whose upstream refuses it (a replica that just crashed) is tried on another for up to
   * `try_duration`: short so a broken service answers 502 soon, long enough to ride over a replica
   * the supervisor restarts.
   */
  load_balancing: { selection_policy: { policy: 'round_robin' }; try_duration: string; try_interval: string };
  /** A replica that refused a connection is skipped for `fail_duration` (shorter than `try_duration`, so a lone replica is tried again in time). */
  health_checks: { passive: { fail_duration: string; max_fails: number } };
}

interface StaticResponseHandler {
  handler: 'static_response';
  status_code: number;
  body?: string;
  headers?: Record<string, string[]>;
}

interface CaddyServer {
  listen: string[];
  routes: CaddyRoute[];
  /* Redirects are the agent's own server below, so they listen where it says and name the HTTPS port. */
  automatic_https?: { disable_redirects: true } | { disable: true };
}

interface CaddyRoute {
  '@id': string;
  match?: { host: string[] }[];
  handle: (ReverseProxyHandler | StaticResponseHandler)[];
  terminal: true;
}

/* Caddy answers an unmatched request 200 with no body; a name no service has (any more) must say so. */
const NO_SERVICE_ROUTE: CaddyRoute = {
  '@id': 'no-service',
  handle: [{ handler: 'static_response', status_code: 404, body: 'No service answers at this address.\n' }],
  terminal: true,
};

type CaddyIssuer =
  | { module: 'internal' }
  | { module: 'acme'; ca: string; email?: string; trusted_roots_pem_files?: string[] };

export interface CaddyConfig {
  admin: { listen: string; origins: string[]; config: { persist: false } };
  storage: { module: 'file_system'; root: string };
  logging: { logs: { default: { writer: { output: 'net'; address: string }; encoder: { format: 'json' }; level: 'INFO' } } };
  apps: {
    http: {
      http_port: number;
      https_port: number;
      servers: Record<string, CaddyServer>;
    };
    tls: {
      automation: {
        policies: { issuers: CaddyIssuer[]; on_demand: true }[];
        on_demand: { ask: string };
      };
    };
    pki: { certificate_authorities: { local: { install_trust: false } } };
  };
}

/** The admin API answers only requests whose Host is this, over the unix socket. */
export const ADMIN_ORIGIN = 'caddy-admin';

/**
 * `draining` are host:port of replicas taken out of rotation whose requests in flight the agent
 * waits for. Caddy counts an upstream's requests only while some config holds its address, and a
 * reload does not wait for the previous config's requests; so a replica leaving a route is parked
 * in the same load in a server that listens on a unix socket nobody connects to, where it gets no
 * request and its count stays readable on the admin API.
 */
export function renderCaddyConfig(settings: EdgeSettings, routes: readonly EdgeRoute[], draining: readonly string[] = []): CaddyConfig {
  const host = settings.listenHost ?? '';
  return {
    // persist false: the agent holds the desired config and loads it on every start, so no stale autosave can win.
    admin: { listen: settings.adminListen, origins: [ADMIN_ORIGIN], config: { persist: false } },
    storage: { module: 'file_system', root: settings.storageRoot },
    logging: { logs: { default: { writer: { output: 'net', address: settings.logListen }, encoder: { format: 'json' }, level: 'INFO' } } },
    apps: {
      http: {
        http_port: settings.httpPort,
        https_port: settings.httpsPort,
        servers: {
          redirect: {
            listen: [`${host}:${settings.httpPort}`],
            routes: [{ '@id': 'to-https', handle: [redirectToHttps(settings.httpsPort)], terminal: true }],
          },
          syntra: {
            listen: [`${host}:${settings.httpsPort}`],
            automatic_https: { disable_redirects: true },
            routes: [
              ...(settings.controlPlane ? [proxyRoute('control-plane', [settings.controlPlane.domain], [settings.controlPlane.upstream])] : []),
              ...[...routes]
                .filter((route) => route.domains.length > 0)
                .sort((a, b) => a.serviceId.localeCompare(b.serviceId))
                .map((route) => proxyRoute(`service-${route.serviceId}`, route.domains, route.upstreams)),
              NO_SERVICE_ROUTE,
            ],
          },
          ...(draining.length > 0
            ? {
                draining: {
                  listen: [settings.drainingListen],
                  automatic_https: { disable: true as const },
                  routes: [{ '@id': 'draining', handle: [reverseProxy(draining)], terminal: true as const }],
                },
              }
            : {}),
        },
      },
      tls: {
        automation: {
          // On demand only: a name is certified at its first handshake, and only if the ask endpoint approves it.
          policies: [{ issuers: [caddyIssuer(settings.issuer)], on_demand: true }],
          on_demand: { ask: settings.askUrl },
        },
      },
      // Never write Caddy's root into the machine's trust store: the agent is not the machine's administrator.
      pki: { certificate_authorities: { local: { install_trust: false } } },
    },
  };
}

/* Caddy answers ACME HTTP-01 challenges on this server before any route, so the redirect never hides one. */
function redirectToHttps(httpsPort: number): StaticResponseHandler {
  const port = httpsPort === 443 ? '' : `:${httpsPort}`;
  return { handler: 'static_response', status_code: 308, headers: { Location: [`https://{http.request.host}${port}{http.request.uri}`] } };
}

/*
 * A service whose replicas are all out of rotation (stopped, scaled to zero, an `instant` deploy
 * between its old and new replicas) says so at once instead of holding every request for the
 * whole try duration.
 */
function proxyRoute(id: string, domains: readonly string[], upstreams: readonly string[]): CaddyRoute {
  const handler: ReverseProxyHandler | StaticResponseHandler =
    upstreams.length === 0
      ? { handler: 'static_response', status_code: 503, body: 'No replica of this service is running.\n' }
      : reverseProxy(upstreams);
  return { '@id': id, match: [{ host: [...domains].sort() }], handle: [handler], terminal: true };
}

function reverseProxy(upstreams: readonly string[]): ReverseProxyHandler {
  return {
    handler: 'reverse_proxy',
    upstreams: [...upstreams].sort().map((dial) => ({ dial })),
    load_balancing: { selection_policy: { policy: 'round_robin' }, try_duration: UPSTREAM_TRY_DURATION, try_interval: UPSTREAM_TRY_INTERVAL },
    health_checks: { passive: { fail_duration: UPSTREAM_FAIL_DURATION, max_fails: 1 } },
  };
}

function caddyIssuer(issuer: CertificateIssuer): CaddyIssuer {
  if (issuer.type === 'internal') return { module: 'internal' };
  return {
    module: 'acme',
    ca: issuer.directory,
    ...(issuer.email ? { email: issuer.email } : {}),
    ...(issuer.trustedRootsPemFiles?.length ? { trusted_roots_pem_files: [...issuer.trustedRootsPemFiles] } : {}),
  };
}
