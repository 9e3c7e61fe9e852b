import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeployStrategy } from '../../../contracts/index.js';
import { deploy } from '../../../agent/commands/deploy.js';
import { startTestRegistry, type TestRegistry } from '../../support/docker.js';
import { agentHarness, HTTP_HEALTH_CHECK } from '../harness.js';
import { httpsGet, startEdge } from './edge-support.js';

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
 * A client hammering the domain over HTTPS while v1 is replaced by v2: every request must be
 * answered 200, the answers must switch from v1 to v2 once and for good.
 */
async function deployUnderLoad(strategy: DeployStrategy, domain: string) {
  const serviceId = crypto.randomUUID();
  const payload = (image: 'httpV1' | 'httpV2') =>
    harness.deployPayload(image, {
      serviceId,
      strategy,
      config: { port: 8080, replicas: 2, env_vars: {}, labels: {}, health_check: HTTP_HEALTH_CHECK },
      networking: { domains: [domain], internal_hostname: 'web.edge.internal', expose_port: false },
    });
  expect(await deploy(harness.context, payload('httpV1'), () => {})).toMatchObject({ ok: true });

  // Keep-alive, as browsers do: the connection to Caddy outlives the replicas behind it.
  const agent = new https.Agent({ keepAlive: true, maxSockets: 4 });
  const answers: string[] = [];
  const failures: string[] = [];
  let running = true;
  const client = async () => {
    while (running) {
      try {
        const { status, body } = await httpsGet(domain, edge.router.httpsPort, '/version', ca, agent);
        if (status === 200) answers.push(body);
        else failures.push(`HTTP ${status} ${body}`);
      } catch (error) {
        failures.push(String(error));
      }
    }
  };
  const clients = [client(), client()];
  const result = await deploy(harness.context, payload('httpV2'), () => {});
  await new Promise((resolve) => setTimeout(resolve, 300));
  running = false;
  await Promise.all(clients);
  agent.destroy();
  return { result, answers, failures };
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
