import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../api/app.js';
import { addMember, bearer, bootstrappedOrganization } from '../support/auth.js';
import { startTestApi } from '../support/platform.js';

/*
 * Verified tokens and sessions are cached per API process; a revocation anywhere must still take
 * effect at once in this process and within moments in every other one.
 */
describe('credential caching and revocation', () => {
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let other: Awaited<ReturnType<typeof buildApi>>;
  let orgId: string;

  beforeAll(async () => {
    api = await startTestApi('credential-cache');
    // A second API process's worth of state (its own caches and listener) on the same database.
    other = await buildApi(api.platform, pino({ level: 'warn' }));
    await other.ready();
    orgId = (await bootstrappedOrganization(api.platform.db)).id;
  });

  afterAll(async () => {
    await other?.close();
    await api?.close();
  });

  const me = (app: typeof other, token: string) => app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(token) });

  it('refuses a deleted token at once where it was deleted, and soon in the other process', async () => {
    const { token } = await addMember(api.platform.db, orgId, 'developer');
    expect((await me(api.app, token)).statusCode).toBe(200);
    expect((await me(other, token)).statusCode).toBe(200);

    const [{ id }] = (await api.app.inject({ method: 'GET', url: '/api/v1/tokens', headers: bearer(token) })).json().data;
    const deleted = await api.app.inject({ method: 'DELETE', url: `/api/v1/tokens/${id}`, headers: bearer(token) });
    expect(deleted.statusCode).toBe(204);
    expect((await me(api.app, token)).statusCode).toBe(401);
    await expect.poll(async () => (await me(other, token)).statusCode, { timeout: 5_000, interval: 20 }).toBe(401);
  });

  it('follows a role change or removal made straight in the database', async () => {
    const { user, token } = await addMember(api.platform.db, orgId, 'developer');
    const createProject = (app: typeof other) =>
      app.inject({ method: 'POST', url: '/api/v1/projects', headers: bearer(token), payload: { name: `p-${Date.now()}-${Math.random()}` } });
    expect((await createProject(other)).statusCode).toBe(201);

    await api.platform.db.updateTable('org_members').set({ role: 'viewer' }).where('user_id', '=', user.id).execute();
    await expect.poll(async () => (await createProject(other)).statusCode, { timeout: 5_000, interval: 20 }).toBe(403);

    await api.platform.db.deleteFrom('org_members').where('user_id', '=', user.id).execute();
    await expect.poll(async () => (await me(other, token)).statusCode, { timeout: 5_000, interval: 20 }).toBe(401);
  });

  it('ends a signed-out session everywhere', async () => {
    const login = await api.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { token: api.ownerToken } });
    const cookie = String(login.headers['set-cookie']).split(';')[0]!;
    const csrf = login.json().data.csrf_token as string;
    const withCookie = (app: typeof other) => app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie } });
    expect((await withCookie(other)).statusCode).toBe(200);

    const logout = await api.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie, 'x-csrf-token': csrf } });
    expect(logout.statusCode).toBe(204);
    expect((await withCookie(api.app)).statusCode).toBe(401);
    await expect.poll(async () => (await withCookie(other)).statusCode, { timeout: 5_000, interval: 20 }).toBe(401);
  });
});
