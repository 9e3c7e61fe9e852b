import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiResponse, ServiceAddresses } from '../../contracts/index.js';
import { recordAgentReport } from '../../db/queries/deployment-events.js';
import { bearer, bootstrappedOrganization, otherOrganization } from '../support/auth.js';
import { FakeAgent } from '../support/fake-agent.js';
import { createServer } from '../support/fixtures.js';
import { startTestApi } from '../support/platform.js';

type Headers = Record<string, string>;

/*
 * A service's domains through the real API and gateway: names are checked (400), a name belongs
 * to one service in the whole installation (409, whichever organization holds it), a refused
 * request changes nothing, and the agent's heartbeats become each domain's certificate status.
 */
describe("a service's domains", () => {
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let owner: Headers;
  let serverId: string;
  let agentToken: string;
  let projectId: string;
  let sequence = 0;

  beforeAll(async () => {
    api = await startTestApi('service-domains');
    owner = bearer(api.ownerToken);
    const orgId = (await bootstrappedOrganization(api.platform.db)).id;
    const created = await createServer(api.platform.db, orgId, 'domains-host');
    serverId = created.server.id;
    agentToken = created.token;
    await api.platform.db.updateTable('servers').set({ public_ip: '203.0.113.7' }).where('id', '=', serverId).execute();
    projectId = (await api.app.inject({ method: 'POST', url: '/api/v1/projects', headers: owner, payload: { name: 'domains' } })).json().data.id;
  });
  afterAll(async () => {
    await api?.close();
  });

  const create = (domains: unknown, headers = owner, project = projectId, server = serverId) =>
    api.app.inject({
      method: 'POST',
      url: `/api/v1/projects/${project}/services`,
      headers,
      payload: { name: `svc-${++sequence}`, server_id: server, port: 8080, source_type: 'image', source_config: { image: { registry: 'ghcr.io', repository: 'acme/web', tag: 'v1' } }, domains },
    });
  const patch = (id: string, domains: unknown, headers = owner) => api.app.inject({ method: 'PATCH', url: `/api/v1/services/${id}`, headers, payload: { domains } });
  const addresses = async (id: string, headers = owner) => {
    const response = await api.app.inject({ method: 'GET', url: `/api/v1/services/${id}/domains`, headers });
    expect(response.statusCode, response.body).toBe(200);
    return apiResponse(ServiceAddresses).parse(response.json()).data;
  };

  it('refuses names that could never get a certificate with 400, storing nothing', async () => {
    const before = await api.platform.db.selectFrom('services').select('id').execute();
    for (const bad of [['10.0.0.1'], ['Shop.Example.com'], ['example.com.'], ['*.example.com'], ['localhost'], ['-a.example.com'], ['a.example.com', 'a.example.com']]) {
      const response = await create(bad);
      expect(response.statusCode, JSON.stringify(bad)).toBe(400);
      expect(response.json().error).toMatchObject({ code: 'VALIDATION_ERROR', details: [{ path: expect.stringMatching(/^body\.domains/) }] });
    }
    expect(await api.platform.db.selectFrom('services').select('id').execute()).toHaveLength(before.length);
  });

  it("refuses a domain another service holds with 409, another organization's included, and changes nothing", async () => {
    const first = (await create(['shop.example.com'])).json().data;
    const second = (await create(['blog.example.com'])).json().data;

    const clash = await patch(second.id, ['blog.example.com', 'shop.example.com']);
    expect(clash.statusCode).toBe(409);
    expect(clash.json().error).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('shop.example.com') });
    expect((await addresses(second.id)).domains.map((domain) => domain.domain)).toEqual(['blog.example.com']);
    expect((await api.app.inject({ method: 'GET', url: `/api/v1/services/${second.id}`, headers: owner })).json().data.domains).toEqual(['blog.example.com']);

    const other = await otherOrganization(api.platform.db, 'domains-other');
    const theirServer = (await createServer(api.platform.db, other.org.id, 'their-host')).server.id;
    const theirProject = (await api.app.inject({ method: 'POST', url: '/api/v1/projects', headers: bearer(other.ownerToken), payload: { name: 'theirs' } })).json().data.id;
    const theirs = await create(['shop.example.com'], bearer(other.ownerToken), theirProject, theirServer);
    expect(theirs.statusCode).toBe(409);
    // The message names the domain, never the service or organization that holds it.
    expect(theirs.json().error.message).not.toContain(first.id);

    // Letting a domain go frees it for another service.
    expect((await patch(first.id, [])).statusCode).toBe(200);
    expect((await patch(second.id, ['blog.example.com', 'shop.example.com'])).statusCode).toBe(200);
  });

  it("shows each domain with the DNS record to create, then the certificate the agent reports, and the service's endpoint", async () => {
    const service = (await create(['app.example.com'])).json().data;
    expect(await addresses(service.id)).toEqual({
      endpoint: null,
      server_ip: '203.0.113.7',
      domains: [
        {
          domain: 'app.example.com',
          default: false,
          status: 'pending_dns',
          dns_record: { type: 'A', name: 'app.example.com', value: '203.0.113.7' },
          expires_at: null,
          issuer: null,
          error: null,
          checked_at: null,
        },
      ],
    });

    const baseUrl = await api.app.listen({ port: 0, host: '127.0.0.1' });
    const agent = await FakeAgent.connect(baseUrl, agentToken, serverId);
    try {
      await agent.hello();
      const expiresAt = new Date(Date.now() + 60 * 86_400_000).toISOString();
      const active = { domain: 'app.example.com', service_id: service.id, status: 'active', expires_at: expiresAt, issuer: 'Pebble Intermediate CA', error: null };
      // A report about a service of another server is ignored: one agent cannot speak for another's domains.
      agent.heartbeat({ domains: [active, { ...active, domain: 'shop.example.com', service_id: crypto.randomUUID() }] } as never);
      await expect.poll(async () => (await addresses(service.id)).domains[0]!.status, { timeout: 10_000 }).toBe('active');
      expect((await addresses(service.id)).domains[0]).toMatchObject({ expires_at: expiresAt, issuer: 'Pebble Intermediate CA', error: null, checked_at: expect.any(String) });
    } finally {
      await agent.close();
    }

    const deployment = await api.platform.db
      .insertInto('deployments')
      .values({ service_id: service.id, status: 'deploying' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await recordAgentReport(api.platform.db, serverId, {
      deployment_id: deployment.id,
      service_id: service.id,
      status: 'running',
      phase: 'cleanup',
      progress_percent: 100,
      message: 'Running',
      started_at: new Date().toISOString(),
      endpoint: '127.0.0.1:41234',
    });
    expect((await addresses(service.id)).endpoint).toBe('127.0.0.1:41234');
  });
});
