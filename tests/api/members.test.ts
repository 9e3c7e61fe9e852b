import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AddedMember, apiResponse } from '../../contracts/index.js';
import { addMember, bearer, bootstrappedOrganization } from '../support/auth.js';
import { startTestApi } from '../support/platform.js';

describe('members', () => {
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let owner: Record<string, string>;
  let org: { id: string; owner_id: string };

  beforeAll(async () => {
    api = await startTestApi('members', { SYNTRA_PUBLIC_URL: 'https://syntra.example.com' });
    owner = bearer(api.ownerToken);
    org = await bootstrappedOrganization(api.platform.db);
  });
  afterAll(async () => {
    await api?.close();
  });

  const add = (body: unknown, headers = owner) => api.app.inject({ method: 'POST', url: '/api/v1/members', headers, payload: body as object });
  const patch = (userId: string, role: string, headers = owner) =>
    api.app.inject({ method: 'PATCH', url: `/api/v1/members/${userId}`, headers, payload: { role } });
  const remove = (userId: string, headers = owner) => api.app.inject({ method: 'DELETE', url: `/api/v1/members/${userId}`, headers });

  it('adds a member and answers a one-time login link for them', async () => {
    const response = await add({ email: 'dev@example.com', role: 'developer', name: 'Dev' });
    expect(response.statusCode).toBe(201);
    const { data } = apiResponse(AddedMember).parse(response.json());
    expect(data).toMatchObject({ email: 'dev@example.com', name: 'Dev', role: 'developer', invited_by: org.owner_id });
    expect(data.login_url).toMatch(/^https:\/\/syntra\.example\.com\/api\/v1\/auth\/link\/[\w-]{43}$/);

    const signIn = await api.app.inject({ method: 'GET', url: new URL(data.login_url).pathname });
    expect(signIn.statusCode).toBe(302);
    const cookie = String(signIn.headers['set-cookie']).split(';')[0]!;
    const me = (await api.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie } })).json().data;
    expect(me).toMatchObject({ user: { email: 'dev@example.com' }, role: 'developer' });

    const listed = (await api.app.inject({ method: 'GET', url: '/api/v1/members', headers: owner })).json().data;
    expect(listed.map((member: { email: string }) => member.email)).toEqual(expect.arrayContaining(['owner@localhost', 'dev@example.com']));
  });

  it('answers 409 for someone already a member, and 400 naming bad fields', async () => {
    expect((await add({ email: 'owner@localhost', role: 'viewer' })).statusCode).toBe(409);
    const invalid = await add({ email: 'nobody', role: 'king' });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json().error.details.map((problem: { path: string }) => problem.path).sort()).toEqual(['body.email', 'body.role']);
  });

  it('changes a role, which takes effect on the member\'s existing tokens at once', async () => {
    const member = await addMember(api.platform.db, org.id, 'viewer');
    const createProject = () => api.app.inject({ method: 'POST', url: '/api/v1/projects', headers: bearer(member.token), payload: { name: `p-${Date.now()}` } });
    expect((await createProject()).statusCode).toBe(403);
    const response = await patch(member.user.id, 'developer');
    expect(response.statusCode).toBe(200);
    expect(response.json().data.role).toBe('developer');
    expect((await createProject()).statusCode).toBe(201);
  });

  it('removes a member with 204, revoking their tokens; an unknown member is 404', async () => {
    const member = await addMember(api.platform.db, org.id, 'developer');
    expect((await remove(member.user.id)).statusCode).toBe(204);
    expect((await api.app.inject({ method: 'GET', url: '/api/v1/projects', headers: bearer(member.token) })).statusCode).toBe(401);
    expect(await api.platform.db.selectFrom('api_tokens').selectAll().where('user_id', '=', member.user.id).execute()).toEqual([]);
    expect((await remove(member.user.id)).statusCode).toBe(404);
    expect((await patch(crypto.randomUUID(), 'viewer')).statusCode).toBe(404);
  });

  it('keeps the owner role to owners: an admin can neither grant it nor touch an owner', async () => {
    const admin = bearer((await addMember(api.platform.db, org.id, 'admin')).token);
    const developer = await addMember(api.platform.db, org.id, 'developer');
    expect((await add({ email: 'boss2@example.com', role: 'owner' }, admin)).statusCode).toBe(403);
    expect((await patch(developer.user.id, 'owner', admin)).statusCode).toBe(403);
    expect((await patch(org.owner_id, 'viewer', admin)).statusCode).toBe(403);
    expect((await remove(org.owner_id, admin)).statusCode).toBe(403);
    expect((await patch(developer.user.id, 'viewer', admin)).statusCode).toBe(200);
    expect((await api.app.inject({ method: 'GET', url: '/api/v1/members', headers: bearer(developer.token) })).statusCode).toBe(200);
    expect((await add({ email: 'x@example.com', role: 'viewer' }, bearer(developer.token))).statusCode).toBe(403);
  });

  it('never leaves the organization without an owner', async () => {
    expect((await patch(org.owner_id, 'admin')).statusCode).toBe(422);
    expect((await remove(org.owner_id)).statusCode).toBe(422);
    const second = await addMember(api.platform.db, org.id, 'admin');
    expect((await patch(second.user.id, 'owner')).statusCode).toBe(200);
    expect((await patch(org.owner_id, 'admin', bearer(second.token))).statusCode).toBe(200);
    expect((await patch(second.user.id, 'admin', bearer(second.token))).statusCode).toBe(422);
    expect((await patch(org.owner_id, 'owner', bearer(second.token))).statusCode).toBe(200);
  });

  it('records every change in the audit log', async () => {
    const actions = await api.platform.db.selectFrom('audit_logs').select('action').where('resource_type', '=', 'member').execute();
    expect(new Set(actions.map((entry) => entry.action))).toEqual(new Set(['member.create', 'member.update', 'member.delete']));
  });
});

describe('the audit log', () => {
  let api: Awaited<ReturnType<typeof startTestApi>>;

  beforeAll(async () => {
    api = await startTestApi('audit_log');
  });
  afterAll(async () => {
    await api?.close();
  });

  it('lists the organization\'s entries newest first, filtered, a page at a time, to owners and admins only', async () => {
    const owner = bearer(api.ownerToken);
    for (const name of ['one', 'two', 'three']) {
      await api.app.inject({ method: 'POST', url: '/api/v1/projects', headers: { ...owner, 'user-agent': 'audit-test' }, payload: { name } });
    }
    const response = await api.app.inject({ method: 'GET', url: '/api/v1/audit-logs?action=project.create&per_page=2', headers: owner });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.meta).toEqual({ total: 3, page: 1, per_page: 2 });
    expect(body.data.map((entry: { details: { name: string } }) => entry.details.name)).toEqual(['three', 'two']);
    expect(body.data[0]).toMatchObject({ action: 'project.create', resource_type: 'project', user_agent: 'audit-test', ip_address: '127.0.0.1' });

    const org = await bootstrappedOrganization(api.platform.db);
    const developer = bearer((await addMember(api.platform.db, org.id, 'developer')).token);
    expect((await api.app.inject({ method: 'GET', url: '/api/v1/audit-logs', headers: developer })).statusCode).toBe(403);
    const invalid = await api.app.inject({ method: 'GET', url: '/api/v1/audit-logs?resource_id=x', headers: owner });
    expect(invalid.json().error.details[0].path).toBe('query.resource_id');
  });
});
