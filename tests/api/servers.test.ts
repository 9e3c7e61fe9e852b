import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { tokenKind, tokenMatchesHash } from '../../contracts/tokens.js';
import { apiResponse, CreateServerResult, Server } from '../../contracts/index.js';
import { validMessages } from '../contracts/examples.js';
import { bearer, bootstrappedOrganization, otherOrganization } from '../support/auth.js';
import { startTestApi } from '../support/platform.js';

describe('servers', () => {
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let owner: Record<string, string>;
  let orgId: string;

  beforeAll(async () => {
    api = await startTestApi('servers', { SYNTRA_PUBLIC_URL: 'https://syntra.example.com/' });
    owner = bearer(api.ownerToken);
    orgId = (await bootstrappedOrganization(api.platform.db)).id;
  });
  afterAll(async () => {
    await api?.close();
  });

  const createServer = async (body: unknown, headers = owner) =>
    api.app.inject({ method: 'POST', url: '/api/v1/servers', headers, payload: body as object });

  it('registers a server and answers its install command and a one-time agent token, storing only its hash', async () => {
    const response = await createServer({ name: 'web-1', tags: ['eu', 'prod'] });
    expect(response.statusCode).toBe(201);
    const { data } = apiResponse(CreateServerResult).parse(response.json());
    expect(tokenKind(data.token)).toBe('agt');
    expect(data.install_command).toBe(
      `curl -fsSL https://syntra.example.com/agent/install.sh | sh -s -- --url https://syntra.example.com --token ${data.token}`,
    );

    const row = await api.platform.db.selectFrom('servers').selectAll().where('id', '=', data.server_id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ org_id: orgId, name: 'web-1', tags: ['eu', 'prod'], status: 'offline' });
    expect(tokenMatchesHash(data.token, row.agent_token_hash)).toBe(true);
    expect(JSON.stringify(row)).not.toContain(data.token);
  });

  it('gets a server in the contract shape, without its token hash', async () => {
    const { server_id } = (await createServer({ name: 'db-1' })).json().data;
    const response = await api.app.inject({ method: 'GET', url: `/api/v1/servers/${server_id}`, headers: owner });
    expect(response.statusCode).toBe(200);
    const { data } = apiResponse(Server).parse(response.json());
    expect(data).toMatchObject({ id: server_id, org_id: orgId, name: 'db-1', status: 'offline', runtime: 'docker', tags: [] });
    expect(response.body).not.toContain('agent_token_hash');
  });

  it("shows what the server's last heartbeat measured: load beside capacity", async () => {
    const { server_id } = (await createServer({ name: 'loaded' })).json().data;
    const before = (await api.app.inject({ method: 'GET', url: `/api/v1/servers/${server_id}`, headers: owner })).json().data;
    expect(before).toMatchObject({ usage: null, containers: null });
    // What the gateway stores from a validated heartbeat.
    const heartbeat = validMessages.heartbeat.payload;
    await api.platform.db.updateTable('servers').set({ last_heartbeat: JSON.stringify(heartbeat) }).where('id', '=', server_id).execute();
    const after = apiResponse(Server).parse((await api.app.inject({ method: 'GET', url: `/api/v1/servers/${server_id}`, headers: owner })).json());
    expect(after.data.usage).toEqual(heartbeat.resources);
    expect(after.data.containers).toEqual(heartbeat.containers);
  });

  it('lists servers a page at a time, with total, page and per_page in meta, filtered by status', async () => {
    const db = api.platform.db;
    const created = [];
    for (const name of ['list-a', 'list-b', 'list-c']) created.push((await createServer({ name })).json().data.server_id as string);
    await db.updateTable('servers').set({ status: 'online' }).where('id', '=', created[0]!).execute();
    const total = (await db.selectFrom('servers').select(db.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n;

    const firstPage = await api.app.inject({ method: 'GET', url: '/api/v1/servers?per_page=2', headers: owner });
    expect(firstPage.statusCode).toBe(200);
    const body = apiResponse(z.array(Server)).parse(firstPage.json());
    expect(body.data).toHaveLength(2);
    expect(body.meta).toEqual({ total: Number(total), page: 1, per_page: 2 });

    const online = (await api.app.inject({ method: 'GET', url: '/api/v1/servers?status=online', headers: owner })).json();
    expect(online.data.map((server: Server) => server.id)).toEqual([created[0]]);
    expect(online.meta.total).toBe(1);
  });

  it('renames and retags a server', async () => {
    const { server_id } = (await createServer({ name: 'old-name' })).json().data;
    const response = await api.app.inject({
      method: 'PATCH',
      url: `/api/v1/servers/${server_id}`,
      headers: owner,
      payload: { name: 'new-name', tags: ['blue'] },
    });
    expect(response.statusCode).toBe(200);
    expect(apiResponse(Server).parse(response.json()).data).toMatchObject({ name: 'new-name', tags: ['blue'] });
  });

  it('deletes a server with 204 and then answers 404 for it', async () => {
    const { server_id } = (await createServer({ name: 'doomed' })).json().data;
    const deleted = await api.app.inject({ method: 'DELETE', url: `/api/v1/servers/${server_id}`, headers: owner });
    expect(deleted.statusCode).toBe(204);
    expect(deleted.body).toBe('');
    const again = await api.app.inject({ method: 'DELETE', url: `/api/v1/servers/${server_id}`, headers: owner });
    expect(again.statusCode).toBe(404);
  });

  it('answers 400 naming each failing field', async () => {
    const response = await createServer({ name: '', tags: ['ok', 7] });
    expect(response.statusCode).toBe(400);
    const { error } = response.json();
    expect(error.code).toBe('VALIDATION_ERROR');
    expect(error.details.map((problem: { path: string }) => problem.path).sort()).toEqual(['body.name', 'body.tags.1']);

    const badQuery = await api.app.inject({ method: 'GET', url: '/api/v1/servers?per_page=1000&status=lost', headers: owner });
    expect(badQuery.statusCode).toBe(400);
    expect(badQuery.json().error.details.map((problem: { path: string }) => problem.path).sort()).toEqual(['query.per_page', 'query.status']);

    const badId = await api.app.inject({ method: 'GET', url: '/api/v1/servers/not-a-uuid', headers: owner });
    expect(badId.statusCode).toBe(400);
    expect(badId.json().error.details[0].path).toBe('params.serverId');

    const noBody = await api.app.inject({ method: 'PATCH', url: `/api/v1/servers/${crypto.randomUUID()}`, headers: owner });
    expect(noBody.statusCode).toBe(400);
  });

  it('answers 404 for an unknown server, and for another organization\'s server', async () => {
    const unknown = await api.app.inject({ method: 'GET', url: `/api/v1/servers/${crypto.randomUUID()}`, headers: owner });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('NOT_FOUND');

    const other = await otherOrganization(api.platform.db, 'servers-elsewhere');
    const theirs = (await createServer({ name: 'theirs' }, bearer(other.ownerToken))).json().data.server_id;
    for (const method of ['GET', 'PATCH', 'DELETE'] as const) {
      const response = await api.app.inject({ method, url: `/api/v1/servers/${theirs}`, headers: owner, ...(method === 'PATCH' ? { payload: { name: 'x' } } : {}) });
      expect(response.statusCode, method).toBe(404);
    }
    const mine = (await api.app.inject({ method: 'GET', url: '/api/v1/servers?per_page=100', headers: owner })).json().data;
    expect(mine.map((server: Server) => server.id)).not.toContain(theirs);
  });

  it('records every mutation in the audit log, without the agent token', async () => {
    const response = await createServer({ name: 'audited' }, { ...owner, 'user-agent': 'servers-test/1.0' });
    const { server_id, token } = response.json().data;
    await api.app.inject({ method: 'PATCH', url: `/api/v1/servers/${server_id}`, headers: owner, payload: { tags: ['x'] } });
    await api.app.inject({ method: 'DELETE', url: `/api/v1/servers/${server_id}`, headers: owner });
    const entries = await api.platform.db
      .selectFrom('audit_logs')
      .selectAll()
      .where('resource_id', '=', server_id)
      .orderBy('created_at')
      .execute();
    expect(entries.map((entry) => entry.action)).toEqual(['server.create', 'server.update', 'server.delete']);
    expect(entries[0]).toMatchObject({ org_id: orgId, resource_type: 'server', user_agent: 'servers-test/1.0', ip_address: '127.0.0.1' });
    expect(entries[0]!.user_id).toBe((await bootstrappedOrganization(api.platform.db)).owner_id);
    expect(entries[0]!.details).toMatchObject({ name: 'audited', via: 'token' });
    expect(JSON.stringify(entries)).not.toContain(token);
  });
});
