import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOST_METRIC } from '../../api/ingest/host-metrics.js';
import type { MetricSeries } from '../../contracts/index.js';
import { bearer, bootstrappedOrganization } from '../support/auth.js';
import { FakeAgent } from '../support/fake-agent.js';
import { createProject, createServer } from '../support/fixtures.js';
import { startTestApi } from '../support/platform.js';
import { sendBatch, zstdBatch } from './telemetry-batches.js';

const mib = 1024 ** 2;
const gib = 1024 ** 3;

/*
 * A fake agent speaking the real protocol to the real gateway: its heartbeats' resources become
 * the host's series in ClickHouse, read back through `GET /servers/:id/metrics` beside the series
 * of the containers it reports in telemetry batches.
 */
describe("a server's host metrics", () => {
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let agent: FakeAgent;
  let serverId: string;
  let serviceId: string;

  beforeAll(async () => {
    api = await startTestApi('host-metrics');
    const baseUrl = await api.app.listen({ port: 0, host: '127.0.0.1' });
    const { db } = api.platform;
    const orgId = (await bootstrappedOrganization(db)).id;
    const { server, token } = await createServer(db, orgId, 'metrics-host');
    serverId = server.id;
    const projectId = (await createProject(db, orgId, 'metrics')).id;
    serviceId = (
      await db.insertInto('services').values({ project_id: projectId, server_id: serverId, name: 'web', source_type: 'image' }).returning('id').executeTakeFirstOrThrow()
    ).id;
    agent = await FakeAgent.connect(baseUrl, token, serverId);
    await agent.hello();
  });
  afterAll(async () => {
    await agent?.close();
    await api?.close();
  });

  const seriesOfServer = async (query: string): Promise<MetricSeries[]> => {
    const response = await api.app.inject({ method: 'GET', url: `/api/v1/servers/${serverId}/metrics?${query}`, headers: bearer(api.ownerToken) });
    expect(response.statusCode, response.body).toBe(200);
    return response.json().data;
  };

  it("stores each heartbeat's CPU, memory, disk and network as the host's series, beside its containers'", async () => {
    // Two heartbeats of one minute, thirty seconds apart, as an agent sends them.
    const minute = Math.floor(Date.now() / 60_000) * 60_000 - 60_000;
    const at = (millis: number) => new Date(millis).toISOString();
    agent.heartbeat({
      timestamp: at(minute + 10_000),
      resources: { cpu_usage_percent: 20, memory_used_mb: 1024, memory_available_mb: 3072, disk_used_gb: 10.5, disk_available_gb: 89.5, network_rx_bytes: 4_000, network_tx_bytes: 1_000 },
    });
    agent.heartbeat({
      timestamp: at(minute + 40_000),
      resources: { cpu_usage_percent: 60, memory_used_mb: 2048, memory_available_mb: 2048, disk_used_gb: 10.5, disk_available_gb: 89.5, network_rx_bytes: 6_000, network_tx_bytes: 3_000 },
    });
    const containers = zstdBatch(serverId, {
      metrics: [{ timestamp: at(minute + 15_000), service_id: serviceId, name: 'container.memory.usage_bytes', type: 'gauge', value: 256 * mib, labels: { container_id: 'c1' } }],
    });
    expect(await sendBatch(agent, containers)).toMatchObject({ accepted: true });

    const window = `from=${at(minute)}&to=${at(minute + 60_000)}&interval=1m`;
    const byName = async () => Object.fromEntries((await seriesOfServer(window)).map((series) => [series.name, series]));
    await expect.poll(async () => Object.keys(await byName()).sort(), { timeout: 15_000, interval: 250 }).toEqual(
      [...Object.values(HOST_METRIC), 'container.memory.usage_bytes'].sort(),
    );
    // And both heartbeats' points are in, whichever insert they came with.
    await expect.poll(async () => (await byName())[HOST_METRIC.cpuPercent]?.points[0]?.count, { timeout: 15_000, interval: 250 }).toBe(2);

    const series = await byName();
    const only = (name: string) => {
      expect(series[name]!.points).toHaveLength(1);
      return series[name]!.points[0]!;
    };
    for (const name of Object.values(HOST_METRIC)) expect(series[name]).toMatchObject({ service_id: null, server_id: serverId, labels: {} });
    expect(series[HOST_METRIC.cpuPercent]!.type).toBe('gauge');
    expect(only(HOST_METRIC.cpuPercent)).toMatchObject({ timestamp: at(minute), min: 20, max: 60, avg: 40, count: 2 });
    expect(only(HOST_METRIC.memoryUsedBytes)).toMatchObject({ min: 1024 * mib, max: 2048 * mib });
    expect(only(HOST_METRIC.memoryAvailableBytes)).toMatchObject({ min: 2048 * mib, max: 3072 * mib });
    expect(only(HOST_METRIC.diskUsedBytes).max).toBe(Math.round(10.5 * gib));
    expect(only(HOST_METRIC.diskAvailableBytes).max).toBe(Math.round(89.5 * gib));
    // Network figures are the bytes since the previous heartbeat: the minute's sum is its traffic.
    expect(series[HOST_METRIC.networkRxBytes]!.type).toBe('counter');
    expect(only(HOST_METRIC.networkRxBytes).sum).toBe(10_000);
    expect(only(HOST_METRIC.networkTxBytes).sum).toBe(4_000);
    expect(series['container.memory.usage_bytes']).toMatchObject({ service_id: serviceId, server_id: serverId, labels: { container_id: 'c1' } });
  });
});
