import helmet, { type FastifyHelmetRouteOptions } from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

/*
 * Browser security headers on every answer, UI and API alike (@fastify/helmet). The UI holds
 * buttons that deploy and roll back, so no other site may frame it (clickjacking), and the page
 * may load scripts, styles and connections from its own origin only: what the built UI and its
 * socket.io connection need. Routes with other needs (Vite's dev server, the API docs page) widen
 * the policy for themselves with `contentSecurityPolicyFor`.
 */

export type CspDirectives = Record<string, string[]>;

const hstsMaxAgeSeconds = 365 * 24 * 3600;

/** Whether browsers reach the control plane over https: its public URL says so, whatever proxy ends TLS. */
export function servedOverHttps(publicUrl: string): boolean {
  return new URL(publicUrl).protocol === 'https:';
}

/** The built UI's needs; the JSON API needs none of it, and the strictest common policy costs nothing. */
export function appDirectives(publicUrl: string): CspDirectives {
  const https = servedOverHttps(publicUrl);
  return {
    'default-src': ["'self'"],
    'script-src': ["'self'"],
    'style-src': ["'self'"],
    // The UI's favicon is an empty data: URL.
    'img-src': ["'self'", 'data:'],
    'font-src': ["'self'"],
    // Older Safari does not count ws: of its own origin as 'self': socket.io's websocket is named.
    'connect-src': ["'self'", `${https ? 'wss' : 'ws'}://${new URL(publicUrl).host}`],
    'object-src': ["'none'"],
    'base-uri': ["'none'"],
    'form-action': ["'self'"],
    'frame-ancestors': ["'none'"],
    ...(https ? { 'upgrade-insecure-requests': [] } : {}),
  };
}

/** A route's option that replaces the app's policy by `directives` (the other headers stay). */
export function contentSecurityPolicyFor(directives: CspDirectives): FastifyHelmetRouteOptions {
  return { helmet: { contentSecurityPolicy: { useDefaults: false, directives } } };
}

export async function registerSecurityHeaders(app: FastifyInstance, publicUrl: string): Promise<void> {
  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: appDirectives(publicUrl) },
    frameguard: { action: 'deny' },
    // no-referrer would also make browsers send `Origin: null` on the UI's own POSTs.
    referrerPolicy: { policy: 'same-origin' },
    // Only where the public URL is https: over plain http, HSTS would lock browsers out of a dev setup.
    hsts: servedOverHttps(publicUrl) ? { maxAge: hstsMaxAgeSeconds, includeSubDomains: true } : false,
  });
}
