import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SUPERVISOR_OPTIONS, Supervisor } from '../../../agent/supervisor.js';
import { deploy } from '../../../agent/commands/deploy.js';
import { AgentTelemetry } from '../../../agent/telemetry/agent-telemetry.js';
import { CONTAINER_METRIC } from '../../../agent/telemetry/container-metrics.js';
import { TELEMETRY_KINDS } from '../../../agent/telemetry/telemetry-data.js';
import { toServerProtocolId, type DeployPayload, type TelemetryData } from '../../../contracts/index.js';
import { docker as dockerCli, startTestRegistry, type TestRegistry } from '../../support/docker.js';
import { agentHarness } from '../harness.js';
import { silentLog, spooledData } from './support.js';

let registry: TestRegistry;
let harness: Awaited<ReturnType<typeof agentHarness>>;
let telemetry: AgentTelemetry;
let dataDir: string;
let payload: DeployPayload;
let containerId: string;
/* Everything spooled so far: sealing moves the journal into batches, so each look adds to what was seen. */
const seen: TelemetryData = { errors: [], traces: [], logs: [], metrics: [], health_checks: [] };

async function spooled(): Promise<TelemetryData> {
  const data = await spooledData(telemetry.spool);
  for (const batch of telemetry.spool.batches()) await telemetry.spool.remove(batch.batchId);
  for (const kind of TELEMETRY_KINDS) (seen[kind] as unknown[]).push(...data[kind]);
  return seen;
}

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

beforeAll(async () => {
  registry = await startTestRegistry();
  harness = await agentHarness(registry);
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'syntra-agent-'));
  // The default bind address: Docker's bridge gateway, which the containers must reach.
  telemetry = await AgentTelemetry.start({
    docker: harness.docker,
    services: harness.context.services,
    log: silentLog,
    dataDir,
    agentToken: 'syn_agt_containers',
    port: 0,
    containerMetricsIntervalMs: 500,
  });
  harness.context.telemetry = telemetry;
  payload = harness.deployPayload('httpV1');
  const result = await deploy(harness.context, payload, () => undefined);
  expect(result.ok).toBe(true);
  containerId = (await harness.context.services.replicas(payload.service_id))[0]!.containerId;
});

afterAll(async () => {
  await telemetry?.stop();
  await harness?.cleanup();
  await registry?.cleanup();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const tag = () => ({ service_id: payload.service_id, deployment_id: payload.deployment_id });

describe('telemetry from the containers the agent runs', () => {
  it('gives deployed containers the OTLP endpoint, resource attributes and Sentry DSN, keeping their own variables', async () => {
    const env = (await harness.docker.getContainer(containerId).inspect()).Config.Env;
    expect(env).toEqual(
      expect.arrayContaining([
        'GREETING=syntra',
        `OTEL_EXPORTER_OTLP_ENDPOINT=${telemetry.receiver.origin.origin}`,
        'OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf',
        `OTEL_RESOURCE_ATTRIBUTES=syntra.service_id=${payload.service_id},syntra.deployment_id=${payload.deployment_id}`,
        `SENTRY_DSN=${telemetry.dsn(payload.service_id)}`,
      ]),
    );
  });

  it('turns stdout and stderr into log entries, with the level of JSON and logfmt lines', async () => {
    await dockerCli('exec', containerId, 'sh', '-c', `echo '{"level":"warn","msg":"disk almost full","disk":"sda"}' > /proc/1/fd/1`);
    await dockerCli('exec', containerId, 'sh', '-c', `echo 'level=debug msg="cache warmed" entries=12' > /proc/1/fd/1`);
    const logs = await until(async () => {
      const entries = (await spooled()).logs.filter((entry) => entry.service_id === payload.service_id);
      return entries.some((entry) => entry.message === 'cache warmed') ? entries : undefined;
    });
    expect(logs).toContainEqual(expect.objectContaining({ ...tag(), source: 'stdout', level: 'info', message: 'starting version v1 as syntra' }));
    expect(logs).toContainEqual(expect.objectContaining({ ...tag(), source: 'stderr', level: 'error', message: 'stderr check' }));
    expect(logs).toContainEqual(expect.objectContaining({ ...tag(), level: 'warn', message: 'disk almost full', attributes: { disk: 'sda' } }));
    expect(logs).toContainEqual(expect.objectContaining({ ...tag(), level: 'debug', message: 'cache warmed', attributes: { entries: '12' } }));
  });

  it('reads a restarted container on from where it stopped, without repeating lines', async () => {
    const starts = () => seen.logs.filter((entry) => entry.service_id === payload.service_id && entry.message === 'starting version v1 as syntra');
    await until(async () => (await spooled(), starts().length === 1 ? true : undefined));
    await dockerCli('restart', '-t', '1', containerId);
    await until(async () => (await spooled(), starts().length >= 2 ? true : undefined));
    // Long enough for a second follow of the container to have repeated its earlier output.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await spooled();
    expect(starts()).toHaveLength(2);
    expect(seen.logs.filter((entry) => entry.message === 'stderr check' && entry.service_id === payload.service_id)).toHaveLength(2);
  });

  it('samples CPU, memory and network of each container', async () => {
    const metrics = await until(async () => {
      const points = (await spooled()).metrics.filter((point) => point.service_id === payload.service_id);
      return Object.values(CONTAINER_METRIC).every((name) => points.some((point) => point.name === name)) ? points : undefined;
    });
    const memory = metrics.find((point) => point.name === CONTAINER_METRIC.memoryBytes)!;
    expect(memory).toMatchObject({ type: 'gauge', labels: { container_id: containerId.slice(0, 12), deployment_id: payload.deployment_id, replica: '0' } });
    expect(memory.value).toBeGreaterThan(0);
    expect(metrics.find((point) => point.name === CONTAINER_METRIC.cpuSeconds)).toMatchObject({ type: 'counter' });
  });

  it('records the supervisor’s periodic health checks', async () => {
    const supervisor = new Supervisor(harness.context, () => undefined, { ...DEFAULT_SUPERVISOR_OPTIONS, serverId: () => toServerProtocolId(harness.serverId) });
    await supervisor.tick();
    const checks = await until(async () => {
      const results = (await spooled()).health_checks.filter((result) => result.service_id === payload.service_id);
      return results.length > 0 ? results : undefined;
    });
    expect(checks[0]).toMatchObject({ is_healthy: true, status_code: 200 });
  });

  it('is reachable from a container, and tags what it sends without resource attributes by its address', async () => {
    const body = JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ severityText: 'INFO', body: { stringValue: 'sent from inside' } }] }] }] });
    const answer = await dockerCli(
      'exec',
      containerId,
      'wget',
      '-q',
      '-O-',
      '--header',
      'Content-Type: application/json',
      '--post-data',
      body,
      `${telemetry.receiver.origin.origin}/v1/logs`,
    );
    expect(JSON.parse(answer)).toEqual({});
    const entry = await until(async () => (await spooled()).logs.find((candidate) => candidate.message === 'sent from inside'));
    expect(entry).toMatchObject({ ...tag(), source: 'sdk', level: 'info' });
  });
});
