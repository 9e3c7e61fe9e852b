import type { LightMyRequestResponse } from 'fastify';
import type { startTestApi } from '../support/platform.js';

/*
 * The RBAC matrix's rows: every mutating route, what it needs created first and how to call it
 * (tests/api/rbac.test.ts checks each against each role).
 */

export type Api = Awaited<ReturnType<typeof startTestApi>>;

/** Each mutating route, with what it needs created first (by the owner, or by the actor for their own tokens) and how to call it. */
interface MutatingRoute {
  name: string;
  prepare(api: Api, owner: Record<string, string>, actor: Record<string, string>): Promise<string>;
  call(api: Api, headers: Record<string, string>, id: string): Promise<LightMyRequestResponse>;
}

let sequence = 0;
export const unique = (base: string) => `${base}-${++sequence}`;

const newServer = async (api: Api, owner: Record<string, string>) =>
  (await api.app.inject({ method: 'POST', url: '/api/v1/servers', headers: owner, payload: { name: unique('s') } })).json().data.server_id as string;
export const newProject = async (api: Api, owner: Record<string, string>) =>
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

export const routes: MutatingRoute[] = [
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
