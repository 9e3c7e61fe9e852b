import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { apiResponse, Service, ServiceOperationRecord, ServiceWithDeployments } from '../../contracts/index.js';
import { addMember, bearer, bootstrappedOrganization, otherOrganization } from '../support/auth.js';
import { createServer } from '../support/fixtures.js';
import { startTestApi } from '../support/platform.js';

type Headers = Record<string, string>;

describe('services', () => {
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let owner: Headers;
  let orgId: string;
  let serverId: string;
  let projectId: string;
  let sequence = 0;

  beforeAll(async () => {
    api = await startTestApi('services');
    owner = bearer(api.ownerToken);
    orgId = (await bootstrappedOrganization(api.platform.db)).id;
    serverId = (await createServer(api.platform.db, orgId, 'svc-host')).server.id;
    projectId = await newProject(owner);
  });
  afterAll(async () => {
    await api?.close();
  });

  async function newProject(headers: Headers): Promise<string> {
    const response = await api.app.inject({ method: 'POST', url: '/api/v1/projects', headers, payload: { name: `project-${++sequence}` } });
    return response.json().data.id;
  }

  const imageService = (overrides: Record<string, unknown> = {}) => ({
    name: `svc-${++sequence}`,
    server_id: serverId,
    port: 8080,
    source_type: 'image',
    source_config: { image: { registry: 'ghcr.io', repository: 'acme/web', tag: 'v1' } },
    ...overrides,
  });

  const create = (body: unknown, project = projectId, headers = owner) =>
    api.app.inject({ method: 'POST', url: `/api/v1/projects/${project}/services`, headers, payload: body as object });
  const patch = (id: string, body: unknown, headers = owner) =>
    api.app.inject({ method: 'PATCH', url: `/api/v1/services/${id}`, headers, payload: body as object });
  const get = (id: string, headers = owner) => api.app.inject({ method: 'GET', url: `/api/v1/services/${id}`, headers });

  it('creates a service from an image with every setting, and reads it back in the contract shape', async () => {
    const response = await create(
      imageService({
        name: 'web',
        type: 'app',
        replicas: 3,
        cpu_limit: '0.5',
        memory_limit: '512m',
        domains: ['web.example.com'],
        auto_deploy: false,
        health_check: { type: 'tcp', port: 8080, interval_seconds: 5, timeout_seconds: 2, retries: 4, start_period_seconds: 10 },
        source_config: {
          image: { registry: 'registry.example.com:5000', repository: 'acme/web', tag: 'v2', digest: `sha256:${'a'.repeat(64)}` },
          registry_auth: { username: 'ci', password: 'registry-secret-pw' },
        },
      }),
    );
    expect(response.statusCode, response.body).toBe(201);
    const { data } = apiResponse(Service).parse(response.json());
    expect(data).toMatchObject({
      project_id: projectId,
      server_id: serverId,
      name: 'web',
      type: 'app',
      port: 8080,
      replicas: 3,
      cpu_limit: '0.5',
      memory_limit: '512m',
      domains: ['web.example.com'],
      auto_deploy: false,
      current_deployment_id: null,
      health_check: { type: 'tcp', port: 8080, interval_seconds: 5, timeout_seconds: 2, retries: 4, start_period_seconds: 10 },
      source_type: 'image',
      source_config: {
        image: { registry: 'registry.example.com:5000', repository: 'acme/web', tag: 'v2', digest: `sha256:${'a'.repeat(64)}` },
        registry_auth: { username: 'ci' },
      },
    });
    expect(response.body).not.toContain('registry-secret-pw');
    const fetched = await get(data.id);
    expect(fetched.json().data).toMatchObject({ source_config: { registry_auth: { username: 'ci' } }, recent_deployments: [] });
    expect(fetched.body).not.toContain('registry-secret-pw');
  });

  it('takes the column defaults for what the body leaves out, for every kind of source', async () => {
    const dockerfile = (await create({ name: 'built', server_id: serverId, port: 3000, source_type: 'dockerfile', source_config: {} })).json().data;
    expect(dockerfile).toMatchObject({
      type: 'app',
      replicas: 1,
      auto_deploy: true,
      domains: [],
      health_check: null,
      source_config: { dockerfile_path: './Dockerfile', build_context: '.' },
    });
    const compose = await create({ name: 'stack', server_id: serverId, port: 80, source_type: 'docker_compose', source_config: { compose_file: 'deploy/compose.yml' } });
    expect(compose.json().data.source_config).toEqual({ compose_file: 'deploy/compose.yml' });
    const nixpacks = await create({ name: 'nix', server_id: serverId, port: 80, source_type: 'nixpacks', source_config: {} });
    expect(nixpacks.json().data).toMatchObject({ source_type: 'nixpacks', source_config: {} });
  });

  it('keeps an HTTP health check in the contract columns too', async () => {
    const healthCheck = { type: 'http', path: '/healthz', interval_seconds: 7, timeout_seconds: 3, retries: 2, start_period_seconds: 0 };
    const { data } = (await create(imageService({ health_check: healthCheck }))).json();
    expect(data.health_check).toEqual(healthCheck);
    const row = await api.platform.db.selectFrom('services').selectAll().where('id', '=', data.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ health_check_path: '/healthz', health_check_interval: 7, health_check_timeout: 3, health_check_retries: 2 });
  });

  it('lists the services of a project with pagination meta', async () => {
    const listed = await newProject(owner);
    for (const name of ['a', 'b', 'c']) await create(imageService({ name }), listed);
    const response = await api.app.inject({ method: 'GET', url: `/api/v1/projects/${listed}/services?per_page=2&page=2`, headers: owner });
    expect(response.statusCode).toBe(200);
    const body = apiResponse(z.array(Service)).parse(response.json());
    expect(body.data.map((service) => service.name)).toEqual(['c']);
    expect(body.meta).toEqual({ total: 3, page: 2, per_page: 2 });
  });

  it('gets a service with its recent deployments, newest first', async () => {
    const { data: service } = (await create(imageService())).json();
    const db = api.platform.db;
    for (const [sha, createdAt] of [
      ['a'.repeat(40), '2026-01-01T00:00:00Z'],
      ['b'.repeat(40), '2026-01-02T00:00:00Z'],
    ] as const) {
      await db.insertInto('deployments').values({ service_id: service.id, git_commit_sha: sha, created_at: createdAt }).execute();
    }
    const response = await get(service.id);
    expect(response.statusCode).toBe(200);
    const { data } = apiResponse(ServiceWithDeployments).parse(response.json());
    expect(data.recent_deployments.map((deployment) => deployment.git_commit_sha)).toEqual(['b'.repeat(40), 'a'.repeat(40)]);
    expect(data.recent_deployments[0]).toMatchObject({ service_id: service.id, status: 'queued', trigger_type: 'manual' });
  });

  it('updates settings, and a new source replaces the old one whole, registry credentials included', async () => {
    const { data: service } = (await create(imageService({ source_config: { image: { registry: 'ghcr.io', repository: 'a/b', tag: 'v1' }, registry_auth: { username: 'u', password: 'p' } } }))).json();
    const renamed = await patch(service.id, { name: 'renamed', port: 9090, domains: ['x.example.com'], health_check: null });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(renamed.json().data).toMatchObject({ name: 'renamed', port: 9090, domains: ['x.example.com'], health_check: null, source_config: { registry_auth: { username: 'u' } } });

    const rebuilt = await patch(service.id, { source_type: 'dockerfile', source_config: { dockerfile_path: 'docker/Dockerfile' } });
    expect(rebuilt.json().data).toMatchObject({ source_type: 'dockerfile', source_config: { dockerfile_path: 'docker/Dockerfile', build_context: '.' } });
    const row = await api.platform.db.selectFrom('services').selectAll().where('id', '=', service.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ image_name: null, image_tag: null, registry_username: null, registry_password_encrypted: null });

    const unchanged = await patch(service.id, {});
    expect(unchanged.statusCode).toBe(200);
    expect(unchanged.json().data).toMatchObject({ name: 'renamed', source_type: 'dockerfile' });
  });

  it('answers 409 CONFLICT for a name the project has already, whatever its case, but not in another project', async () => {
    await create(imageService({ name: 'api' }));
    const duplicate = await create(imageService({ name: 'API' }));
    expect(duplicate.statusCode).toBe(409);
    expect(duplicate.json().error).toMatchObject({ code: 'CONFLICT', details: { name: 'API' } });
    expect((await create(imageService({ name: 'api' }), await newProject(owner))).statusCode).toBe(201);

    const { data: other } = (await create(imageService({ name: 'worker' }))).json();
    const clash = await patch(other.id, { name: 'Api' });
    expect(clash.statusCode).toBe(409);
    expect((await get(other.id)).json().data.name).toBe('worker');
  });

  it('answers 400 naming each failing field', async () => {
    const response = await create({
      name: ' ',
      server_id: 'not-a-uuid',
      port: 70000,
      source_type: 'image',
      source_config: { image: { registry: 'ghcr.io', repository: 'a/b' } },
      env_vars: { '1BAD': 'x' },
    });
    expect(response.statusCode).toBe(400);
    const paths = response.json().error.details.map((problem: { path: string }) => problem.path);
    expect(paths).toEqual(
      expect.arrayContaining(['body.name', 'body.server_id', 'body.port', 'body.source_config.image.tag', 'body.env_vars.1BAD']),
    );

    const badSource = await create(imageService({ source_type: 'docker_compose', source_config: {} }));
    expect(badSource.json().error.details.map((problem: { path: string }) => problem.path)).toEqual(['body.source_config.compose_file']);
    const moved = await patch(crypto.randomUUID(), { server_id: serverId, replicas: 2 });
    expect(moved.statusCode).toBe(400);
    const badId = await get('nope');
    expect(badId.json().error.details[0].path).toBe('params.serviceId');
  });

  it('answers 422 when server_id is not a server of the organization', async () => {
    const other = await otherOrganization(api.platform.db, 'services-servers');
    const theirServer = (await createServer(api.platform.db, other.org.id, 'their-host')).server.id;
    for (const id of [crypto.randomUUID(), theirServer]) {
      const response = await create(imageService({ server_id: id }));
      expect(response.statusCode).toBe(422);
      expect(response.json().error).toMatchObject({ code: 'UNPROCESSABLE', details: [{ path: 'body.server_id' }] });
    }
  });

  it("answers 404 for an unknown service or project, and for another organization's", async () => {
    const other = await otherOrganization(api.platform.db, 'services-hidden');
    const theirHeaders = bearer(other.ownerToken);
    const theirServer = (await createServer(api.platform.db, other.org.id, 'hidden-host')).server.id;
    const theirProject = await newProject(theirHeaders);
    const { data: theirs } = (await create(imageService({ name: 'hidden-svc', server_id: theirServer }), theirProject, theirHeaders)).json();

    for (const id of [crypto.randomUUID(), theirs.id]) {
      for (const method of ['GET', 'PATCH', 'DELETE'] as const) {
        const response = await api.app.inject({ method, url: `/api/v1/services/${id}`, headers: owner, ...(method === 'PATCH' ? { payload: { port: 1 } } : {}) });
        expect(response.statusCode, `${method} ${id}`).toBe(404);
        expect(response.body).not.toContain('hidden-svc');
      }
    }
    for (const project of [crypto.randomUUID(), theirProject]) {
      expect((await api.app.inject({ method: 'GET', url: `/api/v1/projects/${project}/services`, headers: owner })).statusCode).toBe(404);
      expect((await create(imageService(), project)).statusCode).toBe(404);
    }
    expect((await get(theirs.id, theirHeaders)).json().data.port).toBe(8080);
  });

  it('lets a project token reach only the services of its project', async () => {
    const mine = await newProject(owner);
    const elsewhere = await newProject(owner);
    const token = bearer((await addMember(api.platform.db, orgId, 'developer', { projectId: mine })).token);
    const created = await create(imageService(), mine, token);
    expect(created.statusCode, created.body).toBe(201);
    const { data: foreign } = (await create(imageService(), elsewhere)).json();

    expect((await get(created.json().data.id, token)).statusCode).toBe(200);
    expect((await get(foreign.id, token)).statusCode).toBe(404);
    expect((await patch(foreign.id, { port: 1 }, token)).statusCode).toBe(404);
    expect((await api.app.inject({ method: 'DELETE', url: `/api/v1/services/${foreign.id}`, headers: token })).statusCode).toBe(404);
    expect((await create(imageService(), elsewhere, token)).statusCode).toBe(404);
    expect((await api.app.inject({ method: 'GET', url: `/api/v1/projects/${elsewhere}/services`, headers: token })).statusCode).toBe(404);
  });

  it('deletes a service with 204', async () => {
    const { data: service } = (await create(imageService())).json();
    const response = await api.app.inject({ method: 'DELETE', url: `/api/v1/services/${service.id}`, headers: owner });
    expect(response.statusCode).toBe(204);
    expect((await get(service.id)).statusCode).toBe(404);
  });

  it('records create, update and delete in the audit log, without the registry password', async () => {
    const { data: service } = (await create(imageService({ source_config: { image: { registry: 'ghcr.io', repository: 'a/b', tag: 'v1' }, registry_auth: { username: 'u', password: 'audit-pw' } } }))).json();
    await patch(service.id, { port: 81, source_type: 'image', source_config: { image: { registry: 'ghcr.io', repository: 'a/b', tag: 'v2' }, registry_auth: { username: 'u', password: 'audit-pw-2' } } });
    await api.app.inject({ method: 'DELETE', url: `/api/v1/services/${service.id}`, headers: owner });
    const entries = await api.platform.db.selectFrom('audit_logs').selectAll().where('resource_id', '=', service.id).orderBy('created_at').execute();
    expect(entries.map((entry) => entry.action)).toEqual(['service.create', 'service.update', 'service.delete']);
    expect(entries[1]!.details).toMatchObject({ fields: ['port', 'source_config', 'source_type'] });
    expect(JSON.stringify(entries)).not.toContain('audit-pw');
  });

  it("lists a service's operations that started a workflow, newest first, within the caller's organization", async () => {
    const { data: service } = (await create(imageService())).json();
    const post = (action: string, payload?: object) => api.app.inject({ method: 'POST', url: `/api/v1/services/${service.id}/${action}`, headers: owner, ...(payload ? { payload } : {}) });
    const operations = (query = '', headers = owner) => api.app.inject({ method: 'GET', url: `/api/v1/services/${service.id}/operations${query}`, headers });
    // Never deployed: the scale only changes the row and starts no workflow, so nothing is listed.
    expect((await post('scale', { replicas: 2 })).statusCode).toBe(200);
    expect((await operations()).json().data).toEqual([]);

    const ran = await api.platform.db.insertInto('deployments').values({ service_id: service.id, status: 'running' }).returning('id').executeTakeFirstOrThrow();
    await api.platform.db.updateTable('services').set({ current_deployment_id: ran.id }).where('id', '=', service.id).execute();
    expect((await post('scale', { replicas: 3 })).statusCode).toBe(200);
    expect((await post('restart')).statusCode).toBe(200);
    const listed = z.array(ServiceOperationRecord).parse((await operations()).json().data);
    expect(listed.map((operation) => [operation.kind, operation.replicas])).toEqual([['restart', null], ['scale', { from: 2, to: 3 }]]);
    expect(listed[0]!.workflow.id).toMatch(new RegExp(`^restart-${service.id}-`));
    expect(listed[0]!.workflow.web_url).toBeNull();
    expect((await operations('?limit=1')).json().data).toHaveLength(1);
    expect((await operations('?limit=0')).json().error).toMatchObject({ code: 'VALIDATION_ERROR', details: [{ path: 'query.limit' }] });

    const other = await otherOrganization(api.platform.db, 'services-operations');
    expect((await operations('', bearer(other.ownerToken))).statusCode).toBe(404);
  });
});
