import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploy } from '../../agent/commands/deploy.js';
import { createCommandDispatcher } from '../../agent/commands/index.js';
import { scaleService } from '../../agent/commands/scale.js';
import { ServiceRegistry } from '../../agent/runtime/service-registry.js';
import type { OutboundMessage } from '../../agent/outbound.js';
import type { DeployPayload, LogStreamPayload } from '../../contracts/index.js';
import { startTestRegistry, type TestRegistry } from '../support/docker.js';
import { agentHarness, envelope, httpGet, HTTP_HEALTH_CHECK } from './harness.js';

let registry: TestRegistry;
let harness: Awaited<ReturnType<typeof agentHarness>>;
const sent: OutboundMessage[] = [];
let commands: ReturnType<typeof createCommandDispatcher>;

beforeAll(async () => {
  registry = await startTestRegistry();
  harness = await agentHarness(registry);
  commands = createCommandDispatcher(harness.context, (message) => sent.push(message));
});

afterAll(async () => {
  commands?.close();
  await harness?.cleanup();
  await registry?.cleanup();
});

async function deployed(overrides: Partial<DeployPayload> = {}) {
  const payload = harness.deployPayload('httpV1', overrides);
  const { statuses, report } = harness.statusLog();
  const result = await deploy(harness.context, payload, report);
  expect(result.ok).toBe(true);
  return { serviceId: payload.service_id, endpoint: statuses.at(-1)!.endpoint!, payload };
}

async function serviceContainers(serviceId: string) {
  return harness.docker.listContainers({ all: true, filters: { label: ['syntra.managed=true', `syntra.service_id=${serviceId}`] } });
}

function send(type: string, payload: Record<string, unknown>) {
  return commands.handleCommand(envelope(type, { request_id: `${type}-${crypto.randomUUID()}`, ...payload }));
}

function logFrames(requestId: string): LogStreamPayload[] {
  return sent.flatMap((message) => (message.type === 'log_stream' && message.payload.request_id === requestId ? [message.payload] : []));
}

describe('scale', () => {
  it('scales 1 → 3 → 1 from the running deployment, each replica healthy and behind the same endpoint', async () => {
    const { serviceId, endpoint } = await deployed();

    const up = await send('scale', { service_id: serviceId, replicas: 3, strategy: 'immediate' });
    expect(up).toMatchObject({ success: true, data: { replicas: 3, endpoint } });
    const three = await serviceContainers(serviceId);
    expect(three.filter((container) => container.State === 'running')).toHaveLength(3);
    expect(new Set(three.map((container) => container.Labels['syntra.deployment_id'])).size).toBe(1);
    const running = (up.success ? up.data : undefined) as { running: { host_port: number }[] };
    for (const replica of running.running) expect(await httpGet(`127.0.0.1:${replica.host_port}`, '/version')).toEqual({ status: 200, body: 'v1' });

    const down = await send('scale', { service_id: serviceId, replicas: 1, strategy: 'rolling' });
    expect(down).toMatchObject({ success: true, data: { replicas: 1, endpoint } });
    expect(await serviceContainers(serviceId)).toHaveLength(1);
    for (let i = 0; i < 5; i++) expect(await httpGet(endpoint, '/version')).toEqual({ status: 200, body: 'v1' });
  });
});

describe('after an agent restart', () => {
  it('rebuilds the service from its container labels and scales it with the deployed env and health check', async () => {
    const { serviceId } = await deployed();
    const services = new ServiceRegistry(harness.docker);
    const restartedAgent = { ...harness.context, services };
    try {
      await services.attach(harness.serverId);
      const state = services.find(serviceId)!;
      expect(state.spec.config.env_vars).toEqual({ GREETING: 'syntra' });
      expect(state.healthCheck).toEqual(HTTP_HEALTH_CHECK);

      const result = await scaleService(restartedAgent, { request_id: 'scale-after-restart', service_id: serviceId, replicas: 2, strategy: 'immediate' });

      expect(result.replicas).toBe(2);
      const added = result.running.find((replica) => replica.replica === 1)!;
      const inspected = await harness.docker.getContainer(added.container_id).inspect();
      expect(inspected.Config.Env).toContain('GREETING=syntra');
      expect(await httpGet(`127.0.0.1:${added.host_port}`, '/version')).toEqual({ status: 200, body: 'v1' });
      expect(await httpGet(result.endpoint!, '/version')).toEqual({ status: 200, body: 'v1' });
    } finally {
      await services.close();
    }
  });
});

describe('restart', () => {
  it('restarts every replica, which answers again on the unchanged endpoint', async () => {
    const { serviceId, endpoint } = await deployed({ config: { ...harness.deployPayload('httpV1').config, replicas: 2 } });
    const before = await serviceContainers(serviceId);
    const startedBefore = await Promise.all(before.map(async (c) => (await harness.docker.getContainer(c.Id).inspect()).State.StartedAt));

    const response = await send('restart', { service_id: serviceId, timeout_seconds: 5 });

    expect(response).toMatchObject({ success: true, data: { endpoint } });
    const startedAfter = await Promise.all(before.map(async (c) => (await harness.docker.getContainer(c.Id).inspect()).State.StartedAt));
    startedAfter.forEach((startedAt, index) => expect(startedAt > startedBefore[index]!).toBe(true));
    expect(await httpGet(endpoint, '/version')).toEqual({ status: 200, body: 'v1' });
  });
});

describe('stop', () => {
  it('stops without removal (containers stay, exited) and with removal (containers and project network gone)', async () => {
    const projectName = `agent-stop-${crypto.randomUUID().slice(0, 8)}`;
    const { serviceId } = await deployed({ project_name: projectName });

    const kept = await send('stop', { service_id: serviceId, timeout_seconds: 5, remove_container: false });
    expect(kept).toMatchObject({ success: true, data: { removed: false } });
    expect((await serviceContainers(serviceId)).map((container) => container.State)).toEqual(['exited']);

    const removed = await send('stop', { service_id: serviceId, timeout_seconds: 5, remove_container: true });
    expect(removed).toMatchObject({ success: true, data: { removed: true } });
    expect(await serviceContainers(serviceId)).toEqual([]);
    const networks = await harness.docker.listNetworks({ filters: { name: [`syntra-${projectName}`] } });
    expect(networks).toEqual([]);
  });
});

describe('exec', () => {
  it('returns the exit code with stdout and stderr kept apart, honouring env and working_dir', async () => {
    const { serviceId } = await deployed();
    const response = await send('exec', {
      service_id: serviceId,
      command: ['sh', '-c', 'echo "out $FOO"; pwd; echo oops >&2; exit 3'],
      working_dir: '/www',
      env: { FOO: 'bar' },
      timeout_seconds: 10,
      interactive: false,
    });
    expect(response).toMatchObject({ success: true, data: { exit_code: 3, stdout: 'out bar\n/www\n', stderr: 'oops\n' } });
  });

  it('gives up after timeout_seconds with EXEC_TIMEOUT', async () => {
    const { serviceId } = await deployed();
    const started = Date.now();
    const response = await send('exec', { service_id: serviceId, command: ['sleep', '30'], timeout_seconds: 1, interactive: false });
    expect(response).toMatchObject({ success: false, error: { code: 'EXEC_TIMEOUT' } });
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('logs', () => {
  it('sends the last `tail` lines with their stream, eof on the last frame', async () => {
    const { serviceId } = await deployed();
    const all = await send('logs_subscribe', { service_id: serviceId, follow: false, tail: 1000 });
    expect(all).toMatchObject({ success: true, data: { following: false } });
    const frames = logFrames(all.request_id);
    const lines = frames.flatMap((frame) => frame.lines);
    expect(lines).toContainEqual(expect.objectContaining({ stream: 'stdout', line: 'starting version v1 as syntra' }));
    expect(lines).toContainEqual(expect.objectContaining({ stream: 'stderr', line: 'stderr check' }));
    expect(frames.at(-1)!.eof).toBe(true);
    expect(lines.every((line) => !Number.isNaN(Date.parse(line.timestamp)))).toBe(true);

    const two = await send('logs_subscribe', { service_id: serviceId, follow: false, tail: 2 });
    expect(logFrames(two.request_id).flatMap((frame) => frame.lines).map((line) => line.line)).toEqual(lines.slice(-2).map((line) => line.line));
  });

  it('follows new lines until logs_unsubscribe, which ends the stream with eof', async () => {
    const base = harness.deployPayload('httpV1').config;
    const { serviceId } = await deployed({ config: { ...base, env_vars: { ...base.env_vars, TICK: '1' } } });
    const subscription = await send('logs_subscribe', { service_id: serviceId, follow: true, tail: 0 });
    expect(subscription).toMatchObject({ success: true, data: { following: true } });

    const deadline = Date.now() + 10_000;
    const ticks = () => logFrames(subscription.request_id).flatMap((frame) => frame.lines).filter((line) => line.line.startsWith('tick '));
    while (ticks().length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(ticks().length).toBeGreaterThanOrEqual(2);

    const ended = await send('logs_unsubscribe', { subscription_id: subscription.request_id, service_id: serviceId });
    expect(ended).toMatchObject({ success: true, data: { ended: true } });
    const framesAtEnd = logFrames(subscription.request_id).length;
    expect(logFrames(subscription.request_id).at(-1)!.eof).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(logFrames(subscription.request_id)).toHaveLength(framesAtEnd);
  });
});
