import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { API_PREFIX, type AuthIdentity } from '../../../contracts/index.js';
import { membership, organizationsOfUser } from '../../../db/queries/organizations.js';
import { consumeLoginLink, deleteExpiredSessions, deleteSession, insertSession } from '../../../db/queries/sessions.js';
import type { Database } from '../../../db/postgres/database.js';
import { recordAudit } from '../../../control/audit.js';
import type { Caller } from '../../../control/caller.js';
import {
  clearSessionCookie,
  csrfTokenFor,
  newSessionSecret,
  sessionLifetimeHours,
  sessionSecretFrom,
  setSessionCookie,
} from '../auth/session-cookie.js';
import { hashToken } from '../../../contracts/tokens.js';
import { ApiProblem } from '../../../control/problem.js';
import type { Platform } from '../../../control/platform.js';
import { defineRoute, registryRoute } from '../routing.js';

/* Sign-in for the browser (ARCHITECTURE correction 5: the contract has no auth endpoints). */

export const loginLinkPath = `${API_PREFIX}/auth/link/:token`;

export const authRoutes: FastifyPluginAsync<{ platform: Platform }> = async (app, { platform }) => {
  const { db } = platform;

  // A JSON body keeps cross-site forms out: they cannot send application/json without CORS.
  defineRoute(app, registryRoute('login'), {}, async ({ body, request, reply }) => {
    const token = await app.authenticator.verifyApiToken(body.token);
    if (token.project_id) throw new ApiProblem('UNAUTHORIZED', 'Project tokens cannot sign in; use a user token (syn_usr_)');
    const caller: Caller = { userId: token.user_id, orgId: token.member_org_id, role: token.role, tokenId: token.id, via: 'token' };
    const csrfToken = await startSession(platform, request, reply, caller, 'auth.login');
    return identity(db, caller, csrfToken);
  });

  defineRoute(app, registryRoute('logout'), { permission: null }, async ({ caller, request, reply }) => {
    const secret = sessionSecretFrom(request);
    if (caller.via !== 'session' || !secret) return;
    await db.transaction().execute(async (trx) => {
      await deleteSession(trx, hashToken(secret));
      await recordAudit(trx, request, caller, { action: 'auth.logout', resourceType: 'session' });
    });
    // This process forgets at once; the others hear `auth_changed`.
    app.authenticator.revoked();
    clearSessionCookie(request, reply, platform.config.publicUrl);
  });

  defineRoute(app, registryRoute('getMe'), { permission: null }, async ({ caller, request }) => {
    const secret = caller.via === 'session' ? sessionSecretFrom(request) : undefined;
    return identity(db, caller, secret ? csrfTokenFor(secret) : null);
  });

  defineRoute(app, registryRoute('listMyOrganizations'), { permission: null }, async ({ caller }) => {
    const organizations = await organizationsOfUser(db, caller.userId);
    return organizations.map((organization) => ({ ...organization, current: organization.id === caller.orgId }));
  });

  // A token belongs to one organization; a browser session moves by being replaced.
  defineRoute(app, registryRoute('switchOrganization'), { permission: null }, async ({ body, caller, request, reply }) => {
    const secret = sessionSecretFrom(request);
    if (caller.via !== 'session' || !secret) {
      throw new ApiProblem('UNPROCESSABLE', 'An API token acts in the organization it was made in; sign in with a session to switch');
    }
    const member = await membership(db, caller.userId, body.org_id);
    if (!member) throw new ApiProblem('NOT_FOUND', `No organization ${body.org_id} among yours`);
    const next: Caller = { userId: caller.userId, orgId: body.org_id, role: member.role, via: 'session' };
    await deleteSession(db, hashToken(secret));
    app.authenticator.revoked();
    const csrfToken = await startSession(platform, request, reply, next, 'auth.switch_organization');
    return identity(db, next, csrfToken);
  });

  // The URL carries the link's secret: 'warn' keeps this route's request lines out of the logs.
  app.get<{ Params: { token: string } }>(loginLinkPath, { logLevel: 'warn' }, async (request, reply) => {
    const link = await consumeLoginLink(db, hashToken(request.params.token), new Date());
    if (!link) throw new ApiProblem('UNAUTHORIZED', 'This login link is invalid, already used or expired');
    const member = await membership(db, link.user_id, link.org_id);
    if (!member) throw new ApiProblem('UNAUTHORIZED', 'This login link belongs to someone who is no longer a member');
    const caller: Caller = { userId: link.user_id, orgId: link.org_id, role: member.role, via: 'session' };
    await startSession(platform, request, reply, caller, 'auth.login_link');
    return reply.redirect('/', 302);
  });
};

/** Opens a session for the caller, sets its cookie, and returns the session's CSRF token. */
async function startSession(
  { db, config }: Platform,
  request: FastifyRequest,
  reply: FastifyReply,
  caller: Caller,
  action: string,
): Promise<string> {
  const session = newSessionSecret();
  const now = new Date();
  await db.transaction().execute(async (trx) => {
    await deleteExpiredSessions(trx, now);
    await insertSession(trx, {
      id: session.id,
      user_id: caller.userId,
      org_id: caller.orgId,
      csrf_token_hash: session.csrfTokenHash,
      expires_at: new Date(now.getTime() + sessionLifetimeHours * 3600 * 1000),
    });
    await recordAudit(trx, request, caller, { action, resourceType: 'session' });
  });
  setSessionCookie(request, reply, config.publicUrl, session.secret);
  return session.csrfToken;
}

async function identity(db: Kysely<Database>, caller: Caller, csrfToken: string | null): Promise<AuthIdentity> {
  const member = await membership(db, caller.userId, caller.orgId);
  if (!member) throw new ApiProblem('UNAUTHORIZED', 'No longer a member of this organization');
  return { ...member, csrf_token: csrfToken };
}
