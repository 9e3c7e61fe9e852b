import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken, tokenKind } from '../../contracts/tokens.js';
import { CreatedApiToken, apiResponse } from '../../contracts/index.js';
import { addMember, bearer, bootstrappedOrganization, otherOrganization } from '../support/auth.js';
import { startTestApi } from '../support/platform.js';

describe('API tokens', () => {
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let owner: Record<string, string>;
  let orgId: string;

  beforeAll(async () => {
    api = await startTestApi('tokens');
    owner = bearer(api.ownerToken);
    orgId = (await bootstrappedOrganization(api.platform.db)).id;
  });
  afterAll(async () => {
    await api?.close();
  });

  const create = (body: unknown, headers = owner) => api.app.inject({ method: 'POST', url: '/api/v1/tokens', headers, payload: body as object });

  it('creates a user token, shown once, that authenticates; the database keeps its hash only', async () => {
    const response = await create({ name: 'ci' });
    expect(response.statusCode).toBe(201);
    const { data } = apiResponse(CreatedApiToken).parse(response.json());
    expect(tokenKind(data.token)).toBe('usr');
    expect(data).toMatchObject({ name: 'ci', token_prefix: data.token.slice(0, 12), project_id: null, expires_at: null, last_used_at: null });

    expect((await api.app.inject({ method: 'GET', url: '/api/v1/projects', headers: bearer(data.token) })).statusCode).toBe(200);
    const row = await api.platform.db.selectFrom('api_tokens').selectAll().where('id', '=', data.id).executeTakeFirstOrThrow();
    expect(row.token_hash).toBe(hashToken(data.token));
    expect(JSON.stringify(row)).not.toContain(data.token);

    const list = (await api.app.inject({ method: 'GET', url: '/api/v1/tokens', headers: owner })).json();
    const listed = list.data.find((token: { id: string }) => token.id === data.id);
    expect(listed).toMatchObject({ name: 'ci', token_prefix: data.token_prefix });
    expect(listed.last_used_at).not.toBeNull();
    expect(JSON.stringify(list)).not.toContain(data.token);
  });

  it('creates a project token that reaches only its project', async () => {
    const project = (await api.app.inject({ method: 'POST', url: '/api/v1/projects', headers: owner, payload: { name: 'Scoped' } })).json().data;
    const other = (await api.app.inject({ method: 'POST', url: '/api/v1/projects', headers: owner, payload: { name: 'Unscoped' } })).json().data;
    const { data } = (await create({ name: 'deploy', project_id: project.id, expires_at: new Date(Date.now() + 3_600_000).toISOString() })).json();
    expect(tokenKind(data.token)).toBe('prj');
    expect(data.project_id).toBe(project.id);
    const get = (id: string) => api.app.inject({ method: 'GET', url: `/api/v1/projects/${id}`, headers: bearer(data.token) });
    expect((await get(project.id)).statusCode).toBe(200);
    expect((await get(other.id)).statusCode).toBe(404);
    expect((await api.app.inject({ method: 'GET', url: '/api/v1/tokens', headers: bearer(data.token) })).statusCode).toBe(403);
  });

  it('takes an expiry with any offset ISO 8601 allows, and keeps and answers it in UTC', async () => {
    // PostgreSQL stores offsets within ±15:59 only: this one used to reach it and fail with a 500.
    const response = await create({ name: 'far east', expires_at: '2030-12-02T13:01:50+16:24' });
    expect(response.statusCode).toBe(201);
    const { data } = apiResponse(CreatedApiToken).parse(response.json());
    expect(data.expires_at).toBe('2030-12-01T20:37:50.000Z');
    const row = await api.platform.db.selectFrom('api_tokens').select('expires_at').where('id', '=', data.id).executeTakeFirstOrThrow();
    expect(row.expires_at?.toISOString()).toBe('2030-12-01T20:37:50.000Z');
  });

  it.each(['0000-06-01T00:00:00Z', '0001-01-01T00:30:00+01:00', '2031-02-29T00:00:00Z', '2030-12-02T13:01:50'])(
    'refuses the expiry %s with 400, before the database sees it',
    async (expiresAt) => {
      const response = await create({ name: 'odd', expires_at: expiresAt });
      expect(response.statusCode).toBe(400);
      expect(response.json().error.details.map((problem: { path: string }) => problem.path)).toEqual(['body.expires_at']);
    },
  );

  it('answers 400 naming the failing fields, and 422 for a past expiry or another organization\'s project', async () => {
    const invalid = await create({ name: '', project_id: 'nope', expires_at: 'tomorrow' });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json().error.details.map((problem: { path: string }) => problem.path).sort()).toEqual(['body.expires_at', 'body.name', 'body.project_id']);

    expect((await create({ name: 'old', expires_at: '2020-01-01T00:00:00Z' })).statusCode).toBe(422);
    const elsewhere = await otherOrganization(api.platform.db, 'tokens-elsewhere');
    const theirProject = (await api.app.inject({ method: 'POST', url: '/api/v1/projects', headers: bearer(elsewhere.ownerToken), payload: { name: 'Theirs' } })).json().data;
    const foreign = await create({ name: 'x', project_id: theirProject.id });
    expect(foreign.statusCode).toBe(422);
    expect(foreign.json().error.details[0].path).toBe('body.project_id');
  });

  it('revokes a token: 204, then it no longer authenticates, and a second revoke is 404', async () => {
    const { data } = (await create({ name: 'short-lived' })).json();
    const revoke = () => api.app.inject({ method: 'DELETE', url: `/api/v1/tokens/${data.id}`, headers: owner });
    expect((await revoke()).statusCode).toBe(204);
    expect((await api.app.inject({ method: 'GET', url: '/api/v1/projects', headers: bearer(data.token) })).statusCode).toBe(401);
    expect((await revoke()).statusCode).toBe(404);
  });

  it("lets every role manage its own tokens but never another member's", async () => {
    const viewer = await addMember(api.platform.db, orgId, 'viewer');
    const created = await create({ name: 'mine' }, bearer(viewer.token));
    expect(created.statusCode).toBe(201);
    const listed = (await api.app.inject({ method: 'GET', url: '/api/v1/tokens', headers: bearer(viewer.token) })).json().data;
    expect(listed.map((token: { name: string }) => token.name).sort()).toEqual(['mine', 'test']);

    const ownerTokens = (await api.app.inject({ method: 'GET', url: '/api/v1/tokens', headers: owner })).json().data;
    const revokeOwners = await api.app.inject({ method: 'DELETE', url: `/api/v1/tokens/${ownerTokens[0].id}`, headers: bearer(viewer.token) });
    expect(revokeOwners.statusCode).toBe(404);
  });

  it('records creation and revocation in the audit log, without the token', async () => {
    const { data } = (await create({ name: 'audited' })).json();
    await api.app.inject({ method: 'DELETE', url: `/api/v1/tokens/${data.id}`, headers: owner });
    const entries = await api.platform.db.selectFrom('audit_logs').selectAll().where('resource_id', '=', data.id).orderBy('created_at').execute();
    expect(entries.map((entry) => entry.action)).toEqual(['token.create', 'token.delete']);
    expect(JSON.stringify(entries)).not.toContain(data.token);
  });
});
