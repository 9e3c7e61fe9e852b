import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HealthCheckConfig } from '../../contracts/index.js';
import { startOperationsStack, type OperationsStack } from './operations-stack.js';
import { FAST_HTTP_CHECK, imageService, waitFor } from './stack.js';

/*
 * PATCH /services/:id with a new health check reaches the running replicas at once: the service's
 * queue sends configure_health_check through the outbox, and the real agent's supervisor probes
 * with the new check (what it reports in its heartbeat shows it).
 */

/** The test image has no such page: every probe gets 404. */
const FAILING_CHECK: HealthCheckConfig = { type: 'http', path: '/no-such-page', interval_seconds: 1, timeout_seconds: 2, retries: 0, start_period_seconds: 0 };

let stack: OperationsStack;
let registry: OperationsStack['registry'];
let api: OperationsStack['api'];
let host: OperationsStack['host'];
let rest: OperationsStack['rest'];
let project: OperationsStack['project'];
let serviceIds: string[];

const db = () => api.platform.db;

beforeAll(async () => {
  // Heartbeats every second, so the supervisor's verdicts reach the control plane quickly.
  stack = await startOperationsStack('health-change', { SYNTRA_AGENT_HEARTBEAT_SECONDS: '1' });
  ({ registry, api, host, rest, project, serviceIds } = stack);
});

afterAll(async () => {
  await stack?.stop();
});

async function deployedService() {
  const service = await imageService(db(), api.platform.secrets, registry, { projectId: project.id, serverId: host.server.id });
  serviceIds.push(service.id);
  const deploymentId = await rest.deploy(service.id);
  await waitFor('the deployment to run', async () => (await rest.deployment(deploymentId)).status === 'running', 90_000);
  return service;
}

/** The service's health as the agent's last heartbeat reported it. */
async function reportedHealth(serviceId: string): Promise<string | undefined> {
  const server = await db().selectFrom('servers').select('last_heartbeat').where('id', '=', host.server.id).executeTakeFirstOrThrow();
  const services = (server.last_heartbeat as { services?: { service_id: string; health: string }[] } | null)?.services ?? [];
  return services.find((status) => status.service_id === serviceId)?.health;
}

const patch = (serviceId: string, body: unknown) => rest.call('PATCH', `/services/${serviceId}`, body);

const healthCheckCommands = (serviceId: string) =>
  db()
    .selectFrom('agent_commands')
    .selectAll()
    .where('type', '=', 'configure_health_check')
    .where('request_id', 'like', `health-check-${serviceId}-%`)
    .orderBy('created_at')
    .execute();

describe("changing a deployed service's health check", () => {
  it("applies at once to the running replicas: the agent's supervisor probes with the new check", async () => {
    const service = await deployedService();
    await expect.poll(() => reportedHealth(service.id), { timeout: 20_000 }).toBe('healthy');

    const failing = await patch(service.id, { health_check: FAILING_CHECK });
    expect(failing.status, JSON.stringify(failing.body)).toBe(200);
    expect(failing.body.data.health_check).toEqual(FAILING_CHECK);
    await expect.poll(async () => (await healthCheckCommands(service.id)).map((row) => row.status), { timeout: 30_000 }).toEqual(['answered']);
    const [answer] = await healthCheckCommands(service.id);
    // The agent's answer carries one probe per running replica with the new check.
    expect(answer!.response).toMatchObject({ success: true, data: { health_check: FAILING_CHECK, probes: [{ is_healthy: false, status_code: 404 }] } });
    expect(host.agent.context.services.find(service.id)?.healthCheck).toEqual(FAILING_CHECK);
    await expect.poll(() => reportedHealth(service.id), { timeout: 20_000 }).toBe('unhealthy');

    expect((await patch(service.id, { health_check: FAST_HTTP_CHECK })).status).toBe(200);
    await expect.poll(() => reportedHealth(service.id), { timeout: 30_000 }).toBe('healthy');
    expect(host.agent.context.services.find(service.id)?.healthCheck).toEqual(FAST_HTTP_CHECK);
  });

  it('turns checking off with null, and sends nothing for a change that leaves the check as it was', async () => {
    const service = await deployedService();
    expect((await patch(service.id, { port: 8080 })).status).toBe(200);
    expect((await patch(service.id, { health_check: FAST_HTTP_CHECK })).status).toBe(200);
    expect((await patch(service.id, { health_check: null })).status).toBe(200);
    await expect.poll(async () => (await healthCheckCommands(service.id)).map((row) => row.status), { timeout: 30_000 }).toEqual(['answered']);
    expect(host.agent.context.services.find(service.id)?.healthCheck).toBeNull();
  });

  it('sends nothing for a service never deployed: its first deploy carries the check', async () => {
    const service = await imageService(db(), api.platform.secrets, registry, { projectId: project.id, serverId: host.server.id });
    expect((await patch(service.id, { health_check: FAILING_CHECK })).status).toBe(200);
    const audit = await db().selectFrom('audit_logs').select('details').where('action', '=', 'service.update').where('resource_id', '=', service.id).executeTakeFirstOrThrow();
    expect(audit.details).not.toHaveProperty('workflow_id');
    expect(await healthCheckCommands(service.id)).toEqual([]);
  });
});
