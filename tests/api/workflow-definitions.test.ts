import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { apiResponse, Workflow, WorkflowRun, WorkflowVersion } from '../../contracts/index.js';
import { addMember, bearer, bootstrappedOrganization, otherOrganization } from '../support/auth.js';
import { startTestApi } from '../support/platform.js';
import { projectWithServices } from './observability-fixtures.js';

describe('DAG workflow definitions and runs', () => {
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let owner: Record<string, string>;
  let orgId: string;
  let projectId: string;
  let serviceId: string;
  let foreign: { token: Record<string, string>; serviceId: string };

  /** Deploy, then check health and wait in parallel, then ask for approval before scaling up. */
  const release = () => ({
    nodes: [
      { id: 'deploy', step: { type: 'deploy', service_id: serviceId, git_ref: 'main' } },
      { id: 'smoke', name: 'Smoke test', step: { type: 'http_request', method: 'GET', url: 'https://shop.example.com/health', expect_status: [200] } },
      { id: 'soak', step: { type: 'wait', seconds: 300 } },
      { id: 'approve', step: { type: 'approval', message: 'Scale up?' } },
      { id: 'scale', step: { type: 'scale', service_id: serviceId, replicas: 4 } },
    ],
    edges: [
      { from: 'deploy', to: 'smoke' },
      { from: 'deploy', to: 'soak' },
      { from: 'smoke', to: 'approve' },
      { from: 'soak', to: 'approve' },
      { from: 'approve', to: 'scale' },
    ],
  });

  const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object, headers = owner) =>
    api.app.inject({ method, url: `/api/v1${url}`, headers, ...(payload ? { payload } : {}) });
  const create = async (body: object, headers = owner) => {
    const response = await call('POST', `/projects/${projectId}/workflows`, body, headers);
    expect(response.statusCode, response.body).toBe(201);
    return apiResponse(Workflow).parse(response.json()).data;
  };
  const faults = (response: { json(): { error: { details: { path: string; message: string }[] } } }) => response.json().error.details;

  beforeAll(async () => {
    api = await startTestApi('workflow-definitions');
    owner = bearer(api.ownerToken);
    orgId = (await bootstrappedOrganization(api.platform.db)).id;
    const ours = await projectWithServices(api.platform.db, orgId, 1);
    [projectId, serviceId] = [ours.project.id, ours.services[0]!.id];
    const other = await otherOrganization(api.platform.db, 'workflows-other');
    foreign = { token: bearer(other.ownerToken), serviceId: (await projectWithServices(api.platform.db, other.org.id, 1)).services[0]!.id };
  });
  afterAll(async () => {
    await api?.close();
  });

  it('stores a definition, manual without a cron expression and scheduled with one', async () => {
    const manual = await create({ name: 'Release', description: 'Deploy and scale', definition: release() });
    expect(manual).toMatchObject({ project_id: projectId, trigger_type: 'manual', cron_expression: null, is_active: true, definition: release() });
    const nightly = await create({ name: 'Nightly restart', definition: { nodes: [{ id: 'r', step: { type: 'restart', service_id: serviceId } }], edges: [] }, cron_expression: '30 2 * * MON-FRI' });
    expect(nightly).toMatchObject({ trigger_type: 'schedule', cron_expression: '30 2 * * MON-FRI' });
    const audit = await api.platform.db.selectFrom('audit_logs').select('action').where('resource_id', '=', manual.id).execute();
    expect(audit).toEqual([{ action: 'workflow.create' }]);
  });

  it('answers 400 naming the fault: cycles, dangling edges, duplicate ids, unknown steps, bad cron', async () => {
    const base = release();
    const cases: [object, string, RegExp][] = [
      [{ ...base, edges: [...base.edges, { from: 'scale', to: 'deploy' }] }, 'body.definition.edges', /cycle: .*deploy → .*scale → deploy/],
      [{ ...base, edges: [{ from: 'soak', to: 'soak' }] }, 'body.definition.edges', /cycle: soak → soak/],
      [{ ...base, edges: [...base.edges, { from: 'scale', to: 'notify' }] }, 'body.definition.edges.5.to', /dangling edge: no node "notify"/],
      [{ ...base, nodes: [...base.nodes, { id: 'soak', step: { type: 'wait', seconds: 1 } }] }, 'body.definition.nodes.5.id', /duplicate node id "soak"/],
      [{ ...base, edges: [...base.edges, base.edges[0]] }, 'body.definition.edges.5', /duplicate edge deploy → smoke/],
      [{ ...base, nodes: [{ id: 'x', step: { type: 'launch_rocket' } }], edges: [] }, 'body.definition.nodes.0.step.type', /./],
      [{ ...base, nodes: [{ id: 'x', step: { type: 'wait', seconds: 0 } }], edges: [] }, 'body.definition.nodes.0.step.seconds', /./],
      [{ nodes: [], edges: [] }, 'body.definition.nodes', /./],
      [
        { nodes: Array.from({ length: 201 }, (_unused, index) => ({ id: `n${index}`, step: { type: 'wait', seconds: 1 } })), edges: [] },
        'body.definition.nodes',
        /200/,
      ],
      [
        { ...base, nodes: [...base.nodes.slice(0, 4), { id: 'scale', step: { type: 'deploy', service_id: serviceId, image_tag: '{{ nodes.smoke.output.image }}' } }] },
        'body.definition.nodes.4.step.image_tag',
        /a http_request node outputs status, body/,
      ],
      [
        { ...base, nodes: [...base.nodes.slice(0, 4), { id: 'scale', step: { type: 'deploy', service_id: serviceId, image_tag: '{{ nodes.later.output.status }}' } }] },
        'body.definition.nodes.4.step.image_tag',
        /no node "later"/,
      ],
      [
        { ...base, nodes: [...base.nodes, { id: 'side', step: { type: 'http_request', method: 'GET', url: 'https://x.example/{{ nodes.scale.output.status }}' } }] },
        'body.definition.nodes.5.step.url',
        /node "scale" does not run before "side"/,
      ],
      [
        { ...base, edges: [...base.edges.slice(0, 4), { from: 'soak', to: 'scale', on: 'failure' }] },
        'body.definition.nodes.4.id',
        /unreachable: node "scale"/,
      ],
    ];
    for (const [definition, path, message] of cases) {
      const response = await call('POST', `/projects/${projectId}/workflows`, { name: 'bad', definition });
      expect(response.statusCode, path).toBe(400);
      const fault = faults(response).find((candidate) => candidate.path === path);
      expect(fault?.message, `${path} in ${response.body}`).toMatch(message);
    }
    for (const [cron, message] of [['61 * * * *', /Invalid value for minute/], ['* * *', /expected 5 fields/], ['0 0 31 2-1 *', /From value is larger than to value/], ['*/0 * * * *', /illegal stepping/], ['0 0 31 2 *', /never fires/], ['0 0 L * *', /only numbers, names/]] as const) {
      const response = await call('POST', `/projects/${projectId}/workflows`, { name: 'bad', definition: release(), cron_expression: cron });
      expect(response.statusCode, cron).toBe(400);
      expect(faults(response)[0], cron).toMatchObject({ path: 'body.cron_expression', message: expect.stringMatching(message) });
    }
  });

  it("answers 422 for a step acting on a service outside the workflow's project", async () => {
    const definition = { nodes: [{ id: 'r', step: { type: 'restart', service_id: foreign.serviceId } }], edges: [] };
    const response = await call('POST', `/projects/${projectId}/workflows`, { name: 'theirs', definition });
    expect(response.statusCode).toBe(422);
    expect(faults(response)[0]!.path).toBe('body.definition.nodes.0.step.service_id');
  });

  it('updates the definition and the schedule, and removes the schedule with null', async () => {
    const workflow = await create({ name: 'Edit me', definition: release(), cron_expression: '@daily' });
    const smaller = { nodes: release().nodes.slice(0, 1), edges: [] };
    const response = await call('PATCH', `/workflows/${workflow.id}`, { definition: smaller, cron_expression: null, description: null });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().data).toMatchObject({ definition: smaller, cron_expression: null, trigger_type: 'manual', description: null });
    const cyclic = await call('PATCH', `/workflows/${workflow.id}`, { definition: { ...release(), edges: [{ from: 'deploy', to: 'deploy' }] } });
    expect(cyclic.statusCode).toBe(400);
    expect((await call('GET', `/workflows/${workflow.id}`)).json().data).toMatchObject({ definition: smaller, version: 2 });
    const versions = await api.platform.db.selectFrom('workflow_versions').select(['version', 'definition']).where('workflow_id', '=', workflow.id).orderBy('version').execute();
    expect(versions).toEqual([{ version: 1, definition: release() }, { version: 2, definition: smaller }]);
    const listed = apiResponse(z.array(WorkflowVersion)).parse((await call('GET', `/workflows/${workflow.id}/versions`)).json());
    expect(listed.data.map(({ version, definition }) => ({ version, definition }))).toEqual([{ version: 2, definition: smaller }, { version: 1, definition: release() }]);
    const owner = await api.platform.db.selectFrom('users').innerJoin('org_members', 'org_members.user_id', 'users.id').select(['users.id', 'users.email']).where('org_members.org_id', '=', orgId).where('org_members.role', '=', 'owner').executeTakeFirstOrThrow();
    expect(listed.data[0]!.created_by).toMatchObject({ id: owner.id, email: owner.email });
    expect((await call('GET', `/workflows/${workflow.id}/versions`, undefined, foreign.token)).statusCode).toBe(404);
  });

  it('shows the next five fire times in the workflow\'s time zone, and a bad zone is a 400', async () => {
    const workflow = await create({ name: 'Zoned', definition: release(), cron_expression: '0 9 * * *', timezone: 'Asia/Tokyo' });
    expect(workflow.schedule).toMatchObject({ timezone: 'Asia/Tokyo', overlap_policy: 'skip', catchup_window_seconds: 60, paused: false });
    expect(workflow.schedule!.next_fire_times).toHaveLength(5);
    for (const time of workflow.schedule!.next_fire_times) expect(time).toMatch(/T00:00:00\.000Z$/);
    const response = await call('POST', `/projects/${projectId}/workflows`, { name: 'bad', definition: release(), cron_expression: '@daily', timezone: 'Mars/Olympus' });
    expect(response.statusCode).toBe(400);
    expect(faults(response)[0]!.path).toBe('body.timezone');
    await call('DELETE', `/workflows/${workflow.id}`);
  });

  it('lists a project\'s workflows and 404s across organizations and for project tokens of other projects', async () => {
    const listed = apiResponse(z.array(Workflow)).parse((await call('GET', `/projects/${projectId}/workflows?per_page=2`)).json());
    expect(listed.data).toHaveLength(2);
    expect(listed.meta).toMatchObject({ page: 1, per_page: 2, total: 3 });
    const [first] = listed.data;
    expect((await call('GET', `/projects/${projectId}/workflows`, undefined, foreign.token)).statusCode).toBe(404);
    expect((await call('GET', `/workflows/${first!.id}`, undefined, foreign.token)).statusCode).toBe(404);
    expect((await call('PATCH', `/workflows/${first!.id}`, { name: 'x' }, foreign.token)).statusCode).toBe(404);
    const elsewhere = await projectWithServices(api.platform.db, orgId, 0);
    const otherProjectToken = bearer((await addMember(api.platform.db, orgId, 'developer', { projectId: elsewhere.project.id })).token);
    expect((await call('GET', `/workflows/${first!.id}`, undefined, otherProjectToken)).statusCode).toBe(404);
  });

  describe('runs', () => {
    let workflowId: string;
    let runIds: string[];
    const nodeResult = { state: 'succeeded', attempts: 1, started_at: '2025-11-20T00:00:00.000Z', finished_at: '2025-11-20T00:01:00.000Z', output: {}, error: null };

    beforeAll(async () => {
      workflowId = (await create({ name: 'With runs', definition: release() })).id;
      const insert = (status: string, started_at: string) =>
        api.platform.db
          .insertInto('workflow_runs')
          .values({ workflow_id: workflowId, status, started_at, trigger_type: 'manual', step_results: JSON.stringify({ deploy: nodeResult }) })
          .returning('id')
          .executeTakeFirstOrThrow()
          .then((row) => row.id);
      runIds = [await insert('succeeded', '2025-11-20T00:00:00Z'), await insert('failed', '2025-11-21T00:00:00Z')];
    });

    it('lists runs newest first, filtered by status, and gets one', async () => {
      const list = async (query: string) => apiResponse(z.array(WorkflowRun)).parse((await call('GET', `/workflows/${workflowId}/runs?${query}`)).json()).data;
      expect((await list('')).map((run) => run.id)).toEqual([runIds[1], runIds[0]]);
      expect((await list('status=succeeded')).map((run) => run.id)).toEqual([runIds[0]]);
      expect(await list('trigger_type=schedule')).toEqual([]);
      expect((await list('trigger_type=manual')).map((run) => run.id)).toEqual([runIds[1], runIds[0]]);
      const run = apiResponse(WorkflowRun).parse((await call('GET', `/workflow-runs/${runIds[0]}`)).json()).data;
      expect(run).toMatchObject({ workflow_id: workflowId, status: 'succeeded', step_results: { deploy: nodeResult }, finished_at: null });
      expect((await call('GET', `/workflow-runs/${runIds[0]}`, undefined, foreign.token)).statusCode).toBe(404);
    });

    it('refuses to delete a definition while a run is in progress (409), then deletes it with its runs', async () => {
      const running = await api.platform.db
        .insertInto('workflow_runs')
        .values({ workflow_id: workflowId, status: 'running' })
        .returning('id')
        .executeTakeFirstOrThrow();
      expect((await call('DELETE', `/workflows/${workflowId}`)).statusCode).toBe(409);
      await api.platform.db.updateTable('workflow_runs').set({ status: 'cancelled' }).where('id', '=', running.id).execute();
      expect((await call('DELETE', `/workflows/${workflowId}`, undefined, foreign.token)).statusCode).toBe(404);
      expect((await call('DELETE', `/workflows/${workflowId}`)).statusCode).toBe(204);
      expect((await call('GET', `/workflow-runs/${runIds[0]}`)).statusCode).toBe(404);
    });
  });
});
