import { Client } from '@temporalio/client';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operationQueueOf } from '../../control/operations/queue.js';
import { ServiceOperations } from '../../control/operations/service-operations.js';
import { agentReportSignal } from '../../workflows/signals.js';
import type { AgentReport } from '../../contracts/operations.js';
import { httpGet } from '../agent/harness.js';
import { addMember, otherOrganization } from '../support/auth.js';
import { startOperationsStack, type OperationsStack } from './operations-stack.js';
import { containersOf, deploymentsWithContainers, historyOf, imageService, operationsApi, replay } from './stack.js';

/*
 * Deploy, rollback, scale, restart, stop and cancel end to end: REST → Temporal workflow → outbox →
 * a real agent → real Docker, and back through deploy_status / command_response signals.
 */

const TEMPORAL_WEB_URL = 'http://127.0.0.1:8233';

let stack: OperationsStack;
let registry: OperationsStack['registry'];
let api: OperationsStack['api'];
let host: OperationsStack['host'];
let rest: OperationsStack['rest'];
let baseUrl: string;
let docker: OperationsStack['docker'];
let orgId: string;
let project: OperationsStack['project'];
let serviceIds: string[];
const workflowIdsSeen = new Set<string>();

async function newService() {
  const service = await imageService(api.platform.db, api.platform.secrets, registry, { projectId: project.id, serverId: host.server.id });
  serviceIds.push(service.id);
  return { service, target: { orgId, projectId: project.id, serviceId: service.id, serverId: host.server.id } };
}

async function version(serviceId: string): Promise<string> {
  return (await httpGet(host.endpoint(serviceId), '/version')).body;
}

/** The workflow id an audited service operation recorded. */
async function auditedWorkflowId(action: string, serviceId: string): Promise<string> {
  const row = await api.platform.db
    .selectFrom('audit_logs')
    .select('details')
    .where('action', '=', action)
    .where('resource_id', '=', serviceId)
    .orderBy('created_at', 'desc')
    .executeTakeFirstOrThrow();
  const workflowId = (row.details as { workflow_id?: string }).workflow_id;
  if (!workflowId) throw new Error(`${action} recorded no workflow id`);
  workflowIdsSeen.add(workflowId);
  return workflowId;
}

/** The deployments whose `deploy_status` the gateway signalled to a workflow. */
async function deployStatusesSignalled(workflowId: string): Promise<Set<string>> {
  const history = await historyOf(api.config.TEMPORAL_ADDRESS!, api.platform.temporal.namespace, workflowId);
  const deploymentIds = new Set<string>();
  for (const event of history.events ?? []) {
    const signal = event.workflowExecutionSignaledEventAttributes;
    if (signal?.signalName !== agentReportSignal.name) continue;
    const report = JSON.parse(Buffer.from(signal.input!.payloads![0]!.data!).toString()) as AgentReport;
    if (report.kind === 'deploy_status') deploymentIds.add(report.deploymentId);
  }
  return deploymentIds;
}

/** Waits for a queued operation's workflow: it exists once the service's queue reaches it. */
async function operationResult(workflowId: string): Promise<void> {
  const client = new Client({ connection: api.platform.temporal.connection, namespace: api.platform.temporal.namespace });
  const handle = client.workflow.getHandle(workflowId);
  await expect.poll(() => handle.describe().then(() => true, () => false), { timeout: 30_000, interval: 250 }).toBe(true);
  await handle.result();
}

beforeAll(async () => {
  stack = await startOperationsStack('ops', { TEMPORAL_WEB_URL });
  ({ registry, api, host, rest, baseUrl, docker, orgId, project, serviceIds } = stack);
});

afterAll(async () => {
  await stack?.stop();
});

describe('durable operations', () => {
  it('a deploy goes queued → deploying → running, records what it deployed, and the service answers', async () => {
    const { service } = await newService();
    const listener = new pg.Client({ connectionString: api.config.DATABASE_URL });
    await listener.connect();
    const notifications: unknown[] = [];
    listener.on('notification', (message) => notifications.push(JSON.parse(message.payload!)));
    await listener.query('LISTEN deployment_events');
    const id = await rest.deploy(service.id);
    const deployment = await rest.until(id, ['running', 'failed']);
    await listener.end();
    // Live views read the event by id: the notification is only these four ids.
    expect(notifications.length).toBe(deployment.events.length);
    expect(notifications).toContainEqual({ id: deployment.events.at(-1)!.id, deployment_id: id, service_id: service.id, org_id: orgId });
    expect(deployment.error_message).toBeNull();
    expect(deployment.status).toBe('running');
    expect(deployment.started_at).not.toBeNull();
    expect(deployment.finished_at).not.toBeNull();
    expect(deployment.deploy_duration_ms).toBeGreaterThan(0);
    expect(deployment.trigger_type).toBe('api');
    expect(deployment.spec).toMatchObject({ image: { registry: registry.registry, tag: 'v1' }, config: { replicas: 1, port: 8080 } });
    expect(deployment.workflow).toEqual({
      id: `deploy-${id}`,
      namespace: api.platform.temporal.namespace,
      web_url: `${TEMPORAL_WEB_URL}/namespaces/${api.platform.temporal.namespace}/workflows/deploy-${id}`,
    });
    const ownStatuses = deployment.events.filter((event) => event.source === 'control_plane').map((event) => event.status);
    expect(ownStatuses).toEqual(['queued', 'deploying', 'running']);
    const phases = deployment.events.filter((event) => event.source === 'agent').map((event) => event.phase);
    expect(phases).toContain('pull_image');
    expect(phases).toContain('health_check');

    const row = await api.platform.db.selectFrom('services').select(['current_deployment_id']).where('id', '=', service.id).executeTakeFirstOrThrow();
    expect(row.current_deployment_id).toBe(id);
    expect(await version(service.id)).toBe('v1');
    workflowIdsSeen.add(`deploy-${id}`);

    // Temporal Web can find the run by the resources it acted on.
    const client = new Client({ connection: api.platform.temporal.connection, namespace: api.platform.temporal.namespace });
    const { searchAttributes } = await client.workflow.getHandle(`deploy-${id}`).describe();
    expect(searchAttributes).toMatchObject({
      SyntraOrgId: [orgId],
      SyntraProjectId: [project.id],
      SyntraServiceId: [service.id],
      SyntraServerId: [host.server.id],
      SyntraDeploymentId: [id],
      SyntraOperation: ['deployService'],
    });
  });

  it("a second deploy replaces the first (whose containers are gone), and a rollback brings the first image back", async () => {
    const { service } = await newService();
    const first = await rest.deploy(service.id);
    expect((await rest.until(first, ['running', 'failed'])).status).toBe('running');
    const second = await rest.deploy(service.id, { image_tag: 'v2' });
    expect((await rest.until(second, ['running', 'failed'])).status).toBe('running');
    expect(await version(service.id)).toBe('v2');
    expect(await deploymentsWithContainers(docker, service.id)).toEqual([second]);

    const rollback = await rest.call('POST', `/services/${service.id}/rollback`, { deployment_id: first });
    expect(rollback.status, JSON.stringify(rollback.body)).toBe(201);
    expect(rollback.body.data).toMatchObject({ trigger_type: 'rollback', rollback_from_id: first, status: 'queued' });
    const returned = await rest.until(rollback.body.data.id, ['running', 'failed']);
    expect(returned.status).toBe('running');
    expect(returned.spec?.image.tag).toBe('v1');
    expect(returned.workflow?.id).toBe(`rollback-${returned.id}`);
    expect(await version(service.id)).toBe('v1');
    expect(await deploymentsWithContainers(docker, service.id)).toEqual([returned.id]);

    const list = await rest.call('GET', `/services/${service.id}/deployments`);
    expect(list.body.data.map((deployment: { id: string }) => deployment.id)).toEqual([returned.id, second, first]);
    const failedOnly = await rest.call('GET', `/services/${service.id}/deployments?status=failed`);
    expect(failedOnly.body.data).toEqual([]);

    const neverRan = await rest.call('POST', `/services/${service.id}/rollback`, { deployment_id: crypto.randomUUID() });
    expect(neverRan.status).toBe(422);
    for (const id of [first, second, returned.id]) workflowIdsSeen.add((await rest.deployment(id)).workflow!.id);
  });

  it('scale, restart and stop (deleting the service) run as workflows on the agent', async () => {
    const { service } = await newService();
    const id = await rest.deploy(service.id);
    expect((await rest.until(id, ['running', 'failed'])).status).toBe('running');

    const scaled = await rest.call('POST', `/services/${service.id}/scale`, { replicas: 2 });
    expect(scaled.status, JSON.stringify(scaled.body)).toBe(200);
    expect(scaled.body.data.replicas).toBe(2);
    await operationResult(await auditedWorkflowId('service.scale', service.id));
    expect(await containersOf(docker, service.id, { running: true })).toHaveLength(2);

    const before = await containersOf(docker, service.id, { running: true });
    const startedBefore = await Promise.all(before.map(async (c) => (await docker.getContainer(c.Id).inspect()).State.StartedAt));
    const restarted = await rest.call('POST', `/services/${service.id}/restart`);
    expect(restarted.status).toBe(200);
    expect(restarted.body.data).toBeNull();
    await operationResult(await auditedWorkflowId('service.restart', service.id));
    const startedAfter = await Promise.all(before.map(async (c) => (await docker.getContainer(c.Id).inspect()).State.StartedAt));
    startedAfter.forEach((started, index) => expect(started).not.toBe(startedBefore[index]));
    expect(await version(service.id)).toBe('v1');

    const scaledDown = await rest.call('POST', `/services/${service.id}/scale`, { replicas: 1 });
    expect(scaledDown.status).toBe(200);
    await operationResult(await auditedWorkflowId('service.scale', service.id));
    expect(await containersOf(docker, service.id, { running: true })).toHaveLength(1);

    // Deleting the service stops and removes its containers through the same queue.
    const deleted = await rest.call('DELETE', `/services/${service.id}`);
    expect(deleted.status).toBe(204);
    await operationResult(await auditedWorkflowId('service.delete', service.id));
    expect(await containersOf(docker, service.id)).toHaveLength(0);

    // Deleting a service that never ran stops nothing, and that is no failure.
    const neverDeployed = await newService();
    const idleStop = await new ServiceOperations(api.platform.db, operationQueueOf(api.platform)).stop(neverDeployed.target, { removeContainers: true });
    workflowIdsSeen.add(idleStop);
    await operationResult(idleStop);
  });

  it('refuses what a caller may not or cannot do, before anything is queued', async () => {
    // Not in serviceIds: nothing runs for it, so it has no containers and no queue to replay.
    const service = await imageService(api.platform.db, api.platform.secrets, registry, { projectId: project.id, serverId: host.server.id });
    const viewer = operationsApi(baseUrl, (await addMember(api.platform.db, orgId, 'viewer')).token);
    expect((await viewer.call('POST', `/services/${service.id}/deploy`, {})).status).toBe(403);
    const other = await otherOrganization(api.platform.db, `ops-other-${service.id.slice(0, 8)}`);
    const outsider = operationsApi(baseUrl, other.ownerToken);
    expect((await outsider.call('POST', `/services/${service.id}/deploy`, {})).status).toBe(404);
    expect((await outsider.call('GET', `/services/${service.id}/deployments`)).status).toBe(404);
    const fromSource = await rest.call('POST', `/services/${service.id}/deploy`, { git_ref: 'main' });
    expect(fromSource.status).toBe(422);
    expect((await rest.call('POST', `/services/${service.id}/restart`)).status).toBe(422);
    expect((await rest.call('GET', `/services/${service.id}/deployments`)).body.data).toEqual([]);
  });

  it('a deploy failing its health check with rollback_on_failure ends rolled_back, and the old version still answers', async () => {
    const { service } = await newService();
    const good = await rest.deploy(service.id);
    expect((await rest.until(good, ['running', 'failed'])).status).toBe('running');

    const bad = await rest.deploy(service.id, { image_tag: 'unhealthy', rollback_on_failure: true, timeout_seconds: 60 });
    const failed = await rest.until(bad, ['rolled_back', 'failed', 'running']);
    expect(failed.status).toBe('rolled_back');
    expect(failed.error_message).toMatch(/health/i);
    expect(failed.events.find((event) => event.status === 'rolled_back')?.error_code).toBe('HEALTH_CHECK_FAILED');

    const [rollback] = (await rest.call('GET', `/services/${service.id}/deployments?limit=1`)).body.data as { id: string }[];
    const returned = await rest.until(rollback!.id, ['running', 'failed']);
    expect(returned).toMatchObject({ status: 'running', trigger_type: 'rollback', rollback_from_id: good });
    expect(returned.workflow?.id).toBe(`deploy-${bad}`);
    // The rollback's reports reach the failed deploy's workflow, which sent its deploy and waits for it.
    expect(await deployStatusesSignalled(`deploy-${bad}`)).toEqual(new Set([bad, returned.id]));
    expect(await version(service.id)).toBe('v1');
    const current = await api.platform.db.selectFrom('services').select('current_deployment_id').where('id', '=', service.id).executeTakeFirstOrThrow();
    expect(current.current_deployment_id).toBe(returned.id);
    workflowIdsSeen.add(`deploy-${good}`).add(`deploy-${bad}`);
  });

  it('two deploys fired at once run one after the other, never side by side', async () => {
    const { service } = await newService();
    const ids = await Promise.all([rest.deploy(service.id), rest.deploy(service.id, { image_tag: 'v2' })]);
    const done = await Promise.all(ids.map((id) => rest.until(id, ['running', 'failed'])));
    expect(done.map((deployment) => deployment.status)).toEqual(['running', 'running']);
    const [earlier, later] = [...done].sort((a, b) => Date.parse(a.started_at!) - Date.parse(b.started_at!));
    expect(Date.parse(later!.started_at!)).toBeGreaterThanOrEqual(Date.parse(earlier!.finished_at!));
    const current = await api.platform.db.selectFrom('services').select('current_deployment_id').where('id', '=', service.id).executeTakeFirstOrThrow();
    expect(current.current_deployment_id).toBe(later!.id);
    expect(await version(service.id)).toBe(later!.spec!.image.tag);
    for (const id of ids) workflowIdsSeen.add(`deploy-${id}`);
  });

  it('cancel: a queued deploy never starts; a running one ends cancelled with the previous version serving', async () => {
    const { service } = await newService();
    const first = await rest.deploy(service.id);
    const queued = await rest.deploy(service.id, { image_tag: 'v2' });
    const cancelQueued = await rest.call('POST', `/deployments/${queued}/cancel`);
    expect(cancelQueued.status, JSON.stringify(cancelQueued.body)).toBe(200);
    expect(cancelQueued.body.data.status).toBe('cancelled');
    expect((await rest.until(first, ['running', 'failed'])).status).toBe('running');
    expect((await rest.deployment(queued)).started_at).toBeNull();

    // Three replicas rolled one by one: time enough to cancel while the agent is at it.
    await api.platform.db.updateTable('services').set({ replicas: 3 }).where('id', '=', service.id).execute();
    const inFlight = await rest.deploy(service.id, { image_tag: 'v2' });
    // The agent has it (it reports): too late to withdraw, so the cancel rolls `first` out again.
    await expect
      .poll(async () => (await rest.deployment(inFlight)).events.some((event) => event.source === 'agent'), { timeout: 30_000, interval: 50 })
      .toBe(true);
    const cancelRunning = await rest.call('POST', `/deployments/${inFlight}/cancel`);
    expect(cancelRunning.status, JSON.stringify(cancelRunning.body)).toBe(200);
    const cancelled = await rest.until(inFlight, ['cancelled', 'running', 'failed']);
    expect(cancelled.status).toBe('cancelled');
    expect(await version(service.id)).toBe('v1');
    const current = await api.platform.db.selectFrom('services').select('current_deployment_id').where('id', '=', service.id).executeTakeFirstOrThrow();
    expect(current.current_deployment_id).toBe(first);
    // `first`'s workflow ended long ago: the reports of its second rollout go to the one that sent it.
    expect(await deployStatusesSignalled(`deploy-${inFlight}`)).toEqual(new Set([inFlight, first]));
    expect(await deployStatusesSignalled(`deploy-${first}`)).toEqual(new Set([first]));

    const again = await rest.call('POST', `/deployments/${inFlight}/cancel`);
    expect(again.status).toBe(409);
    for (const id of [first, queued, inFlight]) workflowIdsSeen.add(`deploy-${id}`);
  });

  it("an agent whose connection drops mid-deploy reconnects, reports, and the deploy ends running", async () => {
    const { service } = await newService();
    const id = await rest.deploy(service.id);
    await expect.poll(async () => (await rest.deployment(id)).events.some((event) => event.source === 'agent'), { timeout: 30_000, interval: 50 }).toBe(true);
    api.app.agentGateway.session(host.server.id)?.close(4000, 'dropped by the test');
    const deployment = await rest.until(id, ['running', 'failed']);
    expect(deployment.status).toBe('running');
    expect(await version(service.id)).toBe('v1');
    workflowIdsSeen.add(`deploy-${id}`);
  });

  it('the recorded histories of these runs replay without nondeterminism', async () => {
    expect(workflowIdsSeen.size).toBeGreaterThan(10);
    const queues = serviceIds.map((id) => `service-${id}`);
    const histories = await Promise.all(
      [...workflowIdsSeen, ...queues].map(async (workflowId) => ({
        workflowId,
        history: await historyOf(api.config.TEMPORAL_ADDRESS!, api.platform.temporal.namespace, workflowId),
      })),
    );
    expect(await replay(histories)).toEqual([]);
  });
});
