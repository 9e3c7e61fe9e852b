import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import type Docker from 'dockerode';
import type { Kysely } from 'kysely';
import pino from 'pino';
import { expect } from 'vitest';
import { runAgent, type RunAgentOptions, type RunningAgent } from '../../agent/main.js';
import type { SecretCipher } from '../../control/secrets/cipher.js';
import type { DeployRequest, DeploymentDetail, HealthCheckConfig } from '../../contracts/index.js';
import type { Database } from '../../db/postgres/database.js';
import { bearer } from '../support/auth.js';
export { privateTemporalConfig } from '../support/temporal.js';
import type { TestImageName, TestRegistry } from '../support/docker.js';
import { createServer, createService } from '../support/fixtures.js';
import { workflowBundle } from './worker.js';

export { startInProcessWorker } from './worker.js';

/*
 * What the operations tests share: a Temporal config of their own (private task queues, so no
 * other test file's worker, with another database, ever picks up these workflows), a worker, an
 * agent per server, and small helpers that speak the REST API like a user.
 */

/** Every test image's HTTP check, fast: the tests wait for it many times. */
export const FAST_HTTP_CHECK: HealthCheckConfig = {
  type: 'http',
  path: '/health',
  interval_seconds: 1,
  timeout_seconds: 2,
  retries: 1,
  start_period_seconds: 0,
};

const STATUS_POLL_MS = 250;

/** What a test may set of an agent beyond its session: how it builds, and its logger (silent by default). */
export type TestAgentOptions = Partial<Pick<RunAgentOptions, 'builds' | 'log'>>;

/** A registered server with its agent running in this process, which a test may stop and start again. */
export async function startServerWithAgent(db: Kysely<Database>, orgId: string, controlPlaneUrl: string, agentOptions: TestAgentOptions = {}) {
  const { server, token } = await createServer(db, orgId, `ops-${randomUUID().slice(0, 8)}`);
  const start = () => runAgent({ url: controlPlaneUrl, token, serverId: server.id, log: pino({ level: 'silent' }), ...agentOptions });
  let agent: RunningAgent | null = await start();
  return {
    server,
    token,
    get agent() {
      if (!agent) throw new Error('the agent is stopped');
      return agent;
    },
    /** The service's stable endpoint on this agent (127.0.0.1:<port>). */
    endpoint(serviceId: string): string {
      const proxy = this.agent.context.services.find(serviceId)?.proxy;
      if (!proxy) throw new Error(`the agent has no endpoint for service ${serviceId}`);
      return proxy.endpoint;
    },
    async stopAgent() {
      await agent?.stop();
      agent = null;
    },
    async startAgent() {
      agent ??= await start();
    },
  };
}

let servicesMade = 0;

/** An image service of the test registry on `serverId`, in `projectId`, with a name of its own. */
export async function imageService(
  db: Kysely<Database>,
  secrets: SecretCipher,
  registry: TestRegistry,
  target: { projectId: string; serverId: string },
  image: TestImageName = 'httpV1',
) {
  const pushed = registry.images[image];
  servicesMade += 1;
  return createService(db, secrets, {
    projectId: target.projectId,
    serverId: target.serverId,
    name: `web-${servicesMade}`,
    image: { registry: registry.registry, repository: pushed.repository, tag: pushed.tag },
    registryAuth: { username: registry.username, password: registry.password },
    port: 8080,
    healthCheck: FAST_HTTP_CHECK,
  });
}

interface ApiAnswer {
  status: number;
  body: { success: boolean; data: any; error?: { code: string; message: string } };
}

/** The REST calls the tests make, as a user would, over HTTP to `baseUrl`. */
export function operationsApi(baseUrl: string, token: string) {
  const call = async (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: unknown): Promise<ApiAnswer> => {
    const response = await fetch(`${baseUrl}/api/v1${url}`, {
      method,
      headers: { ...bearer(token), ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(payload === undefined ? {} : { body: JSON.stringify(payload) }),
    });
    // 204 has no body.
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : null) as ApiAnswer['body'] };
  };
  return {
    call,
    async deploy(serviceId: string, body: DeployRequest = {}): Promise<string> {
      const response = await call('POST', `/services/${serviceId}/deploy`, body);
      expect(response.status, JSON.stringify(response.body)).toBe(201);
      return response.body.data.id as string;
    },
    async deployment(deploymentId: string): Promise<DeploymentDetail> {
      const response = await call('GET', `/deployments/${deploymentId}`);
      expect(response.status).toBe(200);
      return response.body.data as DeploymentDetail;
    },
    /** Polls until the deployment reaches one of `statuses`, and returns it. */
    async until(deploymentId: string, statuses: DeploymentDetail['status'][], timeoutMs = 90_000): Promise<DeploymentDetail> {
      let last: DeploymentDetail | undefined;
      await expect
        .poll(
          async () => {
            last = await this.deployment(deploymentId);
            return statuses.includes(last.status);
          },
          { timeout: timeoutMs, interval: STATUS_POLL_MS, message: `deployment ${deploymentId} never reached ${statuses.join('/')}` },
        )
        .toBe(true);
      return last!;
    },
  };
}

/** A workflow's history, for replay. */
export async function historyOf(address: string, namespace: string, workflowId: string) {
  const connection = await Connection.connect({ address });
  try {
    return await new Client({ connection, namespace }).workflow.getHandle(workflowId).fetchHistory();
  } finally {
    await connection.close();
  }
}

/** Replays histories against the current workflow code; throws on any nondeterminism. */
export async function replay(histories: { workflowId: string; history: Awaited<ReturnType<typeof historyOf>> }[]) {
  const results = Worker.runReplayHistories({ workflowBundle: await workflowBundle(), replayName: 'operations' }, histories);
  const failures: string[] = [];
  for await (const result of results) if (result.error) failures.push(`${result.workflowId}: ${String(result.error)}`);
  return failures;
}

/** The service's containers: all of them, or only the running ones. */
export async function containersOf(docker: Docker, serviceId: string, options: { running?: boolean } = {}) {
  return docker.listContainers({ all: !options.running, filters: { label: ['syntra.managed=true', `syntra.service_id=${serviceId}`] } });
}

/** The ids of the deployments whose containers exist for a service. */
export async function deploymentsWithContainers(docker: Docker, serviceId: string): Promise<string[]> {
  return [...new Set((await containersOf(docker, serviceId)).map((container) => container.Labels['syntra.deployment_id']!))];
}

/** Polls `check` until it is true; usable in hooks, where `expect.poll` is not. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, intervalMs = 250): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
