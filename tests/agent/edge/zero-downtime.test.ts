import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeployStrategy } from '../../../contracts/index.js';
import { deploy } from '../../../agent/commands/deploy.js';
import { scaleService } from '../../../agent/commands/scale.js';
import { replicaFromInspect } from '../../../agent/runtime/containers.js';
import { ServiceRegistry } from '../../../agent/runtime/service-registry.js';
import { startTestRegistry, type TestRegistry } from '../../support/docker.js';
import { agentHarness, HTTP_HEALTH_CHECK } from '../harness.js';
import { httpsGet, httpsGetLikeABrowser, startEdge } from './edge-support.js';

let registry: TestRegistry;
let harness: Awaited<ReturnType<typeof agentHarness>>;
let edge: Awaited<ReturnType<typeof startEdge>>;
let ca: string;

beforeAll(async () => {
  registry = await startTestRegistry();
  harness = await agentHarness(registry);
  edge = await startEdge({ type: 'internal' });
  harness.context.edge = edge.router;
  ca = await edge.internalRoot();
});

afterAll(async () => {
  await harness?.cleanup();
  await edge?.cleanup();
  await registry?.cleanup();
});

/*
 * Two clients hammering the domain over HTTPS while `work` runs, and 300 ms after: every request
 * must be answered 200. Keep-alive, as browsers do: the connection to Caddy outlives the replicas
 * behind it.
 */
async function underLoad<T>(domain: string, work: () => Promise<T>) {
  const agent = new https.Agent({ keepAlive: true, maxSockets: 4 });
  const answers: string[] = [];
  const failures: string[] = [];
  let running = true;
  const client = async () => {
    while (running) {
      try {
        const { status, body } = await httpsGetLikeABrowser(domain, edge.router.httpsPort, '/version', ca, agent);
        if (status === 200) answers.push(body);
        else failures.push(`HTTP ${status} ${body}`);
      } catch (error) {
        failures.push(String(error));
      }
    }
  };
  const clients = [client(), client()];
  try {
    const result = await work();
    await new Promise((resolve) => setTimeout(resolve, 300));
    return { result, answers, failures };
  } finally {
    running = false;
    await Promise.all(clients);
    agent.destroy();
  }
}

function servicePayload(serviceId: string, image: 'httpV1' | 'httpV2', domain: string, strategy: DeployStrategy = 'rolling') {
  return harness.deployPayload(image, {
    serviceId,
    strategy,
    config: { port: 8080, replicas: 2, env_vars: {}, labels: {}, health_check: HTTP_HEALTH_CHECK },
    networking: { domains: [domain], internal_hostname: 'web.edge.internal', expose_port: false },
  });
}

/* While v1 is replaced by v2, the answers must switch from v1 to v2 once and for good. */
async function deployUnderLoad(strategy: DeployStrategy, domain: string) {
  const serviceId = crypto.randomUUID();
  expect(await deploy(harness.context, servicePayload(serviceId, 'httpV1', domain, strategy), () => {})).toMatchObject({ ok: true });
  return underLoad(domain, () => deploy(harness.context, servicePayload(serviceId, 'httpV2', domain, strategy), () => {}));
}

/* Where Caddy dials each replica: its address on the project network at the service's port, not its published port (which Docker's userland proxy carries). */
async function dials(replicas: readonly { container_id: string }[]): Promise<string[]> {
  const inspected = await Promise.all(replicas.map((replica) => harness.docker.getContainer(replica.container_id).inspect()));
  return inspected.map((container) => `${replicaFromInspect(container).ip}:8080`).sort();
}

describe('a domain during a deploy', () => {
  it.each(['rolling', 'blue_green'] as const)('answers every request during a %s deploy of two replicas, switching to v2', async (strategy) => {
    const { result, answers, failures } = await deployUnderLoad(strategy, `${strategy.replace('_', '-')}.syntra.test`);

    expect(result).toMatchObject({ ok: true });
    expect(failures).toEqual([]);
    expect(answers.length).toBeGreaterThan(50);
    expect(answers[0]).toBe('v1');
    expect(answers.at(-1)).toBe('v2');
    expect(answers.slice(answers.lastIndexOf('v1') + 1).every((answer) => answer === 'v2')).toBe(true);
  });
});

describe("Caddy's upstreams", () => {
  it("are the replicas' own addresses, following a scale up and down without a failed request", async () => {
    const serviceId = crypto.randomUUID();
    const domain = 'scaled.syntra.test';
    const deployed = await deploy(harness.context, servicePayload(serviceId, 'httpV1', domain), () => {});
    if (!deployed.ok) throw new Error(deployed.error.message);
    expect(await edge.dialedUpstreams(serviceId)).toEqual(await dials(deployed.replicas!));
    expect(await dials(deployed.replicas!)).not.toContain(deployed.endpoint);

    const up = await underLoad(domain, () => scaleService(harness.context, { request_id: crypto.randomUUID(), service_id: serviceId, replicas: 3, strategy: 'rolling' }));
    expect(up.result.running).toHaveLength(3);
    expect(await edge.dialedUpstreams(serviceId)).toEqual(await dials(up.result.running));

    const down = await underLoad(domain, () => scaleService(harness.context, { request_id: crypto.randomUUID(), service_id: serviceId, replicas: 1, strategy: 'rolling' }));
    expect(down.result.running).toHaveLength(1);
    expect(await edge.dialedUpstreams(serviceId)).toEqual(await dials(down.result.running));

    expect([...up.failures, ...down.failures]).toEqual([]);
    expect(up.answers.length).toBeGreaterThan(20);
    expect(down.answers.length).toBeGreaterThan(20);
  });
});

describe('an agent process handing over to the next', () => {
  it('leaves Caddy serving (a self-update, or a crash), and the next agent process adopts it: no failed request, the same Caddy, the same routes', async () => {
    const domain = 'handover.syntra.test';
    const serviceId = crypto.randomUUID();
    const deployed = await deploy(harness.context, servicePayload(serviceId, 'httpV1', domain), () => {});
    if (!deployed.ok) throw new Error(deployed.error.message);
    // The site is live (its certificate issued on demand) before the handover: while no agent runs,
    // nothing answers Caddy's ask, so only a name already certified can be served.
    expect((await httpsGet(domain, edge.router.httpsPort, '/version', ca)).body).toBe('v1');
    const caddyPid = edge.router.caddyPid;
    const { result: next, answers, failures } = await underLoad(domain, async () => {
      await edge.router.detach();
      // A new agent process on the same data folder: its memory of services rebuilt from the containers' labels.
      await harness.context.services.close();
      harness.context.services = new ServiceRegistry(harness.docker, harness.serverId);
      const adopting = await startEdge({ type: 'internal' }, edge.dataDir, undefined, { http: edge.router.httpPort, https: edge.router.httpsPort });
      harness.context.edge = adopting.router;
      await harness.context.services.attach(harness.serverId);
      await adopting.router.sync(harness.context.services);
      return adopting;
    });
    edge = next;
    expect(failures).toEqual([]);
    expect(new Set(answers)).toEqual(new Set(['v1']));
    expect(edge.router.caddyPid).toBe(caddyPid);
    expect(await edge.dialedUpstreams(serviceId)).toEqual(await dials(deployed.replicas!));
    // Supervised as before: a Caddy that dies now is started again by the agent that adopted it.
    process.kill(caddyPid!, 'SIGKILL');
    await expect.poll(() => edge.router.caddyPid !== caddyPid && edge.router.caddyPid !== undefined, { timeout: 15_000 }).toBe(true);
    await expect.poll(async () => (await httpsGet(domain, edge.router.httpsPort, '/version', ca).catch(() => null))?.body, { timeout: 15_000 }).toBe('v1');
  });
});
