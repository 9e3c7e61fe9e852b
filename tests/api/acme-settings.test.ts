import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AcmeSettings, apiResponse, LETS_ENCRYPT_DIRECTORY_URL } from '../../contracts/index.js';
import { addMember, bearer, bootstrappedOrganization, otherOrganization } from '../support/auth.js';
import { createServer } from '../support/fixtures.js';
import { startTestApi } from '../support/platform.js';

/*
 * An organization's ACME directory and account email through the real API and Temporal: Let's
 * Encrypt by default, changed by those who manage servers only, audited, refused whole when bad,
 * kept to its organization, and carried by every later deploy to the agent.
 */
describe("an organization's ACME account", () => {
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let orgId: string;
  const url = '/api/v1/acme/settings';

  beforeAll(async () => {
    api = await startTestApi('acme-settings');
    orgId = (await bootstrappedOrganization(api.platform.db)).id;
  });
  afterAll(async () => {
    await api?.close();
  });

  const read = async (token = api.ownerToken) => {
    const response = await api.app.inject({ method: 'GET', url, headers: bearer(token) });
    expect(response.statusCode, response.body).toBe(200);
    return apiResponse(AcmeSettings).parse(response.json()).data;
  };
  const change = (payload: Record<string, unknown>, token = api.ownerToken) => api.app.inject({ method: 'PATCH', url, headers: bearer(token), payload });

  it("is Let's Encrypt with no contact until changed, and only owners and admins change it, audited", async () => {
    expect(await read()).toEqual({ directory_url: LETS_ENCRYPT_DIRECTORY_URL, email: null, updated_at: null });
    for (const role of ['developer', 'viewer'] as const) {
      const { token } = await addMember(api.platform.db, orgId, role);
      expect((await change({ email: 'certs@example.com' }, token)).statusCode).toBe(403);
      expect((await read(token)).email).toBeNull();
    }
    const { token: admin } = await addMember(api.platform.db, orgId, 'admin');
    const changed = await change({ directory_url: 'https://acme.internal.example/directory', email: 'Certs@Example.com' }, admin);
    expect(changed.statusCode, changed.body).toBe(200);
    expect(await read()).toMatchObject({ directory_url: 'https://acme.internal.example/directory', email: 'certs@example.com', updated_at: expect.any(String) });

    const audit = await api.app.inject({ method: 'GET', url: '/api/v1/audit-logs?action=acme_settings.update', headers: bearer(api.ownerToken) });
    expect(audit.json().data[0]).toMatchObject({
      action: 'acme_settings.update',
      details: { directory_url: { from: LETS_ENCRYPT_DIRECTORY_URL, to: 'https://acme.internal.example/directory' }, email: { from: null, to: 'certs@example.com' } },
    });
  });

  it('refuses a directory not served over https and a malformed email with 400, changing nothing', async () => {
    const before = await read();
    for (const bad of [{ directory_url: 'http://acme.example/directory' }, { directory_url: 'not a url' }, { email: 'nobody' }, { unknown: true }]) {
      const response = await change(bad);
      expect(response.statusCode, JSON.stringify(bad)).toBe(400);
      expect(response.json().error.code).toBe('VALIDATION_ERROR');
    }
    expect(await read()).toEqual(before);
    // Another organization still has the defaults.
    const other = await otherOrganization(api.platform.db, 'acme-other');
    expect((await read(other.ownerToken)).directory_url).toBe(LETS_ENCRYPT_DIRECTORY_URL);
  });

  it("sends the organization's account in the next deploy's networking", async () => {
    const owner = bearer(api.ownerToken);
    const serverId = (await createServer(api.platform.db, orgId, 'acme-host')).server.id;
    const project = (await api.app.inject({ method: 'POST', url: '/api/v1/projects', headers: owner, payload: { name: 'acme' } })).json().data.id;
    const service = await api.app.inject({
      method: 'POST',
      url: `/api/v1/projects/${project}/services`,
      headers: owner,
      payload: { name: 'web', server_id: serverId, port: 8080, source_type: 'image', source_config: { image: { registry: 'ghcr.io', repository: 'acme/web', tag: 'v1' } }, domains: ['web.example.com'] },
    });
    expect(service.statusCode, service.body).toBe(201);
    const deploy = await api.app.inject({ method: 'POST', url: `/api/v1/services/${service.json().data.id}/deploy`, headers: owner, payload: {} });
    expect(deploy.statusCode, deploy.body).toBe(201);
    const detail = await api.app.inject({ method: 'GET', url: `/api/v1/deployments/${deploy.json().data.id}`, headers: owner });
    expect(detail.json().data.spec.networking.acme).toEqual({ directory_url: 'https://acme.internal.example/directory', email: 'certs@example.com' });
  });
});
