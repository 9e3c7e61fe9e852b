import { Context } from '@temporalio/activity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowRun } from '../../contracts/index.js';
import { httpGet } from '../agent/harness.js';
import { startOperationsStack, type OperationsStack } from './operations-stack.js';
import { imageService, startInProcessWorker } from './stack.js';

/*
 * DAG operation nodes against real containers: the interpreter starts deploys and restarts
 * through the services' queues, as the API does, and waits for their outcome.
 */

describe('DAG operation nodes', () => {
  let stack: OperationsStack;
  let dagWorker: { stop(): Promise<void> };

  beforeAll(async () => {
    stack = await startOperationsStack('dag-ops');
    // Nodes named `lost-…` lose their worker once, right after their operation started: the first
    // try of the start never answers, as when the worker is killed inside the activity.
    dagWorker = await startInProcessWorker(stack.api.platform, stack.api.platform.temporal.taskQueues.dag, (activities) => ({
      ...activities,
      async startDagOperation(request) {
        const handle = await activities.startDagOperation(request);
        if (request.nodeId.startsWith('lost-') && Context.current().info.attempt === 1) throw new Error('the worker died before it could answer');
        return handle;
      },
    }));
  }, 180_000);
  afterAll(async () => {
    await stack?.stop(() => dagWorker?.stop() ?? Promise.resolve());
  });

  const newService = async () => {
    const service = await imageService(stack.api.platform.db, stack.api.platform.secrets, stack.registry, { projectId: stack.project.id, serverId: stack.host.server.id });
    stack.serviceIds.push(service.id);
    return service;
  };

  it('deploys two services side by side, then restarts a third, and the run shows their deployments', async () => {
    const [first, second, third] = [await newService(), await newService(), await newService()];
    await stack.rest.until(await stack.rest.deploy(third.id), ['running']);
    const created = await stack.rest.call('POST', `/projects/${stack.project.id}/workflows`, {
      name: 'release',
      definition: {
        nodes: [
          { id: 'one', step: { type: 'deploy', service_id: first.id } },
          { id: 'two', step: { type: 'deploy', service_id: second.id } },
          { id: 'bounce', step: { type: 'restart', service_id: third.id } },
        ],
        edges: [
          { from: 'one', to: 'bounce' },
          { from: 'two', to: 'bounce' },
        ],
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const started = await stack.rest.call('POST', `/workflows/${created.body.data.id}/runs`, {});
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    let run: WorkflowRun | undefined;
    await expect
      .poll(async () => ['succeeded', 'failed'].includes((run = (await stack.rest.call('GET', `/workflow-runs/${started.body.data.id}`)).body.data).status), {
        timeout: 150_000,
        interval: 500,
      })
      .toBe(true);
    expect(run!.status, JSON.stringify(run!.step_results)).toBe('succeeded');
    const deploymentOf = (nodeId: string) => run!.step_results[nodeId]!.output!.deployment_id as string;
    for (const nodeId of ['one', 'two']) expect(run!.step_results[nodeId]!.output).toMatchObject({ status: 'running' });
    expect(run!.step_results.bounce!.output).toMatchObject({ status: 'completed' });
    const deployment = await stack.rest.deployment(deploymentOf('one'));
    expect(deployment).toMatchObject({ status: 'running', trigger_type: 'workflow' });
    expect((await httpGet(stack.host.endpoint(first.id), '/version')).status).toBe(200);
    const audit = await stack.api.platform.db.selectFrom('audit_logs').select(['action', 'details']).where('action', '=', 'service.restart').where('resource_id', '=', third.id).execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]!.details).toMatchObject({ via: 'workflow' });
  }, 200_000);

  it('a start whose worker died after starting the operation is retried and finds it: one deploy, one restart', async () => {
    const service = await newService();
    const created = await stack.rest.call('POST', `/projects/${stack.project.id}/workflows`, {
      name: 'lost-worker',
      definition: {
        nodes: [
          { id: 'lost-deploy', step: { type: 'deploy', service_id: service.id } },
          { id: 'lost-restart', step: { type: 'restart', service_id: service.id } },
        ],
        edges: [{ from: 'lost-deploy', to: 'lost-restart' }],
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const started = await stack.rest.call('POST', `/workflows/${created.body.data.id}/runs`, {});
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    let run: WorkflowRun | undefined;
    await expect
      .poll(async () => ['succeeded', 'failed'].includes((run = (await stack.rest.call('GET', `/workflow-runs/${started.body.data.id}`)).body.data).status), { timeout: 150_000, interval: 500 })
      .toBe(true);
    expect(run!.status, JSON.stringify(run!.step_results)).toBe('succeeded');
    const db = stack.api.platform.db;
    const deployments = await db.selectFrom('deployments').select(['id', 'status']).where('service_id', '=', service.id).execute();
    expect(deployments).toEqual([{ id: run!.step_results['lost-deploy']!.output!.deployment_id, status: 'running' }]);
    const audited = async (action: string, resourceId: string) => (await db.selectFrom('audit_logs').select('id').where('action', '=', action).where('resource_id', '=', resourceId).execute()).length;
    expect(await audited('deployment.create', deployments[0]!.id)).toBe(1);
    expect(await audited('service.restart', service.id)).toBe(1);
    expect(run!.step_results['lost-restart']!.output).toMatchObject({ status: 'completed' });
  }, 200_000);

  it('exec nodes run commands in the service through the outbox: the output is read by the next node, a non-zero exit fails its node', async () => {
    const service = await newService();
    await stack.rest.until(await stack.rest.deploy(service.id), ['running']);
    const created = await stack.rest.call('POST', `/projects/${stack.project.id}/workflows`, {
      name: 'probe',
      definition: {
        nodes: [
          { id: 'probe', step: { type: 'exec', service_id: service.id, command: ['sh', '-c', 'echo "serving $(cat /www/version)"'] } },
          { id: 'check', step: { type: 'condition', left: '{{ nodes.probe.output.stdout }}', operator: 'contains', right: 'serving v1' } },
          { id: 'broken', step: { type: 'exec', service_id: service.id, command: ['sh', '-c', 'echo nope >&2; exit 3'] }, continue_on_error: true },
        ],
        edges: [{ from: 'probe', to: 'check' }],
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const started = await stack.rest.call('POST', `/workflows/${created.body.data.id}/runs`, {});
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    let run: WorkflowRun | undefined;
    await expect
      .poll(async () => ['succeeded', 'failed'].includes((run = (await stack.rest.call('GET', `/workflow-runs/${started.body.data.id}`)).body.data).status), { timeout: 90_000, interval: 250 })
      .toBe(true);
    expect(run!.status, JSON.stringify(run!.step_results)).toBe('succeeded');
    expect(run!.step_results.probe).toMatchObject({ state: 'succeeded', output: { exit_code: 0, stdout: 'serving v1\n', stderr: '' } });
    expect(run!.step_results.check).toMatchObject({ state: 'succeeded', output: { result: true } });
    expect(run!.step_results.broken).toMatchObject({ state: 'failed', output: { exit_code: 3, stderr: 'nope\n' }, error: { code: 'EXEC_EXIT_CODE' } });
    const db = stack.api.platform.db;
    const audit = await db.selectFrom('audit_logs').select('details').where('action', '=', 'service.exec').where('resource_id', '=', service.id).execute();
    expect(audit).toHaveLength(2);
    for (const entry of audit) expect(entry.details).toMatchObject({ via: 'workflow' });
    // The outbox names the run as the waiter and keeps how the command ended, not what it printed.
    const commands = await db.selectFrom('agent_commands').select(['workflow_id', 'status', 'response']).where('type', '=', 'exec').where('workflow_id', '=', `dag-run-${run!.id}`).execute();
    expect(commands).toHaveLength(2);
    for (const command of commands) {
      expect(command.status).toBe('answered');
      expect(JSON.stringify(command.response)).not.toMatch(/serving|nope/);
    }
  }, 200_000);

  it('cancelling a run with a deploy in flight cancels the deploy, and the previous version still serves', async () => {
    const service = await newService();
    const previous = await stack.rest.deploy(service.id);
    expect((await stack.rest.until(previous, ['running', 'failed'])).status).toBe('running');
    // Three replicas rolled one by one: time enough to cancel while the agent is at it.
    await stack.api.platform.db.updateTable('services').set({ replicas: 3 }).where('id', '=', service.id).execute();
    const created = await stack.rest.call('POST', `/projects/${stack.project.id}/workflows`, {
      name: 'cancelled-release',
      definition: { nodes: [{ id: 'ship', step: { type: 'deploy', service_id: service.id, image_tag: 'v2' } }], edges: [] },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const started = await stack.rest.call('POST', `/workflows/${created.body.data.id}/runs`, {});
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    const runId = started.body.data.id as string;
    const dagDeployment = () =>
      stack.api.platform.db.selectFrom('deployments').select('id').where('service_id', '=', service.id).where('trigger_type', '=', 'workflow').executeTakeFirst();
    await expect.poll(async () => (await dagDeployment()) !== undefined, { timeout: 30_000, interval: 100 }).toBe(true);
    const inFlight = (await dagDeployment())!.id;
    // The agent has it: the cancel has to roll the previous version out again, not just withdraw it.
    await expect.poll(async () => (await stack.rest.deployment(inFlight)).events.some((event) => event.source === 'agent'), { timeout: 30_000, interval: 50 }).toBe(true);
    const cancel = await stack.rest.call('POST', `/workflow-runs/${runId}/cancel`);
    expect(cancel.status, JSON.stringify(cancel.body)).toBe(202);
    let run: WorkflowRun | undefined;
    await expect
      .poll(async () => ['succeeded', 'failed', 'cancelled'].includes((run = (await stack.rest.call('GET', `/workflow-runs/${runId}`)).body.data).status), { timeout: 90_000, interval: 250 })
      .toBe(true);
    expect(run!.status, JSON.stringify(run!.step_results)).toBe('cancelled');
    expect(run!.step_results.ship).toMatchObject({ state: 'cancelled' });
    expect((await stack.rest.until(inFlight, ['cancelled', 'running', 'failed'])).status).toBe('cancelled');
    expect((await httpGet(stack.host.endpoint(service.id), '/version')).body).toBe('v1');
    const current = await stack.api.platform.db.selectFrom('services').select('current_deployment_id').where('id', '=', service.id).executeTakeFirstOrThrow();
    expect(current.current_deployment_id).toBe(previous);
  }, 200_000);
});
