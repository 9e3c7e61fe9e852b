import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiResponse, ServiceAddresses } from '../../contracts/index.js';
import { syncDefaultDomains } from '../../control/default-domain.js';
import { bearer, bootstrappedOrganization, otherOrganization } from '../support/auth.js';
import { createServer } from '../support/fixtures.js';
import { startTestApi } from '../support/platform.js';

type Headers = Record<string, string>;

/*
 * Default domains under SYNTRA_BASE_DOMAIN through the real API and Temporal: each new service
 * gets `<service>-<project>.<base>` (unique across organizations), shown with its status, kept when
 * the service's own domains change, sent first in the deploy's networking, and following the base
 * domain when the control plane starts with another one.
 */
describe('a default domain for every service', () => {
  const base = 'apps.example.net';
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let owner: Headers;
  /** Each organization's project "Shop". */
  const projects = new Map<string, string>();

  beforeAll(async () => {
    api = await startTestApi('default-domain', { SYNTRA_BASE_DOMAIN: base });
    owner = bearer(api.ownerToken);
  });
  afterAll(async () => {
    await api?.close();
  });

  const createService = async (headers: Headers, orgId: string, name: string) => {
    const serverId = (await createServer(api.platform.db, orgId, `host-${crypto.randomUUID().slice(0, 8)}`)).server.id;
    if (!projects.has(orgId)) {
      const project = await api.app.inject({ method: 'POST', url: '/api/v1/projects', headers, payload: { name: 'Shop' } });
      expect(project.statusCode, project.body).toBe(201);
      projects.set(orgId, project.json().data.id);
    }
    const response = await api.app.inject({
      method: 'POST',
      url: `/api/v1/projects/${projects.get(orgId)}/services`,
      headers,
      payload: { name, server_id: serverId, port: 8080, source_type: 'image', source_config: { image: { registry: 'ghcr.io', repository: 'acme/web', tag: 'v1' } } },
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json().data as { id: string };
  };
  const domainsOf = async (id: string, headers = owner) => {
    const response = await api.app.inject({ method: 'GET', url: `/api/v1/services/${id}/domains`, headers });
    expect(response.statusCode, response.body).toBe(200);
    return apiResponse(ServiceAddresses).parse(response.json()).data.domains.map((domain) => ({ domain: domain.domain, default: domain.default, status: domain.status }));
  };

  it('gives a new service <service>-<project>.<base>, another organization the same names with a suffix, and refuses it to others', async () => {
    const orgId = (await bootstrappedOrganization(api.platform.db)).id;
    const ours = await createService(owner, orgId, 'Web API');
    expect(await domainsOf(ours.id)).toEqual([{ domain: `web-api-shop.${base}`, default: true, status: 'pending_dns' }]);

    const other = await otherOrganization(api.platform.db, 'default-domain-other');
    const theirs = await createService(bearer(other.ownerToken), other.org.id, 'web api');
    const suffix = theirs.id.replace(/-/g, '').slice(0, 8);
    expect(await domainsOf(theirs.id, bearer(other.ownerToken))).toEqual([{ domain: `web-api-shop-${suffix}.${base}`, default: true, status: 'pending_dns' }]);

    // Nobody can take a default domain as their own.
    const clash = await api.app.inject({ method: 'PATCH', url: `/api/v1/services/${theirs.id}`, headers: bearer(other.ownerToken), payload: { domains: [`web-api-shop.${base}`] } });
    expect(clash.statusCode).toBe(409);
  });

  it("keeps the default domain when the service's own domains change, and sends it first in the deploy", async () => {
    const orgId = (await bootstrappedOrganization(api.platform.db)).id;
    const service = await createService(owner, orgId, 'store');
    const patch = (domains: string[]) => api.app.inject({ method: 'PATCH', url: `/api/v1/services/${service.id}`, headers: owner, payload: { domains } });
    expect((await patch(['store.example.com'])).statusCode).toBe(200);
    expect((await patch([])).statusCode).toBe(200);
    expect((await patch(['www.store.example.com'])).statusCode).toBe(200);
    expect(await domainsOf(service.id)).toEqual([
      { domain: `store-shop.${base}`, default: true, status: 'pending_dns' },
      { domain: 'www.store.example.com', default: false, status: 'pending_dns' },
    ]);
    // The service's own list stays what its owner wrote.
    expect((await api.app.inject({ method: 'GET', url: `/api/v1/services/${service.id}`, headers: owner })).json().data.domains).toEqual(['www.store.example.com']);

    const deploy = await api.app.inject({ method: 'POST', url: `/api/v1/services/${service.id}/deploy`, headers: owner, payload: {} });
    expect(deploy.statusCode, deploy.body).toBe(201);
    const detail = await api.app.inject({ method: 'GET', url: `/api/v1/deployments/${deploy.json().data.id}`, headers: owner });
    expect(detail.json().data.spec.networking.domains).toEqual([`store-shop.${base}`, 'www.store.example.com']);
  });

  it('follows the base domain the control plane starts with: another base renames them, none removes them', async () => {
    const orgId = (await bootstrappedOrganization(api.platform.db)).id;
    const service = await createService(owner, orgId, 'blog');
    await syncDefaultDomains(api.platform.db, 'apps.example.org');
    expect((await domainsOf(service.id)).filter((domain) => domain.default)).toEqual([{ domain: 'blog-shop.apps.example.org', default: true, status: 'pending_dns' }]);
    await syncDefaultDomains(api.platform.db, undefined);
    expect(await domainsOf(service.id)).toEqual([]);
  });
});
