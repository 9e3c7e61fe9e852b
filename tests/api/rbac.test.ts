import { readFile } from 'node:fs/promises';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actions, permissionMatrix, roles } from '../../contracts/api/permissions.js';
import type { OrgRole } from '../../db/postgres/database.js';
import { createServer } from '../support/fixtures.js';
import { addMember, bearer, bootstrappedOrganization, otherOrganization } from '../support/auth.js';
import { startAiWorkers } from '../support/ai-workers.js';
import { startTestApi } from '../support/platform.js';

type Api = Awaited<ReturnType<typeof startTestApi>>;

/** Each mutating route, with what it needs created first (by the owner, or by the actor for their own tokens) and how to call it. */
interface MutatingRoute {
  name: string;
  prepare(api: Api, owner: Record<string, string>, actor: Record<string, string>): Promise<string>;
  call(api: Api, headers: Record<string, string>, id: string): Promise<LightMyRequestResponse>;
}

let sequence = 0;
const unique = (base: string) => `${base}-${++sequence}`;

const newServer = async (api: Api, owner: Record<string, string>) =>
  (await api.app.inject({ method: 'POST', url: '/api/v1/servers', headers: owner, payload: { name: unique('s') } })).json().data.server_id as string;
const newProject = async (api: Api, owner: Record<string, string>) =>
  (await api.app.inject({ method: 'POST', url: '/api/v1/projects', headers: owner, payload: { name: unique('p') } })).json().data.id as string;

/** The server each prepared project's services go on, created by the same owner. */
const serverOfProject = new Map<string, string>();
const newProjectWithServer = async (api: Api, owner: Record<string, string>) => {
  const projectId = await newProject(api, owner);
  serverOfProject.set(projectId, await newServer(api, owner));
  return projectId;
};
const serviceBody = (serverId: string | undefined) => ({ name: unique('svc'), server_id: serverId, port: 80, source_type: 'nixpacks', source_config: {} });
const newService = async (api: Api, owner: Record<string, string>) => {
  const projectId = await newProjectWithServer(api, owner);
  const url = `/api/v1/projects/${projectId}/services`;
  const service = await api.app.inject({ method: 'POST', url, headers: owner, payload: { ...serviceBody(serverOfProject.get(projectId)), env_vars: { KEY: 'v' } } });
  return service.json().data.id as string;
};

const newIssue = async (api: Api, owner: Record<string, string>) => {
  const serviceId = await newService(api, owner);
  const now = new Date().toISOString();
  const issue = { service_id: serviceId, fingerprint: unique('f'), title: 'TypeError', first_seen_at: now, last_seen_at: now };
  return (await api.platform.db.insertInto('error_groups').values(issue).returning('id').executeTakeFirstOrThrow()).id;
};
const latencyRule = (projectId: string) => ({
  name: unique('a'),
  project_id: projectId,
  condition: { type: 'latency', percentile: 95, threshold_ms: 500, window_minutes: 5 },
  channels: [{ type: 'slack', webhook_url: 'https://hooks.slack.com/services/T/B/x' }],
});
const newAlert = async (api: Api, owner: Record<string, string>) =>
  (await api.app.inject({ method: 'POST', url: '/api/v1/alerts', headers: owner, payload: latencyRule(await newProject(api, owner)) })).json().data.id as string;
const newIncident = async (api: Api, owner: Record<string, string>) => {
  const incident = { alert_id: await newAlert(api, owner), message: 'p95 above 500 ms' };
  return (await api.platform.db.insertInto('alert_incidents').values(incident).returning('id').executeTakeFirstOrThrow()).id;
};
const waitDefinition = { nodes: [{ id: 'pause', step: { type: 'wait', seconds: 5 } }], edges: [] };
const newWorkflow = async (api: Api, owner: Record<string, string>) => {
  const url = `/api/v1/projects/${await newProject(api, owner)}/workflows`;
  return (await api.app.inject({ method: 'POST', url, headers: owner, payload: { name: unique('w'), definition: waitDefinition } })).json().data.id as string;
};
const newScheduledWorkflow = async (api: Api, owner: Record<string, string>) => {
  const url = `/api/v1/projects/${await newProject(api, owner)}/workflows`;
  const payload = { name: unique('w'), definition: waitDefinition, cron_expression: '0 3 * * *' };
  return (await api.app.inject({ method: 'POST', url, headers: owner, payload })).json().data.id as string;
};
const newWorkflowRun = async (api: Api, owner: Record<string, string>) =>
  (await api.app.inject({ method: 'POST', url: `/api/v1/workflows/${await newWorkflow(api, owner)}/runs`, headers: owner, payload: {} })).json().data.id as string;

const newMember = async (api: Api, owner: Record<string, string>) =>
  (await api.app.inject({ method: 'POST', url: '/api/v1/members', headers: owner, payload: { email: `${unique('m')}@example.com`, role: 'developer' } })).json()
    .data.user_id as string;
const newOwnToken = async (api: Api, _owner: Record<string, string>, actor: Record<string, string>) =>
  (await api.app.inject({ method: 'POST', url: '/api/v1/tokens', headers: actor, payload: { name: unique('t') } })).json().data.id as string;

const routes: MutatingRoute[] = [
  {
    name: 'POST /servers',
    prepare: async () => '',
    call: (api, headers) => api.app.inject({ method: 'POST', url: '/api/v1/servers', headers, payload: { name: unique('s') } }),
  },
  {
    name: 'PATCH /servers/:id',
    prepare: newServer,
    call: (api, headers, id) => api.app.inject({ method: 'PATCH', url: `/api/v1/servers/${id}`, headers, payload: { name: unique('s') } }),
  },
  {
    name: 'DELETE /servers/:id',
    prepare: newServer,
    call: (api, headers, id) => api.app.inject({ method: 'DELETE', url: `/api/v1/servers/${id}`, headers }),
  },
  {
    name: 'POST /servers/:id/agent/update',
    prepare: newServer,
    call: (api, headers, id) => api.app.inject({ method: 'POST', url: `/api/v1/servers/${id}/agent/update`, headers }),
  },
  {
    name: 'POST /projects',
    prepare: async () => '',
    call: (api, headers) => api.app.inject({ method: 'POST', url: '/api/v1/projects', headers, payload: { name: unique('p') } }),
  },
  {
    name: 'PATCH /projects/:id',
    prepare: newProject,
    call: (api, headers, id) => api.app.inject({ method: 'PATCH', url: `/api/v1/projects/${id}`, headers, payload: { description: 'x' } }),
  },
  {
    name: 'DELETE /projects/:id',
    prepare: newProject,
    call: (api, headers, id) => api.app.inject({ method: 'DELETE', url: `/api/v1/projects/${id}`, headers }),
  },
  {
    name: 'POST /projects/:id/services',
    prepare: newProjectWithServer,
    call: (api, headers, id) =>
      api.app.inject({ method: 'POST', url: `/api/v1/projects/${id}/services`, headers, payload: serviceBody(serverOfProject.get(id)) }),
  },
  {
    name: 'PATCH /services/:id',
    prepare: newService,
    call: (api, headers, id) => api.app.inject({ method: 'PATCH', url: `/api/v1/services/${id}`, headers, payload: { port: 81 } }),
  },
  {
    name: 'DELETE /services/:id',
    prepare: newService,
    call: (api, headers, id) => api.app.inject({ method: 'DELETE', url: `/api/v1/services/${id}`, headers }),
  },
  {
    name: 'PUT /services/:id/env',
    prepare: newService,
    call: (api, headers, id) =>
      api.app.inject({ method: 'PUT', url: `/api/v1/services/${id}/env`, headers, payload: { variables: [{ key: 'KEY', value: 'w', is_secret: true }] } }),
  },
  {
    name: 'DELETE /services/:id/env/:key',
    prepare: newService,
    call: (api, headers, id) => api.app.inject({ method: 'DELETE', url: `/api/v1/services/${id}/env/KEY`, headers }),
  },
  {
    // Never deployed, so a role allowed to exec gets as far as 422.
    name: 'POST /services/:id/exec',
    prepare: newService,
    call: (api, headers, id) => api.app.inject({ method: 'POST', url: `/api/v1/services/${id}/exec`, headers, payload: { command: ['ls'] } }),
  },
  {
    name: 'POST /tokens',
    prepare: async () => '',
    call: (api, headers) => api.app.inject({ method: 'POST', url: '/api/v1/tokens', headers, payload: { name: unique('t') } }),
  },
  {
    name: 'DELETE /tokens/:id',
    prepare: newOwnToken,
    call: (api, headers, id) => api.app.inject({ method: 'DELETE', url: `/api/v1/tokens/${id}`, headers }),
  },
  {
    name: 'POST /members',
    prepare: async () => '',
    call: (api, headers) =>
      api.app.inject({ method: 'POST', url: '/api/v1/members', headers, payload: { email: `${unique('m')}@example.com`, role: 'viewer' } }),
  },
  {
    name: 'PATCH /members/:id',
    prepare: newMember,
    call: (api, headers, id) => api.app.inject({ method: 'PATCH', url: `/api/v1/members/${id}`, headers, payload: { role: 'viewer' } }),
  },
  {
    name: 'DELETE /members/:id',
    prepare: newMember,
    call: (api, headers, id) => api.app.inject({ method: 'DELETE', url: `/api/v1/members/${id}`, headers }),
  },
  {
    name: 'POST /auth/logout',
    prepare: async () => '',
    call: (api, headers) => api.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers }),
  },
  {
    name: 'PATCH /issues/:id',
    prepare: newIssue,
    call: (api, headers, id) => api.app.inject({ method: 'PATCH', url: `/api/v1/issues/${id}`, headers, payload: { status: 'resolved' } }),
  },
  {
    name: 'POST /alerts',
    prepare: newProject,
    call: (api, headers, id) => api.app.inject({ method: 'POST', url: '/api/v1/alerts', headers, payload: latencyRule(id) }),
  },
  {
    name: 'PATCH /alerts/:id',
    prepare: newAlert,
    call: (api, headers, id) => api.app.inject({ method: 'PATCH', url: `/api/v1/alerts/${id}`, headers, payload: { is_active: false } }),
  },
  {
    name: 'DELETE /alerts/:id',
    prepare: newAlert,
    call: (api, headers, id) => api.app.inject({ method: 'DELETE', url: `/api/v1/alerts/${id}`, headers }),
  },
  {
    name: 'POST /incidents/:id/acknowledge',
    prepare: newIncident,
    call: (api, headers, id) => api.app.inject({ method: 'POST', url: `/api/v1/incidents/${id}/acknowledge`, headers }),
  },
  {
    name: 'POST /projects/:id/workflows',
    prepare: newProject,
    call: (api, headers, id) =>
      api.app.inject({ method: 'POST', url: `/api/v1/projects/${id}/workflows`, headers, payload: { name: unique('w'), definition: waitDefinition } }),
  },
  {
    name: 'PATCH /workflows/:id',
    prepare: newWorkflow,
    call: (api, headers, id) => api.app.inject({ method: 'PATCH', url: `/api/v1/workflows/${id}`, headers, payload: { cron_expression: '@hourly' } }),
  },
  {
    name: 'DELETE /workflows/:id',
    prepare: newWorkflow,
    call: (api, headers, id) => api.app.inject({ method: 'DELETE', url: `/api/v1/workflows/${id}`, headers }),
  },
  {
    name: 'POST /workflows/:id/runs',
    prepare: newWorkflow,
    call: (api, headers, id) => api.app.inject({ method: 'POST', url: `/api/v1/workflows/${id}/runs`, headers, payload: {} }),
  },
  {
    name: 'POST /workflow-runs/:id/cancel',
    prepare: newWorkflowRun,
    call: (api, headers, id) => api.app.inject({ method: 'POST', url: `/api/v1/workflow-runs/${id}/cancel`, headers }),
  },
  {
    name: 'PATCH /ai/settings',
    prepare: async () => '',
    call: (api, headers) => api.app.inject({ method: 'PATCH', url: '/api/v1/ai/settings', headers, payload: { model: 'local' } }),
  },
  {
    name: 'PATCH /acme/settings',
    prepare: async () => '',
    call: (api, headers) => api.app.inject({ method: 'PATCH', url: '/api/v1/acme/settings', headers, payload: { email: 'certs@example.com' } }),
  },
  {
    name: 'POST /ai/analyze-error',
    prepare: newIssue,
    call: (api, headers, id) => api.app.inject({ method: 'POST', url: '/api/v1/ai/analyze-error', headers, payload: { issue_id: id } }),
  },
  {
    name: 'POST /workflows/:id/schedule/pause',
    prepare: newScheduledWorkflow,
    call: (api, headers, id) => api.app.inject({ method: 'POST', url: `/api/v1/workflows/${id}/schedule/pause`, headers }),
  },
];

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
