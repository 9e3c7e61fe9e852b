import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLoginLink } from '../../control/login-links.js';
import { issueToken } from '../../contracts/tokens.js';
import { buildOpenApiDocument } from '../../contracts/index.js';
import { addMember, addToken, bearer, bootstrappedOrganization, otherOrganization } from '../support/auth.js';
import { startTestApi } from '../support/platform.js';

describe('authentication', () => {
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let org: { id: string; owner_id: string };

  beforeAll(async () => {
    api = await startTestApi('auth');
    org = await bootstrappedOrganization(api.platform.db);
  });
  afterAll(async () => {
    await api?.close();
  });

  const listServers = (headers: Record<string, string> = {}) => api.app.inject({ method: 'GET', url: '/api/v1/servers', headers });
  const expectUnauthorized = (response: Awaited<ReturnType<typeof listServers>>, message?: RegExp) => {
    expect(response.statusCode).toBe(401);
    const { error } = response.json();
    expect(error.code).toBe('UNAUTHORIZED');
    expect(error.request_id).toBe(response.headers['x-request-id']);
    if (message) expect(error.message).toMatch(message);
  };

  describe('API tokens', () => {
    it('answers 401 without credentials', async () => {
      expectUnauthorized(await listServers(), /Authentication required/);
    });

    it('answers 401 for an unknown, a malformed or a non-bearer token', async () => {
      expectUnauthorized(await listServers(bearer(issueToken('usr').token)), /Invalid API token/);
      expectUnauthorized(await listServers(bearer('syn_usr_tooshort')), /Invalid API token/);
      expectUnauthorized(await listServers({ authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }));
    });

    it('answers 401 for an agent token, even a valid one', async () => {
      const created = await api.app.inject({ method: 'POST', url: '/api/v1/servers', headers: bearer(api.ownerToken), payload: { name: 'agent-host' } });
      expectUnauthorized(await listServers(bearer(created.json().data.token)), /agent gateway/);
    });

    it('answers 401 for an expired token', async () => {
      const { token } = await addMember(api.platform.db, org.id, 'admin', { expiresAt: new Date(Date.now() - 1000) });
      expectUnauthorized(await listServers(bearer(token)), /expired/);
    });

    it('answers 401 once the token\'s owner has left the organization', async () => {
      const db = api.platform.db;
      const { user, token } = await addMember(db, org.id, 'developer');
      expect((await listServers(bearer(token))).statusCode).toBe(200);
      await db.deleteFrom('org_members').where('user_id', '=', user.id).execute();
      // Straight in the database, so the API hears of it by NOTIFY (auth_changed) a moment later.
      await expect.poll(async () => (await listServers(bearer(token))).statusCode, { timeout: 5_000, interval: 20 }).toBe(401);
      expectUnauthorized(await listServers(bearer(token)));
    });

    it('answers 401 for a token whose kind does not match its row', async () => {
      // A project token stored without a project would otherwise reach the whole organization.
      const issued = issueToken('prj');
      await api.platform.db
        .insertInto('api_tokens')
        .values({ user_id: org.owner_id, org_id: org.id, name: 'broken', token_hash: issued.hash, token_prefix: issued.prefix })
        .execute();
      expectUnauthorized(await listServers(bearer(issued.token)));
    });

    it('records when a token was last used, and keeps only its hash', async () => {
      const db = api.platform.db;
      const token = await addToken(db, org.owner_id, org.id);
      expect((await listServers(bearer(token))).statusCode).toBe(200);
      const rows = await db.selectFrom('api_tokens').selectAll().where('token_prefix', '=', token.slice(0, 12)).execute();
      expect(rows).toHaveLength(1);
      expect(rows[0]!.last_used_at).toBeInstanceOf(Date);
      expect(JSON.stringify(rows)).not.toContain(token);
    });
  });

  describe('browser sessions', () => {
    const login = (token: string) => api.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { token } });
    const cookieOf = (response: Awaited<ReturnType<typeof login>>) => String(response.headers['set-cookie']).split(';')[0]!;

    it('exchanges a user token for an httpOnly, SameSite=Strict session cookie and a CSRF token', async () => {
      const response = await login(api.ownerToken);
      expect(response.statusCode).toBe(200);
      const setCookie = String(response.headers['set-cookie']);
      expect(setCookie).toMatch(/^next-auth\.session-token=[\w-]{43};/);
      expect(setCookie).toContain('HttpOnly');
      expect(setCookie).toContain('SameSite=Strict');
      expect(setCookie).not.toContain('Secure'); // plain http here
      const { data } = response.json();
      expect(data).toMatchObject({ user: { id: org.owner_id, email: 'owner@localhost' }, organization: { id: org.id }, role: 'owner' });
      expect(data.csrf_token).toMatch(/^[\w-]{43}$/);

      const session = await api.platform.db.selectFrom('sessions').selectAll().execute();
      expect(JSON.stringify(session)).not.toContain(cookieOf(response).split('=')[1]);
      expect(JSON.stringify(session)).not.toContain(data.csrf_token);
    });

    it('reads with the cookie alone, and mutates only with the matching X-CSRF-Token', async () => {
      const response = await login(api.ownerToken);
      const cookie = cookieOf(response);
      const csrf = response.json().data.csrf_token as string;
      expect((await listServers({ cookie })).statusCode).toBe(200);

      const create = (headers: Record<string, string>) =>
        api.app.inject({ method: 'POST', url: '/api/v1/projects', headers: { cookie, ...headers }, payload: { name: `csrf ${Object.keys(headers).length}` } });
      const without = await create({});
      expect(without.statusCode).toBe(403);
      expect(without.json().error.message).toMatch(/X-CSRF-Token/);
      expect((await create({ 'x-csrf-token': 'wrong' })).statusCode).toBe(403);
      expect((await create({ 'x-csrf-token': csrf })).statusCode).toBe(201);
    });

    it('gives a reloaded page its CSRF token again through /auth/me', async () => {
      const response = await login(api.ownerToken);
      const me = await api.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie: cookieOf(response) } });
      expect(me.statusCode).toBe(200);
      expect(me.json().data.csrf_token).toBe(response.json().data.csrf_token);
    });

    it('signs out: the cookie is cleared and the session no longer works', async () => {
      const response = await login(api.ownerToken);
      const cookie = cookieOf(response);
      const csrf = response.json().data.csrf_token as string;
      const logout = await api.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie, 'x-csrf-token': csrf } });
      expect(logout.statusCode).toBe(204);
      expect(String(logout.headers['set-cookie'])).toMatch(/^next-auth\.session-token=;.*Max-Age=0/);
      expectUnauthorized(await listServers({ cookie }), /Session expired or signed out/);
    });

    it('answers 401 for an expired session', async () => {
      const response = await login(api.ownerToken);
      await api.platform.db.updateTable('sessions').set({ expires_at: new Date(Date.now() - 1000) }).execute();
      expectUnauthorized(await listServers({ cookie: cookieOf(response) }));
    });

    it('refuses to sign in with an agent, project, unknown or missing token', async () => {
      const db = api.platform.db;
      const project = await db.insertInto('projects').values({ org_id: org.id, name: 'p', slug: 'login-p' }).returning('id').executeTakeFirstOrThrow();
      const projectToken = await addToken(db, org.owner_id, org.id, { projectId: project.id });
      for (const token of [issueToken('agt').token, projectToken, issueToken('usr').token]) {
        const response = await login(token);
        expect(response.statusCode, token.slice(0, 8)).toBe(401);
        expect(response.headers['set-cookie']).toBeUndefined();
      }
      const missing = await api.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: {} });
      expect(missing.statusCode).toBe(400);
      expect(missing.json().error.details[0].path).toBe('body.token');
    });

    it('signs in once with a login link; a used or expired link answers 401', async () => {
      const db = api.platform.db;
      const secret = await createLoginLink(db, org.owner_id, org.id);
      const first = await api.app.inject({ method: 'GET', url: `/api/v1/auth/link/${secret}` });
      expect(first.statusCode).toBe(302);
      expect(first.headers.location).toBe('/');
      expect((await listServers({ cookie: cookieOf(first) })).statusCode).toBe(200);
      expectUnauthorized(await api.app.inject({ method: 'GET', url: `/api/v1/auth/link/${secret}` }), /already used or expired/);

      const stale = await createLoginLink(db, org.owner_id, org.id);
      await db.updateTable('login_links').set({ expires_at: new Date(Date.now() - 1000) }).where('used_at', 'is', null).execute();
      expectUnauthorized(await api.app.inject({ method: 'GET', url: `/api/v1/auth/link/${stale}` }));
    });

    it('records sign-ins and sign-outs in the audit log', async () => {
      const actions = await api.platform.db.selectFrom('audit_logs').select('action').where('resource_type', '=', 'session').execute();
      const names = new Set(actions.map((entry) => entry.action));
      expect(names).toEqual(new Set(['auth.login', 'auth.logout', 'auth.login_link']));
    });

    it('lists the caller\'s organizations and moves a session to another one, never to a stranger\'s', async () => {
      const db = api.platform.db;
      const second = await otherOrganization(db, 'second-org');
      await db.insertInto('org_members').values({ org_id: second.org.id, user_id: org.owner_id, role: 'viewer' }).execute();
      const stranger = await otherOrganization(db, 'stranger-org');

      const signedIn = await login(api.ownerToken);
      const cookie = cookieOf(signedIn);
      const csrf = signedIn.json().data.csrf_token as string;
      const organizations = await api.app.inject({ method: 'GET', url: '/api/v1/auth/organizations', headers: { cookie } });
      expect(organizations.json().data).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ id: org.id, role: 'owner', current: true }),
          expect.objectContaining({ id: second.org.id, role: 'viewer', current: false }),
        ]),
      );
      expect(organizations.json().data).toHaveLength(2);

      const switchTo = (orgId: string, headers: Record<string, string>) =>
        api.app.inject({ method: 'POST', url: '/api/v1/auth/switch', headers, payload: { org_id: orgId } });
      expect((await switchTo(stranger.org.id, { cookie, 'x-csrf-token': csrf })).statusCode).toBe(404);
      expect((await switchTo(second.org.id, { cookie })).statusCode).toBe(403);
      expect((await switchTo(second.org.id, bearer(api.ownerToken))).statusCode).toBe(422);

      const switched = await switchTo(second.org.id, { cookie, 'x-csrf-token': csrf });
      expect(switched.statusCode).toBe(200);
      expect(switched.json().data).toMatchObject({ organization: { id: second.org.id }, role: 'viewer' });
      const moved = cookieOf(switched);
      expect(moved).not.toBe(cookie);
      const me = await api.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie: moved } });
      expect(me.json().data).toMatchObject({ organization: { id: second.org.id }, role: 'viewer' });
      expectUnauthorized(await api.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie } }));
    });
  });

  it('serves the OpenAPI document built from the contract, without authentication', async () => {
    const response = await api.app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(JSON.parse(JSON.stringify(buildOpenApiDocument())));
  });
});
