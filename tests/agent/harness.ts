import { randomUUID } from 'node:crypto';
import type Docker from 'dockerode';
import pino from 'pino';
import type { DeployPayload, HealthCheckConfig } from '../../contracts/index.js';
import type { AgentContext } from '../../agent/context.js';
import { ServiceRegistry } from '../../agent/runtime/service-registry.js';
import type { DeployStatusReport } from '../../agent/commands/deploy-reporter.js';
import { ensureDockerd, removeManaged, type TestImageName, type TestRegistry } from '../support/docker.js';

const HTTP_REQUEST_TIMEOUT_MS = 5_000;

/** The HTTP check every healthy test image passes: GET /health on the service port. */
export const HTTP_HEALTH_CHECK: HealthCheckConfig = {
  type: 'http',
  path: '/health',
  interval_seconds: 1,
  timeout_seconds: 2,
  retries: 2,
  start_period_seconds: 0,
};

/** An agent context of its own per test file, and everything it created removed afterwards. */
export async function agentHarness(registry: TestRegistry) {
  const docker: Docker = await ensureDockerd();
  // A server of its own, so that no other test file's agent adopts what this one creates.
  const serverId = randomUUID();
  const context: AgentContext = { docker, services: new ServiceRegistry(docker, serverId), log: pino({ level: 'silent' }) };
  const projectName = `agent-test-${randomUUID().slice(0, 8)}`;
  const serviceIds: string[] = [];

  function deployPayload(image: TestImageName, overrides: Partial<DeployPayload> & { serviceId?: string } = {}): DeployPayload {
    const { serviceId, ...rest } = overrides;
    const service_id = serviceId ?? randomUUID();
    if (!serviceIds.includes(service_id)) serviceIds.push(service_id);
    const pushed = registry.images[image];
    return {
      request_id: `deploy-${randomUUID()}`,
      deployment_id: randomUUID(),
      service_id,
      service_name: 'web',
      project_name: projectName,
      image: { registry: registry.registry, repository: pushed.repository, tag: pushed.tag },
      registry_auth: { username: registry.username, password: registry.password },
      config: {
        port: 8080,
        replicas: 1,
        env_vars: { GREETING: 'syntra' },
        labels: {},
        health_check: HTTP_HEALTH_CHECK,
      },
      networking: { domains: [], internal_hostname: 'web.agent-test.internal', expose_port: true },
      strategy: 'rolling',
      rollback_on_failure: false,
      timeout_seconds: 60,
      ...rest,
    };
  }

  return {
    context,
    docker,
    serverId,
    projectName,
    deployPayload,
    /** Collects every deploy_status a handler reports. */
    statusLog() {
      const statuses: DeployStatusReport[] = [];
      return { statuses, report: (status: DeployStatusReport) => statuses.push(status) };
    },
    async cleanup() {
      await context.services.close();
      await removeManaged(docker, { serviceIds, projectName });
    },
  };
}

export async function httpGet(endpoint: string, path: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://${endpoint}${path}`, { signal: AbortSignal.timeout(HTTP_REQUEST_TIMEOUT_MS) });
  return { status: response.status, body: (await response.text()).trim() };
}

/** A control-plane frame as the gateway would send it. */
export function envelope(type: string, payload: unknown) {
  return { id: crypto.randomUUID(), type, timestamp: new Date().toISOString(), payload };
}
