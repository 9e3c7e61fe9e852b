import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actions, permissionMatrix, roles } from '../../contracts/api/permissions.js';
import type { OrgRole } from '../../db/postgres/database.js';
import { createServer } from '../support/fixtures.js';
import { addMember, bearer, bootstrappedOrganization, otherOrganization } from '../support/auth.js';
import { startAiWorkers } from '../support/ai-workers.js';
import { startTestApi } from '../support/platform.js';
import { newProject, routes, unique, type Api } from './rbac-routes.js';

/** The expected status of every cell, written from docs/rbac.md. */
const expected: Record<string, Record<OrgRole, number>> = {
  'POST /servers': { owner: 201, admin: 201, developer: 403, viewer: 403 },
  'PATCH /servers/:id': { owner: 200, admin: 200, developer: 403, viewer: 403 },
  'DELETE /servers/:id': { owner: 204, admin: 204, developer: 403, viewer: 403 },
  'POST /servers/:id/agent/update': { owner: 202, admin: 202, developer: 403, viewer: 403 },
  'POST /projects': { owner: 201, admin: 201, developer: 201, viewer: 403 },
  'PATCH /projects/:id': { owner: 200, admin: 200, developer: 200, viewer: 403 },
  'DELETE /projects/:id': { owner: 204, admin: 204, developer: 403, viewer: 403 },
  'POST /projects/:id/services': { owner: 201, admin: 201, developer: 201, viewer: 403 },
  'PATCH /services/:id': { owner: 200, admin: 200, developer: 200, viewer: 403 },
  'DELETE /services/:id': { owner: 204, admin: 204, developer: 204, viewer: 403 },
  'PUT /services/:id/env': { owner: 200, admin: 200, developer: 200, viewer: 403 },
  'DELETE /services/:id/env/:key': { owner: 204, admin: 204, developer: 204, viewer: 403 },
  'POST /services/:id/exec': { owner: 422, admin: 422, developer: 422, viewer: 403 },
  'POST /tokens': { owner: 201, admin: 201, developer: 201, viewer: 201 },
  'DELETE /tokens/:id': { owner: 204, admin: 204, developer: 204, viewer: 204 },
  'POST /members': { owner: 201, admin: 201, developer: 403, viewer: 403 },
  'PATCH /members/:id': { owner: 200, admin: 200, developer: 403, viewer: 403 },
  'DELETE /members/:id': { owner: 204, admin: 204, developer: 403, viewer: 403 },
  'POST /auth/logout': { owner: 204, admin: 204, developer: 204, viewer: 204 },
  'PATCH /issues/:id': { owner: 200, admin: 200, developer: 200, viewer: 403 },
  'POST /alerts': { owner: 201, admin: 201, developer: 201, viewer: 403 },
  'PATCH /alerts/:id': { owner: 200, admin: 200, developer: 200, viewer: 403 },
  'DELETE /alerts/:id': { owner: 204, admin: 204, developer: 204, viewer: 403 },
  'POST /incidents/:id/acknowledge': { owner: 200, admin: 200, developer: 200, viewer: 403 },
  'POST /projects/:id/workflows': { owner: 201, admin: 201, developer: 201, viewer: 403 },
  'PATCH /workflows/:id': { owner: 200, admin: 200, developer: 200, viewer: 403 },
  'DELETE /workflows/:id': { owner: 204, admin: 204, developer: 204, viewer: 403 },
  'POST /workflows/:id/runs': { owner: 201, admin: 201, developer: 201, viewer: 403 },
  'POST /workflow-runs/:id/cancel': { owner: 202, admin: 202, developer: 202, viewer: 403 },
  'POST /workflows/:id/schedule/pause': { owner: 200, admin: 200, developer: 200, viewer: 403 },
  'PATCH /ai/settings': { owner: 200, admin: 403, developer: 403, viewer: 403 },
  'PATCH /acme/settings': { owner: 200, admin: 200, developer: 403, viewer: 403 },
  'POST /ai/analyze-error': { owner: 200, admin: 200, developer: 200, viewer: 403 },
};

describe('role-based access', () => {
  let api: Api;
  let owner: Record<string, string>;
  let orgId: string;
  const tokens = {} as Record<OrgRole, string>;

  let aiWorkers: Awaited<ReturnType<typeof startAiWorkers>> | undefined;
  beforeAll(async () => {
    api = await startTestApi('rbac');
    // An analysis is a workflow (`syntra worker`) whose activity runs in the API process: both run beside it, as in production.
    aiWorkers = await startAiWorkers(api.platform);
    owner = bearer(api.ownerToken);
    orgId = (await bootstrappedOrganization(api.platform.db)).id;
    for (const role of roles) tokens[role] = (await addMember(api.platform.db, orgId, role)).token;
  });
  afterAll(async () => {
    await aiWorkers?.stop();
    await api?.close();
  });

  it('docs/rbac.md shows the matrix the code enforces', async () => {
    const doc = await readFile('docs/rbac.md', 'utf8');
    const rows = Object.fromEntries(
      [...doc.matchAll(/^\| `([\w.]+)` \| (yes|no) \| (yes|no) \| (yes|no) \| (yes|no) \|$/gm)].map((match) => [match[1], match.slice(2, 6)]),
    );
    expect(Object.keys(rows).sort()).toEqual([...actions].sort());
    for (const action of actions) {
      expect(rows[action], action).toEqual(roles.map((role) => (permissionMatrix[role].has(action) ? 'yes' : 'no')));
    }
  });

  for (const route of routes) {
    for (const role of roles) {
      it(`${route.name} as ${role} answers ${expected[route.name]![role]}`, async () => {
        const id = await route.prepare(api, owner, bearer(tokens[role]));
        const response = await route.call(api, bearer(tokens[role]), id);
        expect(response.statusCode, response.body).toBe(expected[route.name]![role]);
        if (response.statusCode === 403) expect(response.json().error.code).toBe('FORBIDDEN');
      });
    }
  }

  it('lets every role read', async () => {
    const projectId = await newProject(api, owner);
    for (const role of roles) {
      for (const url of ['/api/v1/servers', '/api/v1/projects', `/api/v1/projects/${projectId}`]) {
        expect((await api.app.inject({ method: 'GET', url, headers: bearer(tokens[role]) })).statusCode, `${role} ${url}`).toBe(200);
      }
    }
  });

  it("answers 404 for every route on another organization's resources, even to its owner role", async () => {
    const other = await otherOrganization(api.platform.db, 'rbac-other');
    for (const route of routes.filter((candidate) => candidate.name.includes(':id'))) {
      const theirs = await route.prepare(api, bearer(other.ownerToken), bearer(other.ownerToken));
      const response = await route.call(api, owner, theirs);
      expect(response.statusCode, route.name).toBe(404);
    }
    for (const url of ['/api/v1/servers', '/api/v1/projects']) {
      const seen = (await api.app.inject({ method: 'GET', url, headers: bearer(other.ownerToken) })).json();
      expect(seen.data.every((row: { org_id: string }) => row.org_id !== orgId), url).toBe(true);
    }
  });

  describe('a project-scoped token', () => {
    let projectId: string;
    let otherProjectId: string;
    let projectServer: string;
    let otherServer: string;
    let developerToken: Record<string, string>;

    beforeAll(async () => {
      const db = api.platform.db;
      projectId = await newProject(api, owner);
      otherProjectId = await newProject(api, owner);
      projectServer = (await createServer(db, orgId, 'project-host')).server.id;
      otherServer = (await createServer(db, orgId, 'other-host')).server.id;
      await db.insertInto('services').values({ project_id: projectId, server_id: projectServer, name: 'web', source_type: 'nixpacks' }).execute();
      developerToken = bearer((await addMember(db, orgId, 'developer', { projectId })).token);
    });

    it('sees only its project, and the servers its services run on', async () => {
      const projects = (await api.app.inject({ method: 'GET', url: '/api/v1/projects', headers: developerToken })).json();
      expect(projects.data.map((project: { id: string }) => project.id)).toEqual([projectId]);
      expect(projects.meta.total).toBe(1);
      const servers = (await api.app.inject({ method: 'GET', url: '/api/v1/servers', headers: developerToken })).json();
      expect(servers.data.map((server: { id: string }) => server.id)).toEqual([projectServer]);

      const get = (url: string) => api.app.inject({ method: 'GET', url, headers: developerToken });
      expect((await get(`/api/v1/projects/${projectId}`)).statusCode).toBe(200);
      expect((await get(`/api/v1/servers/${projectServer}`)).statusCode).toBe(200);
      expect((await get(`/api/v1/projects/${otherProjectId}`)).statusCode).toBe(404);
      expect((await get(`/api/v1/servers/${otherServer}`)).statusCode).toBe(404);
    });

    it('updates its own project with its creator\'s role, and answers 404 for another project', async () => {
      const patch = (id: string) => api.app.inject({ method: 'PATCH', url: `/api/v1/projects/${id}`, headers: developerToken, payload: { description: 'ci' } });
      expect((await patch(projectId)).statusCode).toBe(200);
      expect((await patch(otherProjectId)).statusCode).toBe(404);

      const viewerToken = bearer((await addMember(api.platform.db, orgId, 'viewer', { projectId })).token);
      const asViewer = await api.app.inject({ method: 'PATCH', url: `/api/v1/projects/${projectId}`, headers: viewerToken, payload: { description: 'x' } });
      expect(asViewer.statusCode).toBe(403);
    });

    it('may never act on the organization, whatever its creator\'s role', async () => {
      const ownerProjectToken = bearer((await addMember(api.platform.db, orgId, 'owner', { projectId })).token);
      const attempts = [
        api.app.inject({ method: 'POST', url: '/api/v1/projects', headers: ownerProjectToken, payload: { name: unique('p') } }),
        api.app.inject({ method: 'DELETE', url: `/api/v1/projects/${projectId}`, headers: ownerProjectToken }),
        api.app.inject({ method: 'POST', url: '/api/v1/servers', headers: ownerProjectToken, payload: { name: unique('s') } }),
        api.app.inject({ method: 'PATCH', url: `/api/v1/servers/${projectServer}`, headers: ownerProjectToken, payload: { name: 'x' } }),
        api.app.inject({ method: 'DELETE', url: `/api/v1/servers/${projectServer}`, headers: ownerProjectToken }),
        api.app.inject({ method: 'GET', url: '/api/v1/members', headers: ownerProjectToken }),
        api.app.inject({ method: 'POST', url: '/api/v1/tokens', headers: ownerProjectToken, payload: { name: 'x' } }),
        api.app.inject({ method: 'GET', url: '/api/v1/audit-logs', headers: ownerProjectToken }),
      ];
      for (const response of await Promise.all(attempts)) expect(response.statusCode, response.body).toBe(403);
    });
  });
});
