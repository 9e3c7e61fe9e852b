import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { apiResponse, Project, ProjectWithServices } from '../../contracts/index.js';
import { createServer } from '../support/fixtures.js';
import { bearer, bootstrappedOrganization, otherOrganization } from '../support/auth.js';
import { startTestApi } from '../support/platform.js';

describe('projects', () => {
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let owner: Record<string, string>;
  let orgId: string;

  beforeAll(async () => {
    api = await startTestApi('projects');
    owner = bearer(api.ownerToken);
    orgId = (await bootstrappedOrganization(api.platform.db)).id;
  });
  afterAll(async () => {
    await api?.close();
  });

  const createProject = (body: unknown, headers = owner) =>
    api.app.inject({ method: 'POST', url: '/api/v1/projects', headers, payload: body as object });

  it('creates a project with a slug derived from its name and the git provider from its repository', async () => {
    const response = await createProject({
      name: 'Café Billing API',
      description: 'Invoices',
      git_repo_url: 'https://github.com/acme/billing',
      git_branch: 'trunk',
    });
    expect(response.statusCode).toBe(201);
    const { data } = apiResponse(Project).parse(response.json());
    expect(data).toMatchObject({
      org_id: orgId,
      name: 'Café Billing API',
      slug: 'cafe-billing-api',
      description: 'Invoices',
      git_repo_url: 'https://github.com/acme/billing',
      git_branch: 'trunk',
      git_provider: 'github',
    });
  });

  it('takes the column defaults for what the body leaves out', async () => {
    const { data } = (await createProject({ name: 'Bare' })).json();
    expect(data).toMatchObject({ slug: 'bare', description: null, git_repo_url: null, git_branch: 'main', git_provider: null });
  });

  it('answers 409 CONFLICT when the slug is taken in the organization, but not in another one', async () => {
    await createProject({ name: 'Shop' });
    const duplicate = await createProject({ name: 'shop!' });
    expect(duplicate.statusCode).toBe(409);
    expect(duplicate.json().error).toMatchObject({ code: 'CONFLICT', details: { slug: 'shop' } });

    const other = await otherOrganization(api.platform.db, 'projects-elsewhere');
    expect((await createProject({ name: 'Shop' }, bearer(other.ownerToken))).statusCode).toBe(201);
  });

  it('renames a project, moving its slug, and answers 409 when the new slug is taken', async () => {
    const { data: project } = (await createProject({ name: 'Alpha' })).json();
    await createProject({ name: 'Beta' });
    const renamed = await api.app.inject({ method: 'PATCH', url: `/api/v1/projects/${project.id}`, headers: owner, payload: { name: 'Gamma', description: 'g' } });
    expect(renamed.statusCode).toBe(200);
    expect(renamed.json().data).toMatchObject({ name: 'Gamma', slug: 'gamma', description: 'g' });

    const clash = await api.app.inject({ method: 'PATCH', url: `/api/v1/projects/${project.id}`, headers: owner, payload: { name: 'Beta' } });
    expect(clash.statusCode).toBe(409);
    const unchanged = await api.app.inject({ method: 'GET', url: `/api/v1/projects/${project.id}`, headers: owner });
    expect(unchanged.json().data.slug).toBe('gamma');
  });

  it('gets a project with its services', async () => {
    const db = api.platform.db;
    const { data: project } = (await createProject({ name: 'With Services' })).json();
    const { server } = await createServer(db, orgId, 'svc-host');
    await db
      .insertInto('services')
      .values({ project_id: project.id, server_id: server.id, name: 'web', source_type: 'image', image_name: 'ghcr.io/acme/web', image_tag: 'v1', port: 8080, health_check_path: '/healthz' })
      .execute();
    const response = await api.app.inject({ method: 'GET', url: `/api/v1/projects/${project.id}`, headers: owner });
    expect(response.statusCode).toBe(200);
    const { data } = apiResponse(ProjectWithServices).parse(response.json());
    expect(data.services).toHaveLength(1);
    expect(data.services[0]).toMatchObject({
      name: 'web',
      server_id: server.id,
      port: 8080,
      replicas: 1,
      source_type: 'image',
      source_config: { image: { registry: 'ghcr.io', repository: 'acme/web', tag: 'v1' } },
      health_check: { type: 'http', path: '/healthz', interval_seconds: 30 },
    });
  });

  it('lists projects with pagination meta', async () => {
    const response = await api.app.inject({ method: 'GET', url: '/api/v1/projects?per_page=1&page=2', headers: owner });
    expect(response.statusCode).toBe(200);
    const body = apiResponse(z.array(Project)).parse(response.json());
    expect(body.data).toHaveLength(1);
    expect(body.meta).toMatchObject({ page: 2, per_page: 1 });
    expect(body.meta!.total).toBeGreaterThan(2);
    expect(body.data.every((project) => project.org_id === orgId)).toBe(true);
  });

  it('deletes a project with 204, and its services with it', async () => {
    const db = api.platform.db;
    const { data: project } = (await createProject({ name: 'Doomed' })).json();
    const { server } = await createServer(db, orgId, 'doomed-host');
    await db.insertInto('services').values({ project_id: project.id, server_id: server.id, name: 'w', source_type: 'nixpacks' }).execute();
    const response = await api.app.inject({ method: 'DELETE', url: `/api/v1/projects/${project.id}`, headers: owner });
    expect(response.statusCode).toBe(204);
    expect(await db.selectFrom('services').selectAll().where('project_id', '=', project.id).execute()).toEqual([]);
    expect((await api.app.inject({ method: 'GET', url: `/api/v1/projects/${project.id}`, headers: owner })).statusCode).toBe(404);
  });

  it('answers 400 naming each failing field', async () => {
    const response = await createProject({ name: '  ', git_repo_url: 'not a url', git_branch: '' });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.details.map((problem: { path: string }) => problem.path).sort()).toEqual([
      'body.git_branch',
      'body.git_repo_url',
      'body.name',
    ]);
    const badPage = await api.app.inject({ method: 'GET', url: '/api/v1/projects?page=0', headers: owner });
    expect(badPage.json().error.details[0].path).toBe('query.page');
  });

  it('answers 400, not 500, for text PostgreSQL cannot store (a NUL character), and stores nothing', async () => {
    const response = await createProject({ name: 'nul', description: 'before\u0000after' });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'VALIDATION_ERROR', message: expect.stringContaining('NUL') });
    const stored = await api.platform.db.selectFrom('projects').select('id').where('name', '=', 'nul').execute();
    expect(stored).toEqual([]);
  });

  it("answers 404 for an unknown project and for another organization's", async () => {
    const other = await otherOrganization(api.platform.db, 'projects-hidden');
    const { data: theirs } = (await createProject({ name: 'Hidden' }, bearer(other.ownerToken))).json();
    for (const id of [crypto.randomUUID(), theirs.id]) {
      for (const method of ['GET', 'PATCH', 'DELETE'] as const) {
        const response = await api.app.inject({ method, url: `/api/v1/projects/${id}`, headers: owner, ...(method === 'PATCH' ? { payload: {} } : {}) });
        expect(response.statusCode, `${method} ${id}`).toBe(404);
        expect(response.body).not.toContain('Hidden');
      }
    }
  });

  it('records create, update and delete in the audit log', async () => {
    const { data: project } = (await createProject({ name: 'Audited' })).json();
    await api.app.inject({ method: 'PATCH', url: `/api/v1/projects/${project.id}`, headers: owner, payload: { description: 'd' } });
    await api.app.inject({ method: 'DELETE', url: `/api/v1/projects/${project.id}`, headers: owner });
    const actions = await api.platform.db.selectFrom('audit_logs').select('action').where('resource_id', '=', project.id).orderBy('created_at').execute();
    expect(actions.map((entry) => entry.action)).toEqual(['project.create', 'project.update', 'project.delete']);
  });
});
