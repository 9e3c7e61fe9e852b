// What the deploy benchmarks share: a whole control plane in this process (API, gateway, a worker
// with the real activities), real agents as `syntra agent` child processes on the local Docker
// Engine, the test registry, and deployments timed from `POST /deploy` to the `running` event.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { DeployRequest } from '../contracts/index.js';
import { addMember } from '../tests/support/auth.js';
import { ensureDockerd, removeManaged, startTestRegistry } from '../tests/support/docker.js';
import { createProject, createServer, createService } from '../tests/support/fixtures.js';
import { FAST_HTTP_CHECK } from '../tests/operations/stack.js';
import { startInProcessWorker } from '../tests/operations/worker.js';
import { startBenchControlPlane } from './support/control-plane.js';

const AGENT_ONLINE_TIMEOUT_MS = 60_000;
const DEPLOY_TIMEOUT_MS = 300_000;

export interface DeployTiming {
  deploymentId: string;
  status: string;
  /** From sending `POST /deploy` to the notification of its final status. */
  ms: number;
}

export async function startDeployBench(agentCount: number) {
  const docker = await ensureDockerd();
  const registry = await startTestRegistry();
  const controlPlane = await startBenchControlPlane();
  const { platform, db, orgId, url } = controlPlane;
  const worker = await startInProcessWorker(platform, platform.temporal.taskQueues.operations);
  const { token } = await addMember(db, orgId, 'developer');

  const agents: ChildProcess[] = [];
  const servers: string[] = [];
  for (let i = 0; i < agentCount; i += 1) {
    const { server, token: agentToken } = await createServer(db, orgId, `bench-agent-${i}`);
    servers.push(server.id);
    agents.push(
      spawn(process.execPath, ['bin/syntra.js', 'agent', '--url', url, '--token', agentToken], {
        env: { ...process.env, LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'ignore', 'inherit'],
      }),
    );
  }
  const deadline = Date.now() + AGENT_ONLINE_TIMEOUT_MS;
  for (;;) {
    const online = await db.selectFrom('servers').select('id').where('status', '=', 'online').where('id', 'in', servers).execute();
    if (online.length === servers.length) break;
    if (Date.now() > deadline) throw new Error(`only ${online.length} of ${servers.length} agents came online`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }

  // Final statuses arrive as deployment_events notifications, the same channel live views use.
  const waiting = new Map<string, (status: string) => void>();
  const finished = new Map<string, string>();
  const listener = new pg.Client({ connectionString: platform.config.DATABASE_URL });
  await listener.connect();
  listener.on('notification', (message) => {
    const { id, deployment_id: deploymentId } = JSON.parse(message.payload!) as { id: string; deployment_id: string };
    void db
      .selectFrom('deployment_events')
      .select(['source', 'status'])
      .where('id', '=', id)
      .executeTakeFirst()
      .then((event) => {
        if (event?.source !== 'control_plane' || !['running', 'failed', 'rolled_back', 'cancelled'].includes(event.status)) return;
        finished.set(deploymentId, event.status);
        waiting.get(deploymentId)?.(event.status);
      });
  });
  await listener.query('LISTEN deployment_events');

  // One project: its services share one Docker network (Docker has few address pools to give out).
  const project = await createProject(db, orgId, 'bench');
  const serviceIds: string[] = [];
  return {
    docker,
    registry,
    servers,
    /** When the deployment was created, and its events in order. */
    async timeline(deploymentId: string) {
      const deployment = await db.selectFrom('deployments').select('created_at').where('id', '=', deploymentId).executeTakeFirstOrThrow();
      const events = await db.selectFrom('deployment_events').select(['source', 'status', 'at']).where('deployment_id', '=', deploymentId).orderBy('at').execute();
      return { createdAt: deployment.created_at!, events };
    },
    /** Why deployments failed, each reason once. */
    async failureReasons(deploymentIds: string[]): Promise<string[]> {
      if (deploymentIds.length === 0) return [];
      const rows = await db.selectFrom('deployments').select('error_message').where('id', 'in', deploymentIds).where('error_message', 'is not', null).execute();
      return [...new Set(rows.map((row) => row.error_message!))];
    },
    async service(serverId: string) {
      const pushed = registry.images.httpV1;
      const service = await createService(db, platform.secrets, {
        projectId: project.id,
        serverId,
        name: `web-${serviceIds.length + 1}`,
        image: { registry: registry.registry, repository: pushed.repository, tag: pushed.tag },
        registryAuth: { username: registry.username, password: registry.password },
        port: 8080,
        healthCheck: FAST_HTTP_CHECK,
      });
      serviceIds.push(service.id);
      return service.id;
    },
    /** `POST /services/:id/deploy`, timed until its final status is notified. */
    async deploy(serviceId: string, body: DeployRequest = {}): Promise<DeployTiming> {
      const started = performance.now();
      const response = await fetch(`${url}/api/v1/services/${serviceId}/deploy`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-request-id': `bench-${randomUUID()}` },
        body: JSON.stringify(body),
      });
      const answer = (await response.json()) as { data?: { id: string }; error?: unknown };
      if (!answer.data) throw new Error(`deploy refused: ${JSON.stringify(answer.error)}`);
      const deploymentId = answer.data.id;
      const status = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`deployment ${deploymentId} did not finish in ${DEPLOY_TIMEOUT_MS} ms`)), DEPLOY_TIMEOUT_MS);
        const settle = (final: string) => {
          clearTimeout(timer);
          resolve(final);
        };
        // A deploy may finish before its answer is read here.
        const known = finished.get(deploymentId);
        if (known) settle(known);
        else waiting.set(deploymentId, settle);
      });
      waiting.delete(deploymentId);
      return { deploymentId, status, ms: performance.now() - started };
    },
    async stop() {
      await listener.end();
      for (const agent of agents) agent.kill('SIGTERM');
      await Promise.all(agents.map((agent) => new Promise((resolve) => (agent.exitCode === null ? agent.once('exit', resolve) : resolve(null)))));
      await removeManaged(docker, { serviceIds, projectName: project.slug });
      await worker.stop();
      await controlPlane.stop();
      await registry.cleanup();
    },
  };
}

export function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}
