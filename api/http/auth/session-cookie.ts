import { createHmac, randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { servedOverHttps } from '../security-headers.js';
import { hashToken } from '../../../contracts/tokens.js';

/*
 * The browser's session: an httpOnly cookie carrying a random secret. The database keeps only the
 * secret's SHA-256 (the session id) and the hash of the session's CSRF token.
 */

/** The contract's name (section 2.1), which the OpenAPI document's `sessionCookie` scheme also uses. */
export const sessionCookieName = 'next-auth.session-token';
export const sessionLifetimeHours = 7 * 24;
export const csrfHeader = 'x-csrf-token';

const secretBytes = 32;

export interface NewSessionSecret {
  /** Goes into the cookie only. */
  secret: string;
  /** SHA-256 hex of the secret: the `sessions.id`. */
  id: string;
  csrfToken: string;
  csrfTokenHash: string;
}

export function newSessionSecret(): NewSessionSecret {
  const secret = randomBytes(secretBytes).toString('base64url');
  const csrfToken = csrfTokenFor(secret);
  return { secret, id: hashToken(secret), csrfToken, csrfTokenHash: hashToken(csrfToken) };
}

/**
 * The CSRF token is derived from the session secret rather than stored, so `GET /auth/me` can
 * hand it to a reloaded page again; only a holder of the httpOnly cookie can obtain it, and a
 * cross-site page can neither read the cookie nor our responses (no CORS).
 */
export function csrfTokenFor(secret: string): string {
  return createHmac('sha256', secret).update('syntra-csrf').digest('base64url');
}

export function sessionSecretFrom(request: Pick<FastifyRequest, 'headers'>): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const pair of header.split(';')) {
    const separator = pair.indexOf('=');
    if (separator < 0) continue;
    if (pair.slice(0, separator).trim() === sessionCookieName) return pair.slice(separator + 1).trim() || undefined;
  }
  return undefined;
}

// SameSite=Strict keeps the cookie off every cross-site request. Secure whenever browsers come over
// https: the public URL says so even behind a proxy that ends TLS; a plain-http dev setup still signs in.
function cookieAttributes(request: FastifyRequest, publicUrl: string, maxAgeSeconds: number): string {
  const secure = servedOverHttps(publicUrl) || request.protocol === 'https';
  return [`Path=/`, 'HttpOnly', 'SameSite=Strict', `Max-Age=${maxAgeSeconds}`, ...(secure ? ['Secure'] : [])].join('; ');
}

export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, publicUrl: string, secret: string): void {
  reply.header('set-cookie', `${sessionCookieName}=${secret}; ${cookieAttributes(request, publicUrl, sessionLifetimeHours * 3600)}`);
}

export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply, publicUrl: string): void {
  reply.header('set-cookie', `${sessionCookieName}=; ${cookieAttributes(request, publicUrl, 0)}`);
}
