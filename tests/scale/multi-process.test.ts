import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Kysely } from 'kysely';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIVE_PATH, liveEvents, type LiveDeploymentEvent, type WorkflowRun } from '../../contracts/index.js';
import type { SecretCipher } from '../../control/secrets/cipher.js';
import type { Database } from '../../db/postgres/database.js';
import { httpGet } from '../agent/harness.js';
import { bootstrappedOrganization } from '../support/auth.js';
import type { TestRegistry } from '../support/docker.js';
import { AgentSocketProxy } from '../support/agent-socket-proxy.js';
import { FakeAgent } from '../support/fake-agent.js';
import { createServer } from '../support/fixtures.js';
import { imageService, operationsApi, startServerWithAgent, waitFor } from '../operations/stack.js';
import type { TcpBalancer } from './balancer.js';
import type { Cluster, SyntraProcess } from './cluster.js';
import { startScaleStack, type ScaleStack } from './scale-stack.js';

/*
 * Past one machine (issue 22): two `syntra api` and two `syntra worker` child processes on Debian's
 * PostgreSQL server and the run's Temporal dev server, behind a TCP load balancer on loopback;
 * real agents (in this process, with dockerd) connect through the balancer.
 */

let stack: ScaleStack;
let cluster: Cluster;
let balancer: TcpBalancer;
let registry: TestRegistry;
let db: Kysely<Database>;
let secrets: SecretCipher;
let project: ScaleStack['project'];
let hosts: ScaleStack['hosts'];
const sockets: Socket[] = [];

const apiOf = (port: number | undefined): SyntraProcess => {
  const api = cluster.apis.find((candidate) => candidate.port === port);
  if (!api) throw new Error(`no API process on port ${port}`);
  return api;
};
const apiHolding = (host: (typeof hosts)[number]) => apiOf(balancer.backendOf(host.token));

beforeAll(async () => {
  stack = await startScaleStack('scale', { SYNTRA_ALERT_EVALUATION_SECONDS: '2' });
  ({ cluster, balancer, registry, db, secrets, project, hosts } = stack);
  // Two servers whose agents land on different API processes (the balancer deals connections in turn).
  await waitFor('both agents online', async () => hosts.every((host) => balancer.backendOf(host.token) !== undefined), 30_000);
  for (let attempt = 0; attempt < 6 && apiHolding(hosts[0]!) === apiHolding(hosts[1]!); attempt++) {
    await hosts[1]!.stopAgent();
    await hosts[1]!.startAgent();
    await waitFor('the agent back', async () => balancer.backendOf(hosts[1]!.token) !== undefined, 30_000);
  }
}, 300_000);

afterAll(async () => {
  for (const socket of sockets) socket.disconnect();
  await stack?.stop();
}, 120_000);

async function newService(host: (typeof hosts)[number]) {
  const service = await imageService(db, secrets, registry, { projectId: project.id, serverId: host.server.id });
  stack.serviceIds.push(service.id);
  return service;
}

/** A socket.io client on one API process, in `serviceId`'s room, collecting its deployment events. */
async function watch(api: SyntraProcess, serviceId: string): Promise<LiveDeploymentEvent[]> {
  const socket = connect(api.url, { path: LIVE_PATH, transports: ['websocket'], reconnection: false, auth: { token: cluster.ownerToken } });
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  const received: LiveDeploymentEvent[] = [];
  socket.on(liveEvents.deploymentEvent, (message: LiveDeploymentEvent) => received.push(message));
  expect(await socket.timeout(10_000).emitWithAck(liveEvents.subscribe, { room: { kind: 'service', id: serviceId } })).toEqual({ ok: true });
  return received;
}

describe('two API and two worker processes behind a load balancer', () => {
  it('spreads agents over both API processes, and a deploy started through one is watched live through the other', async () => {
    const [a, b] = [apiHolding(hosts[0]!), apiHolding(hosts[1]!)];
    expect(a.port).not.toBe(b.port);
    for (const host of hosts) {
      const service = await newService(host);
      const [startedThrough, watchedThrough] = apiHolding(host) === a ? [b, a] : [a, b];
      const events = await watch(watchedThrough, service.id);
      const rest = operationsApi(startedThrough.url, cluster.ownerToken);
      const id = await rest.deploy(service.id);
      const deployment = await rest.until(id, ['running', 'failed'], 120_000);
      expect(deployment.error_message).toBeNull();
      expect(deployment.status).toBe('running');
      await expect.poll(() => events.some((event) => event.deployment_id === id && event.event.status === 'running'), { timeout: 10_000 }).toBe(true);
      // The agent's own progress reports reached the watcher too, whichever process holds the agent.
      expect(events.some((event) => event.event.source === 'agent')).toBe(true);
      expect((await httpGet(host.endpoint(service.id), '/version')).body).toBe('v1');
    }
  }, 300_000);

  it('runs a DAG started through one API process, followed through the other', async () => {
    const service = await newService(hosts[0]!);
    const [one, other] = cluster.apis;
    const rest = operationsApi(one!.url, cluster.ownerToken);
    const created = await rest.call('POST', `/projects/${project.id}/workflows`, {
      name: 'scale-release',
      definition: { nodes: [{ id: 'ship', step: { type: 'deploy', service_id: service.id } }, { id: 'settle', step: { type: 'wait', seconds: 1 } }], edges: [{ from: 'ship', to: 'settle' }] },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const started = await rest.call('POST', `/workflows/${created.body.data.id}/runs`, {});
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    const watcher = operationsApi(other!.url, cluster.ownerToken);
    let run: WorkflowRun | undefined;
    await waitFor('the run to end', async () => ['succeeded', 'failed', 'cancelled'].includes((run = (await watcher.call('GET', `/workflow-runs/${started.body.data.id}`)).body.data).status), 180_000);
    expect(run!.status, JSON.stringify(run!.step_results)).toBe('succeeded');
  }, 240_000);

  it('kills the API process an agent is connected to mid-deploy: the agent reconnects through the balancer and the deploy finishes', async () => {
    const host = hosts[0]!;
    const service = await newService(host);
    const holder = apiHolding(host);
    const rest = operationsApi(balancer.url, cluster.ownerToken);
    const id = await rest.deploy(service.id, { timeout_seconds: 90 });
    await expect.poll(async () => (await rest.deployment(id)).events.some((event) => event.source === 'agent'), { timeout: 60_000, interval: 100 }).toBe(true);
    await holder.stop('SIGKILL');
    const deployment = await rest.until(id, ['running', 'failed'], 150_000);
    expect(deployment.error_message).toBeNull();
    expect(deployment.status).toBe('running');
    const newHolder = balancer.backendOf(host.token);
    expect(newHolder).toBeDefined();
    expect(newHolder).not.toBe(holder.port);
    expect((await httpGet(host.endpoint(service.id), '/version')).body).toBe('v1');
    await cluster.start(holder);
  }, 240_000);

  it("an agent's outcome written into the socket of an API process that then dies is sent again: the deploy finishes without waiting for its timeout", async () => {
    // Between the agent and the balancer, a relay that loses the agent's `running` report and all after it, as a dying process would.
    const proxy = await AgentSocketProxy.listen(balancer.url);
    const host = await startServerWithAgent(db, stack.orgId, proxy.url);
    try {
      await waitFor('the agent online', async () => balancer.backendOf(host.token) !== undefined, 30_000);
      const service = await newService(host);
      const rest = operationsApi(balancer.url, cluster.ownerToken);
      const lost = proxy.loseFrom((frame) => frame.type === 'deploy_status' && frame.payload.status === 'running');
      // Ten minutes: only the agent sending its outcome again can end the deploy within the wait below.
      const id = await rest.deploy(service.id, { timeout_seconds: 600 });
      const report = await lost;
      const holder = apiHolding(host);
      await holder.stop('SIGKILL');
      const deployment = await rest.until(id, ['running', 'failed'], 90_000);
      expect(deployment.error_message).toBeNull();
      expect(deployment.status).toBe('running');
      // What the database holds is the lost report itself, sent again under its own id.
      const running = await db.selectFrom('deployment_events').select('report_id').where('deployment_id', '=', id).where('status', '=', 'running').where('source', '=', 'agent').execute();
      expect(running.map((event) => event.report_id)).toContain(report.id);
      expect((await httpGet(host.endpoint(service.id), '/version')).body).toBe('v1');
      await cluster.start(holder);
    } finally {
      await host.stopAgent();
      await proxy.close();
    }
  }, 240_000);

  it('an agent that reconnected to the other process stays online when the first drops its old socket', async () => {
    const orgId = (await bootstrappedOrganization(db)).id;
    const { server, token } = await createServer(db, orgId, 'moving-agent');
    const [a, b] = cluster.apis;
    const old = await FakeAgent.connect(a!.url, token, server.id);
    await old.hello();
    // The agent gave up on A (say, a half-open connection) and said hello to B; only then does A drop its socket.
    const current = await FakeAgent.connect(b!.url, token, server.id);
    await current.hello();
    await old.close();
    const status = async () => (await db.selectFrom('servers').select('status').where('id', '=', server.id).executeTakeFirstOrThrow()).status;
    // A's close handler is a flush and an UPDATE; a second is ample, and a wrong verdict would stay.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await status()).toBe('online');
    await current.close();
    await expect.poll(status, { timeout: 10_000 }).toBe('offline');
  }, 60_000);

  it('with three API processes evaluating, one breached rule opens exactly one incident and sends one notification', async () => {
    const third = await cluster.addApi();
    balancer.add(third.port);
    await cluster.start(third);
    const hooks: string[] = [];
    const receiver: Server = createHttpServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        hooks.push(Buffer.concat(chunks).toString());
        response.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const service = await newService(hosts[1]!);
      const rest = operationsApi(balancer.url, cluster.ownerToken);
      const rule = await rest.call('POST', '/alerts', {
        name: 'Scale down',
        service_id: service.id,
        condition: { type: 'downtime', consecutive_failures: 2 },
        channels: [{ type: 'webhook', url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`, secret: 'a-webhook-secret-of-some-length' }],
      });
      expect(rule.status, JSON.stringify(rule.body)).toBe(201);
      await db.insertInto('health_checks').values([1, 2].map(() => ({ service_id: service.id, response_time_ms: 5000, is_healthy: false, error_message: 'timeout' }))).execute();
      await expect.poll(() => hooks.length, { timeout: 30_000, interval: 200 }).toBeGreaterThan(0);
      // Several more rounds of all three processes (every 2 s each) change nothing.
      await new Promise((resolve) => setTimeout(resolve, 10_000));
      const incidents = await db.selectFrom('alert_incidents').select(['id', 'status']).where('alert_id', '=', rule.body.data.id).execute();
      expect(incidents).toHaveLength(1);
      expect(hooks).toHaveLength(1);
      expect(JSON.parse(hooks[0]!)).toMatchObject({ event: 'incident.fired', incident: { id: incidents[0]!.id } });
    } finally {
      await new Promise((resolve) => receiver.close(resolve));
    }
  }, 180_000);
});
