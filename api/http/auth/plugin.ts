import type { FastifyInstance, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { Kysely } from 'kysely';
import { apiTokenByHash, type TokenWithRole, touchApiToken } from '../../../db/queries/api-tokens.js';
import { liveSession, type SessionWithRole, touchSession } from '../../../db/queries/sessions.js';
import type { Database } from '../../../db/postgres/database.js';
import { ApiProblem } from '../../../control/problem.js';
import { followChannel, NotifiedCache } from '../notified-cache.js';
import { type Action } from '../../../contracts/api/permissions.js';
import { authorize, type Caller } from '../../../control/caller.js';
import { csrfHeader, sessionSecretFrom } from './session-cookie.js';
import { hashToken, tokenKind, tokenMatchesHash } from '../../../contracts/tokens.js';

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
    authenticator: Authenticator;
  }
}

/*
 * `last_used_at` and `last_seen_at` are refreshed at most this often, so a busy token does not
 * turn every read into a write.
 */
const tokenTouchIntervalSeconds = 60;
const sessionTouchIntervalSeconds = 60;
const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/** What authentication reads of a request; a socket.io handshake has the same. */
export type Credentials = Pick<FastifyRequest, 'headers' | 'method'>;

/** Verifies credentials against the database, through the per-process caches. */
export class Authenticator {
  /** Verified credentials by the hash of their secret, forgotten on `auth_changed` (migration 0008). */
  readonly tokens = new NotifiedCache<TokenWithRole>();
  readonly sessions = new NotifiedCache<SessionWithRole>();

  constructor(private readonly db: Kysely<Database>) {}

  /** After a revocation made by this process: it forgets at once, the others hear `auth_changed`. */
  revoked(): void {
    this.tokens.clear();
    this.sessions.clear();
  }

  /** The caller a request's bearer token or session cookie names; throws 401 (or 403 for a missing CSRF token). */
  async resolveCaller(request: Credentials): Promise<Caller> {
    // A bearer token wins over a cookie: scripts that also hold a browser cookie mean the token.
    const authorization = request.headers.authorization;
    if (authorization !== undefined) {
      const token = /^Bearer\s+(\S+)$/i.exec(authorization)?.[1];
      if (!token) throw new ApiProblem('UNAUTHORIZED', 'The Authorization header must be `Bearer <token>`');
      return callerOf(await this.verifyApiToken(token));
    }
    const secret = sessionSecretFrom(request);
    if (secret) return this.callerFromSession(request, secret);
    throw new ApiProblem('UNAUTHORIZED', 'Authentication required: send `Authorization: Bearer <token>` or sign in');
  }

  /**
   * Checks a presented `syn_usr_` / `syn_prj_` token: well-formed, known (by hash, compared in
   * constant time), of the kind its row says, unexpired, and its owner still a member.
   */
  async verifyApiToken(token: string): Promise<TokenWithRole> {
    const kind = tokenKind(token);
    if (kind === 'agt') throw new ApiProblem('UNAUTHORIZED', 'Agent tokens authenticate only the agent gateway, not the REST API');
    if (kind === null) throw new ApiProblem('UNAUTHORIZED', 'Invalid API token');
    const hash = hashToken(token);
    const row = await this.tokens.through(hash, () => apiTokenByHash(this.db, hash));
    if (!row || !tokenMatchesHash(token, row.token_hash) || (kind === 'prj') !== (row.project_id !== null)) {
      throw new ApiProblem('UNAUTHORIZED', 'Invalid API token');
    }
    const now = new Date();
    if (row.expires_at && row.expires_at <= now) throw new ApiProblem('UNAUTHORIZED', 'API token expired');
    if (!row.last_used_at || now.getTime() - row.last_used_at.getTime() > tokenTouchIntervalSeconds * 1000) {
      // Also in the cached row, so the next requests know the touch is done.
      row.last_used_at = now;
      await touchApiToken(this.db, row.id, now);
    }
    return row;
  }

  private async callerFromSession(request: Credentials, secret: string): Promise<Caller> {
    const now = new Date();
    const id = hashToken(secret);
    const cached = await this.sessions.through(id, () => liveSession(this.db, id, now));
    const session = cached && cached.expires_at > now ? cached : undefined;
    if (!session) throw new ApiProblem('UNAUTHORIZED', 'Session expired or signed out: sign in again');
    // A cross-site form can make the browser send the cookie, but cannot read the CSRF token.
    if (!safeMethods.has(request.method)) {
      const offered = request.headers[csrfHeader];
      if (typeof offered !== 'string' || !tokenMatchesHash(offered, session.csrf_token_hash)) {
        throw new ApiProblem('FORBIDDEN', 'A request signed in by cookie must send the session\'s X-CSRF-Token header');
      }
    }
    if (now.getTime() - session.last_seen_at.getTime() > sessionTouchIntervalSeconds * 1000) {
      session.last_seen_at = now;
      await touchSession(this.db, session.id, now);
    }
    return { userId: session.user_id, orgId: session.org_id, role: session.role, via: 'session' };
  }
}

/**
 * Decorates the root app, so every resource plugin sees `app.authenticate`, `app.authenticator`
 * and `request.caller`. The caches follow `auth_changed` on the process's notification listener.
 */
export async function registerAuth(app: FastifyInstance, db: Kysely<Database>): Promise<void> {
  const authenticator = new Authenticator(db);
  app.decorate('authenticator', authenticator);
  app.decorateRequest('caller', null);
  app.decorateRequest('can', function can(this: FastifyRequest, action: Action) {
    if (!this.caller) throw new ApiProblem('UNAUTHORIZED', 'Authentication required');
    authorize(this.caller, action);
  });
  app.decorate('authenticate', async (request: FastifyRequest) => {
    request.caller = await authenticator.resolveCaller(request);
  });
  await followChannel(app, 'auth_changed', [authenticator.tokens, authenticator.sessions]);
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
