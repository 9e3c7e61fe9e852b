import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Supervisor, DEFAULT_SUPERVISOR_OPTIONS } from '../../agent/supervisor.js';
import { configureHealthCheck } from '../../agent/commands/configure-health-check.js';
import { deploy } from '../../agent/commands/deploy.js';
import type { OutboundMessage } from '../../agent/outbound.js';
import { collectHello } from '../../agent/facts.js';
import { UsageSampler } from '../../agent/usage.js';
import { AgentHelloPayload, HeartbeatPayload, toAgentProtocolId, toServerProtocolId, type AlertPayload } from '../../contracts/index.js';
import { docker as dockerCli, startTestRegistry, type TestRegistry } from '../support/docker.js';
import { agentHarness, httpGet, HTTP_HEALTH_CHECK } from './harness.js';

const SERVER_UUID = crypto.randomUUID();
const POLL_MS = 100;

let registry: TestRegistry;
let harness: Awaited<ReturnType<typeof agentHarness>>;
const sent: OutboundMessage[] = [];
let supervisor: Supervisor;

beforeAll(async () => {
  registry = await startTestRegistry();
  harness = await agentHarness(registry);
  supervisor = new Supervisor(harness.context, (message) => sent.push(message), {
    ...DEFAULT_SUPERVISOR_OPTIONS,
    serverId: () => toServerProtocolId(SERVER_UUID),
    tickMs: 200,
    crashLoopRestarts: 2,
    restartBackoffMaxMs: 1_000,
  });
  supervisor.start();
});

afterAll(async () => {
  await supervisor?.stop();
  await harness?.cleanup();
  await registry?.cleanup();
});

async function until<T>(probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function alerts(serviceId: string): AlertPayload[] {
  return sent.flatMap((message) => (message.type === 'alert' && message.payload.service_id === serviceId ? [message.payload] : []));
}

async function deployed(replicas = 1) {
  const base = harness.deployPayload('httpV1');
  const payload = { ...base, config: { ...base.config, replicas } };
  const { statuses, report } = harness.statusLog();
  expect((await deploy(harness.context, payload, report)).ok).toBe(true);
  return { serviceId: payload.service_id, endpoint: statuses.at(-1)!.endpoint!, final: statuses.at(-1)! };
}

describe('machine facts and heartbeat', () => {
  it('agent_hello describes this machine: OS release, kernel, arch, CPUs, memory, Docker version, protocol range', async () => {
    const hello = await collectHello(harness.docker, SERVER_UUID);

    expect(AgentHelloPayload.parse(hello)).toEqual(hello);
    expect(hello).toMatchObject({
      agent_id: toAgentProtocolId(SERVER_UUID),
      server_id: toServerProtocolId(SERVER_UUID),
      runtime: 'docker',
      runtime_version: await dockerCli('version', '--format', '{{.Server.Version}}'),
      os: { name: 'debian', kernel: os.release() },
      arch: os.arch() === 'arm64' ? 'aarch64' : 'x86_64',
      resources: { cpu_cores: os.cpus().length, memory_total_mb: Math.round(os.totalmem() / 1024 ** 2) },
      network: { hostname: os.hostname() },
      protocol_version: '1.3',
      min_supported: '1.0',
    });
    expect(hello.resources.disk_total_gb).toBeGreaterThan(0);
  });

  it('a heartbeat reports host resources and each replica with its stats and health', async () => {
    const { serviceId, final } = await deployed();
    const sampler = new UsageSampler(harness.docker, harness.context.services);

    const first = await sampler.heartbeat(toAgentProtocolId(SERVER_UUID));
    expect(HeartbeatPayload.parse(first)).toEqual(first);
    expect(first.resources.memory_used_mb).toBeGreaterThan(0);
    expect(first.resources.disk_available_gb).toBeGreaterThan(0);
    expect(first.containers.running).toBeGreaterThanOrEqual(1);
    const status = first.services.find((service) => service.service_id === serviceId);
    expect(status).toMatchObject({ container_id: final.container_id, status: 'running', health: 'healthy', restart_count: 0 });
    expect(status!.memory_mb).toBeGreaterThan(0);

    await httpGet(`127.0.0.1:${final.replicas![0]!.host_port}`, '/');
    const second = await sampler.heartbeat(toAgentProtocolId(SERVER_UUID));
    expect(second.resources.network_rx_bytes).toBeGreaterThanOrEqual(0);
    expect(second.uptime_seconds).toBeGreaterThanOrEqual(first.uptime_seconds);
  });
});

describe('supervision and alerts', () => {
  it('restarts a container that dies behind its back, counts the restart, and calls repeated deaths a restart loop', async () => {
    const { serviceId, final, endpoint } = await deployed();
    const containerId = final.container_id!;

    await harness.docker.getContainer(containerId).kill();
    const crash = await until(() => alerts(serviceId).find((alert) => alert.type === 'container_crash'));
    expect(crash).toMatchObject({ severity: 'warning', metadata: { container_id: containerId, exit_code: 137 } });
    await until(async () => ((await harness.docker.getContainer(containerId).inspect()).State.Running ? true : undefined));
    expect(harness.context.services.find(serviceId)!.crashRestarts.get(containerId)).toBe(1);
    await until(async () => (await httpGet(endpoint, '/version').catch(() => null))?.body === 'v1' || undefined);

    await harness.docker.getContainer(containerId).kill();
    const loop = await until(() => alerts(serviceId).find((alert) => alert.severity === 'critical'));
    expect(loop).toMatchObject({ type: 'container_crash', title: 'web: restart loop', metadata: { crashes_in_window: 2 } });
  });

  it('alerts when a replica fails its health check past the retries, routes around it, and takes it back once it passes', async () => {
    const { serviceId, endpoint, final } = await deployed(2);
    const [sick, well] = final.replicas!;
    await configureHealthCheck(harness.context, {
      request_id: 'hc-1',
      service_id: serviceId,
      health_check: { ...HTTP_HEALTH_CHECK, retries: 1 },
    });

    await dockerCli('exec', sick!.container_id, 'rm', '/www/health');
    const alert = await until(() => alerts(serviceId).find((candidate) => candidate.type === 'health_check_failed'));
    expect(alert).toMatchObject({ severity: 'critical', metadata: { container_id: sick!.container_id, status_code: 404 } });
    const proxy = harness.context.services.find(serviceId)!.proxy!;
    expect(proxy.backendPorts).toEqual([well!.host_port]);
    for (let i = 0; i < 6; i++) expect((await httpGet(endpoint, '/version')).status).toBe(200);

    await dockerCli('exec', sick!.container_id, 'sh', '-c', 'echo ok > /www/health');
    await until(() => (proxy.backendPorts.includes(sick!.host_port!) ? true : undefined));
    expect(harness.context.services.find(serviceId)!.health.get(sick!.container_id)).toBe('healthy');
  });

  it('raises one resource_critical alert per crossing of the threshold', () => {
    const figures = { cpu_usage_percent: 95, memory_used_mb: 100, memory_available_mb: 900, disk_used_gb: 10, disk_available_gb: 90, network_rx_bytes: 0, network_tx_bytes: 0 };
    expect(supervisor.checkResources(figures).map((alert) => alert.metadata.resource)).toEqual(['cpu']);
    expect(supervisor.checkResources(figures)).toEqual([]);
    expect(supervisor.checkResources({ ...figures, cpu_usage_percent: 50, disk_used_gb: 95, disk_available_gb: 5 }).map((a) => a.metadata.resource)).toEqual(['disk']);
    expect(supervisor.checkResources(figures).map((alert) => alert.metadata.resource)).toEqual(['cpu']);
  });
});
