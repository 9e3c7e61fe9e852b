import type { FastifyInstance, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { Kysely } from 'kysely';
import { apiTokenByHash, type TokenWithRole, touchApiToken } from '../../db/queries/api-tokens.js';
import { liveSession, touchSession } from '../../db/queries/sessions.js';
import type { Database } from '../../db/postgres/database.js';
import { ApiProblem } from '../errors.js';
import { type Action, authorize, type Caller } from './permissions.js';
import { csrfHeader, sessionSecretFrom } from './session-cookie.js';
import { hashToken, tokenKind, tokenMatchesHash } from './tokens.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `app.authenticate` on every authenticated route; null on public ones. */
    caller: Caller | null;
    /** Throws 403 unless the caller may do this (see permissions.ts). */
    can(action: Action): void;
  }
  interface FastifyInstance {
    /** The onRequest hook of every authenticated route: resolves `request.caller` or answers 401. */
    authenticate: onRequestAsyncHookHandler;
  }
}

/*
 * `last_used_at` and `last_seen_at` are refreshed at most this often, so a busy token does not
 * turn every read into a write.
 */
const tokenTouchIntervalSeconds = 60;
const sessionTouchIntervalSeconds = 60;
const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Decorates the root app, so every resource plugin sees `app.authenticate` and `request.caller`. */
export function registerAuth(app: FastifyInstance, db: Kysely<Database>): void {
  app.decorateRequest('caller', null);
  app.decorateRequest('can', function can(this: FastifyRequest, action: Action) {
    if (!this.caller) throw new ApiProblem('UNAUTHORIZED', 'Authentication required');
    authorize(this.caller, action);
  });
  app.decorate('authenticate', async (request: FastifyRequest) => {
    request.caller = await resolveCaller(db, request);
  });
}

async function resolveCaller(db: Kysely<Database>, request: FastifyRequest): Promise<Caller> {
  // A bearer token wins over a cookie: scripts that also hold a browser cookie mean the token.
  const authorization = request.headers.authorization;
  if (authorization !== undefined) {
    const token = /^Bearer\s+(\S+)$/i.exec(authorization)?.[1];
    if (!token) throw new ApiProblem('UNAUTHORIZED', 'The Authorization header must be `Bearer <token>`');
    return callerOf(await verifyApiToken(db, token));
  }
  const secret = sessionSecretFrom(request);
  if (secret) return callerFromSession(db, request, secret);
  throw new ApiProblem('UNAUTHORIZED', 'Authentication required: send `Authorization: Bearer <token>` or sign in');
}

/**
 * Checks a presented `syn_usr_` / `syn_prj_` token: well-formed, known (by hash, compared in
 * constant time), of the kind its row says, unexpired, and its owner still a member.
 */
export async function verifyApiToken(db: Kysely<Database>, token: string): Promise<TokenWithRole> {
  const kind = tokenKind(token);
  if (kind === 'agt') throw new ApiProblem('UNAUTHORIZED', 'Agent tokens authenticate only the agent gateway, not the REST API');
  if (kind === null) throw new ApiProblem('UNAUTHORIZED', 'Invalid API token');
  const row = await apiTokenByHash(db, hashToken(token));
  if (!row || !tokenMatchesHash(token, row.token_hash) || (kind === 'prj') !== (row.project_id !== null)) {
    throw new ApiProblem('UNAUTHORIZED', 'Invalid API token');
  }
  const now = new Date();
  if (row.expires_at && row.expires_at <= now) throw new ApiProblem('UNAUTHORIZED', 'API token expired');
  if (!row.last_used_at || now.getTime() - row.last_used_at.getTime() > tokenTouchIntervalSeconds * 1000) {
    await touchApiToken(db, row.id, now);
  }
  return row;
}

function callerOf(token: TokenWithRole): Caller {
  return {
    userId: token.user_id,
    orgId: token.member_org_id,
    role: token.role,
    ...(token.project_id ? { projectId: token.project_id } : {}),
    tokenId: token.id,
    via: 'token',
  };
}

async function callerFromSession(db: Kysely<Database>, request: FastifyRequest, secret: string): Promise<Caller> {
  const now = new Date();
  const session = await liveSession(db, hashToken(secret), now);
  if (!session) throw new ApiProblem('UNAUTHORIZED', 'Session expired or signed out: sign in again');
  // A cross-site form can make the browser send the cookie, but cannot read the CSRF token.
  if (!safeMethods.has(request.method)) {
    const offered = request.headers[csrfHeader];
    if (typeof offered !== 'string' || !tokenMatchesHash(offered, session.csrf_token_hash)) {
      throw new ApiProblem('FORBIDDEN', 'A request signed in by cookie must send the session\'s X-CSRF-Token header');
    }
  }
  if (now.getTime() - session.last_seen_at.getTime() > sessionTouchIntervalSeconds * 1000) await touchSession(db, session.id, now);
  return { userId: session.user_id, orgId: session.org_id, role: session.role, via: 'session' };
}
