import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import protos from '@temporalio/proto';
import type Docker from 'dockerode';
import type { Kysely } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { SecretCipher } from '../../control/secrets/cipher.js';
import { openSecretCipher } from '../../control/secrets/open-cipher.js';
import { createDb } from '../../db/postgres/connection.js';
import type { Database } from '../../db/postgres/database.js';
import { ensureTokenSigningKey } from '../../control/registry/token-keys.js';
import { registryService, tokenIssuer } from '../../control/registry/token-server.js';
import { freePort } from '../../engines/ports.js';
import { startRegistry, type RunningRegistry } from '../../engines/registry.js';
import { httpGet } from '../agent/harness.js';
import type { WorkflowRun } from '../../contracts/index.js';
import { issueToken } from '../../contracts/tokens.js';
import { bootstrappedOrganization } from '../support/auth.js';
import { ensureDockerd, removeManaged, startTestRegistry, type TestRegistry } from '../support/docker.js';
import { createProject } from '../support/fixtures.js';
import { FakeAgent } from '../support/fake-agent.js';
import { freshDatabaseUrl } from '../support/postgres.js';
import { startGitServer, type GitServer } from '../support/git-server.js';
import { dockerfileServing } from '../builds/build-stack.js';
import { deploymentsWithContainers, historyOf, imageService, operationsApi, privateTemporalConfig, replay, startServerWithAgent, waitFor } from './stack.js';

/*
 * Processes dying mid-deploy. The API and the worker run as `syntra api` / `syntra worker` child
 * processes, as in production, so they can be killed with SIGKILL; the agent runs in the test.
 */

const PROCESS_READY_TIMEOUT_MS = 60_000;

let registry: TestRegistry;
/** The platform's registry (token auth through the API) and a git server, for builds. */
let platformRegistry: RunningRegistry | undefined;
let git: GitServer | undefined;
let temporal: Awaited<ReturnType<typeof privateTemporalConfig>>;
let database: Awaited<ReturnType<typeof freshDatabaseUrl>>;
let dataDir: string;
let env: NodeJS.ProcessEnv;
let baseUrl: string;
let apiProcess: ChildProcess | undefined;
let workerProcess: ChildProcess | undefined;
let db: Kysely<Database>;
let secrets: SecretCipher;
let docker: Docker;
let host: Awaited<ReturnType<typeof startServerWithAgent>>;
let rest: ReturnType<typeof operationsApi>;
let orgId: string;
let project: Awaited<ReturnType<typeof createProject>>;
const serviceIds: string[] = [];
const deploymentIds: string[] = [];
const dagRunIds: string[] = [];

function syntra(command: 'api' | 'worker'): ChildProcess {
  const child = spawn(process.execPath, ['bin/syntra.js', command], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  child.once('exit', () => child.removeAllListeners());
  return child;
}

async function killHard(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

async function startApi(): Promise<void> {
  apiProcess = syntra('api');
  await waitFor('the API to answer /health', () => fetch(`${baseUrl}/api/v1/health`).then((response) => response.status === 200), PROCESS_READY_TIMEOUT_MS);
}

/** Resolves once this worker process polls the file's task queue (pollers of a killed one linger in the list). */
async function startWorker(): Promise<void> {
  const child = syntra('worker');
  workerProcess = child;
  const connection = await Connection.connect({ address: inject('temporalAddress') });
  try {
    const polling = async () => {
      const queue = await connection.workflowService.describeTaskQueue({
        namespace: inject('temporalNamespace'),
        taskQueue: { name: temporal.taskQueue },
        taskQueueType: protos.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
      });
      return (queue.pollers ?? []).some((poller) => poller.identity?.startsWith(`${child.pid}@`));
    };
    await waitFor('the worker to poll its task queue', polling, PROCESS_READY_TIMEOUT_MS);
  } finally {
    await connection.close();
  }
}

async function deploy(...args: Parameters<typeof rest.deploy>): Promise<string> {
  const id = await rest.deploy(...args);
  deploymentIds.push(id);
  return id;
}

async function newService() {
  const service = await imageService(db, secrets, registry, { projectId: project.id, serverId: host.server.id });
  serviceIds.push(service.id);
  return service;
}

beforeAll(async () => {
  docker = await ensureDockerd();
  registry = await startTestRegistry();
  temporal = await privateTemporalConfig('durable');
  database = await freshDatabaseUrl('durable');
  dataDir = await mkdtemp(path.join(tmpdir(), 'syntra-durable-'));
  const port = await freePort();
  const registryPort = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  const ownerToken = issueToken('usr').token;
  env = {
    ...process.env,
    DATABASE_URL: database.url,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_NAMESPACE: inject('temporalNamespace'),
    SYNTRA_TEMPORAL_CONFIG: temporal.file,
    SYNTRA_DATA_DIR: dataDir,
    SYNTRA_TOOLS_DIR: inject('toolsDir'),
    SYNTRA_MASTER_KEY: randomBytes(32).toString('hex'),
    SYNTRA_BOOTSTRAP_TOKEN: ownerToken,
    HOST: '127.0.0.1',
    PORT: String(port),
    REGISTRY_URL: `http://127.0.0.1:${registryPort}`,
    LOG_LEVEL: 'error',
  };
  await startApi();
  platformRegistry = await startRegistry({
    directory: path.join(dataDir, 'registry'),
    port: registryPort,
    realm: `${baseUrl}/registry/token`,
    service: registryService,
    issuer: tokenIssuer,
    certificateFile: (await ensureTokenSigningKey(dataDir)).certificateFile,
  });
  git = await startGitServer('durable');
  db = createDb(database.url);
  secrets = await openSecretCipher(db, { SYNTRA_MASTER_KEY: env.SYNTRA_MASTER_KEY, dataDir }, pino({ level: 'silent' }));
  await startWorker();
  orgId = (await bootstrappedOrganization(db)).id;
  project = await createProject(db, orgId, 'durable');
  host = await startServerWithAgent(db, orgId, baseUrl);
  rest = operationsApi(baseUrl, ownerToken);
}, 180_000);

afterAll(async () => {
  await host?.stopAgent();
  await killHard(workerProcess);
  await killHard(apiProcess);
  await platformRegistry?.stop();
  await git?.close();
  await db?.destroy();
  if (docker) await removeManaged(docker, { serviceIds, projectName: project?.slug });
  await registry?.cleanup();
  await temporal?.cleanup();
  await database?.drop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('durability', () => {
  it('the worker killed with SIGKILL mid-deploy: the next worker finishes the deploy running', async () => {
    const service = await newService();
    const id = await deploy(service.id);
    await rest.until(id, ['deploying', 'running', 'failed'], 30_000);
    await killHard(workerProcess);
    await startWorker();
    const deployment = await rest.until(id, ['running', 'failed'], 90_000);
    expect(deployment.error_message).toBeNull();
    expect(deployment.status).toBe('running');
    expect((await httpGet(host.endpoint(service.id), '/version')).body).toBe('v1');
  }, 150_000);

  it('the worker killed with SIGKILL mid-build: the build goes on on the agent, the next worker follows it, and the deploy ends running', async () => {
    const patched = await rest.call('PATCH', `/projects/${project.id}`, { git_repo_url: git!.url, git_credentials: { kind: 'token', token: git!.token } });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    await git!.commit('Slow build', { Dockerfile: dockerfileServing('built-durable', `RUN echo run-${randomUUID()} >/dev/null && sleep 9`), 'site/index.html': 'durable\n' });
    const created = await rest.call('POST', `/projects/${project.id}/services`, {
      name: 'built-durable',
      server_id: host.server.id,
      source_type: 'dockerfile',
      source_config: {},
      port: 8080,
      health_check: { type: 'http', path: '/health', interval_seconds: 1, timeout_seconds: 2, retries: 1, start_period_seconds: 0 },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    serviceIds.push(created.body.data.id);
    const id = await deploy(created.body.data.id);
    // Killed while BuildKit runs the slow step: the activity's heartbeat stops with the worker.
    await expect.poll(async () => (await rest.deployment(id)).build_logs ?? '', { timeout: 120_000, interval: 100 }).toContain('&& sleep 9');
    expect((await rest.deployment(id)).status).toBe('building');
    await killHard(workerProcess);
    await startWorker();
    const deployment = await rest.until(id, ['running', 'failed', 'cancelled'], 180_000);
    expect(deployment.error_message).toBeNull();
    expect(deployment.status).toBe('running');
    expect(deployment.events.filter((event) => event.source === 'control_plane').map((event) => event.status)).toEqual(['queued', 'building', 'pushing', 'deploying', 'running']);
    expect((await httpGet(host.endpoint(created.body.data.id), '/version')).body).toBe('built-durable');
  }, 300_000);

  it('the worker killed with SIGKILL mid-run of a DAG: the next worker finishes the run', async () => {
    const service = await newService();
    const created = await rest.call('POST', `/projects/${project.id}/workflows`, {
      name: 'durable-release',
      definition: {
        nodes: [
          { id: 'ship', step: { type: 'deploy', service_id: service.id } },
          { id: 'settle', step: { type: 'wait', seconds: 1 } },
        ],
        edges: [{ from: 'ship', to: 'settle' }],
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const started = await rest.call('POST', `/workflows/${created.body.data.id}/runs`, {});
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    const runId = started.body.data.id as string;
    dagRunIds.push(runId);
    const run = async () => (await rest.call('GET', `/workflow-runs/${runId}`)).body.data as WorkflowRun;
    // Killed while the node waits for its deploy to roll out (the deploy started by the node).
    const rollingOut = async () =>
      (await db.selectFrom('deployments').select('id').where('service_id', '=', service.id).where('status', '=', 'deploying').executeTakeFirst()) !== undefined;
    await waitFor('the deploy node to roll out', rollingOut, 30_000, 100);
    await killHard(workerProcess);
    await startWorker();
    let done: WorkflowRun | undefined;
    await waitFor('the run to end', async () => ['succeeded', 'failed', 'cancelled'].includes((done = await run()).status), 120_000);
    expect(done!.status, JSON.stringify(done!.step_results)).toBe('succeeded');
    expect(done!.step_results.ship).toMatchObject({ state: 'succeeded', output: { status: 'running' } });
    expect(done!.step_results.settle).toMatchObject({ state: 'succeeded' });
    deploymentIds.push(done!.step_results.ship!.output!.deployment_id as string);
    expect((await httpGet(host.endpoint(service.id), '/version')).body).toBe('v1');
  }, 180_000);

  it('the API killed with SIGKILL mid-deploy: restarted, it gets the agent reports and the deploy ends running', async () => {
    const service = await newService();
    const id = await deploy(service.id);
    await rest.until(id, ['deploying', 'running', 'failed'], 30_000);
    await killHard(apiProcess);
    await startApi();
    const deployment = await rest.until(id, ['running', 'failed'], 90_000);
    expect(deployment.error_message).toBeNull();
    expect(deployment.status).toBe('running');
    expect((await httpGet(host.endpoint(service.id), '/version')).body).toBe('v1');
  }, 150_000);

  it('an agent offline when the deploy starts receives it when it comes back', async () => {
    const service = await newService();
    await host.stopAgent();
    const id = await deploy(service.id, { timeout_seconds: 60 });
    await rest.until(id, ['deploying'], 30_000);
    await host.startAgent();
    const deployment = await rest.until(id, ['running', 'failed'], 60_000);
    expect(deployment.status).toBe('running');
    expect((await httpGet(host.endpoint(service.id), '/version')).body).toBe('v1');
  }, 120_000);

  it('an agent that stays away: the deploy fails by its timeout, says why, and never runs later', async () => {
    const service = await newService();
    await host.stopAgent();
    const id = await deploy(service.id, { timeout_seconds: 3 });
    const deployment = await rest.until(id, ['running', 'failed'], 30_000);
    expect(deployment.status).toBe('failed');
    expect(deployment.error_message).toMatch(/did not pick the command up within 3 s/);
    await host.startAgent();
    // The withdrawn command is never delivered: give a returning agent the time to have run it.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(await deploymentsWithContainers(docker, service.id)).toEqual([]);
  }, 60_000);

  it('the agent stopped mid-deploy and started again: its unanswered deploy is handed over again and ends running', async () => {
    const service = await newService();
    const id = await deploy(service.id, { timeout_seconds: 60 });
    await expect.poll(async () => (await rest.deployment(id)).events.some((event) => event.source === 'agent'), { timeout: 30_000, interval: 50 }).toBe(true);
    await host.stopAgent();
    await host.startAgent();
    const deployment = await rest.until(id, ['running', 'failed'], 60_000);
    expect(deployment.error_message).toBeNull();
    expect(deployment.status).toBe('running');
    expect((await httpGet(host.endpoint(service.id), '/version')).body).toBe('v1');
  }, 90_000);

  it('an agent that takes a deploy and never answers: the deploy fails by timeout with the reason, and never hangs', async () => {
    const service = await newService();
    await host.stopAgent();
    // A connected agent that says hello, acknowledges the rollout's start, and then goes silent.
    const silent = await FakeAgent.connect(baseUrl, host.token, host.server.id);
    await silent.hello();
    const id = await deploy(service.id, { timeout_seconds: 2 });
    const command = await silent.next('deploy', 30_000);
    silent.send('deploy_status', {
      deployment_id: id,
      service_id: service.id,
      status: 'pulling',
      phase: 'pull_image',
      progress_percent: 0,
      message: 'Pulling',
      started_at: new Date().toISOString(),
    });
    expect(command.payload.deployment_id).toBe(id);
    const deployment = await rest.until(id, ['running', 'failed'], 60_000);
    expect(deployment.status).toBe('failed');
    expect(deployment.error_message).toMatch(/received the command but reported no outcome within 32 s/);
    await silent.close();
    await host.startAgent();
  }, 90_000);

  it('the histories of these runs, interrupted ones included, replay without nondeterminism', async () => {
    const workflowIds = [...deploymentIds.map((id) => `deploy-${id}`), ...serviceIds.map((id) => `service-${id}`), ...dagRunIds.map((id) => `dag-run-${id}`)];
    const histories = await Promise.all(
      workflowIds.map(async (workflowId) => ({ workflowId, history: await historyOf(inject('temporalAddress'), inject('temporalNamespace'), workflowId) })),
    );
    expect(await replay(histories)).toEqual([]);
  });
});
