import { readFile, statfs } from 'node:fs/promises';
import type Docker from 'dockerode';
import type { HeartbeatPayload, ServiceStatus } from '../contracts/index.js';
import type { EdgeRouter } from './edge/edge-router.js';
import { LABEL } from './runtime/docker.js';
import type { ServiceRegistry } from './runtime/service-registry.js';
import { sleep } from './timing.js';

const BYTES_PER_MB = 1024 ** 2;
const BYTES_PER_GB = 1024 ** 3;
/* CPU usage is a difference of two /proc/stat readings; the first heartbeat takes its own pair this far apart. */
const FIRST_CPU_SAMPLE_MS = 250;
/* Traffic between containers crosses these virtual interfaces too; counting them would double it. */
const VIRTUAL_INTERFACE = /^(lo|docker\d*|br-|veth)/;

interface CpuTimes {
  idle: number;
  total: number;
}

async function readCpuTimes(): Promise<CpuTimes> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0] ?? '';
  // cpu user nice system idle iowait irq softirq steal: waiting for I/O counts as idle.
  const fields = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { idle, total: fields.reduce((sum, value) => sum + value, 0) };
}

async function readMemory(): Promise<{ usedMb: number; availableMb: number }> {
  const text = await readFile('/proc/meminfo', 'utf8');
  const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0);
  const total = kib('MemTotal');
  const available = kib('MemAvailable');
  return { usedMb: Math.round((total - available) / 1024), availableMb: Math.round(available / 1024) };
}

async function readNetworkTotals(): Promise<{ rx: number; tx: number }> {
  const lines = (await readFile('/proc/net/dev', 'utf8')).split('\n').slice(2);
  let rx = 0;
  let tx = 0;
  for (const line of lines) {
    const [name, counters] = line.split(':');
    if (!counters || VIRTUAL_INTERFACE.test(name!.trim())) continue;
    const fields = counters.trim().split(/\s+/).map(Number);
    rx += fields[0] ?? 0;
    tx += fields[8] ?? 0;
  }
  return { rx, tx };
}

function containerStatus(state: string, exitCode: number): ServiceStatus['status'] {
  if (state === 'running') return 'running';
  if (state === 'restarting') return 'restarting';
  if (state === 'dead' || (state === 'exited' && exitCode !== 0)) return 'error';
  return 'stopped';
}

/** `docker stats` arithmetic: the container's share of all CPUs, so two busy cores read 200 %. */
function cpuPercent(stats: Docker.ContainerStats): number {
  const cpuDelta = stats.cpu_stats.cpu_usage.total_usage - (stats.precpu_stats.cpu_usage?.total_usage ?? 0);
  const systemDelta = (stats.cpu_stats.system_cpu_usage ?? 0) - (stats.precpu_stats.system_cpu_usage ?? 0);
  const cpus = stats.cpu_stats.online_cpus || stats.cpu_stats.cpu_usage.percpu_usage?.length || 1;
  return cpuDelta > 0 && systemDelta > 0 ? Number(((cpuDelta / systemDelta) * cpus * 100).toFixed(2)) : 0;
}

/* Page cache is reclaimable: `docker stats` leaves it out of "usage" the same way. */
function memoryMb(stats: Docker.ContainerStats): number {
  const cache = stats.memory_stats.stats?.total_inactive_file ?? stats.memory_stats.stats?.inactive_file ?? 0;
  return Number((Math.max((stats.memory_stats.usage ?? 0) - cache, 0) / BYTES_PER_MB).toFixed(1));
}

/**
 * Measures what a heartbeat reports. CPU and network figures are differences, so the sampler
 * keeps the previous reading: network bytes are "since the previous heartbeat", as the
 * contract says.
 */
export class UsageSampler {
  private previousCpu: CpuTimes | null = null;
  private previousNetwork: { rx: number; tx: number } | null = null;
  private readonly startedAt = Date.now();

  constructor(
    private readonly docker: Docker,
    private readonly services: ServiceRegistry,
    private readonly edge?: EdgeRouter,
  ) {}

  async heartbeat(agentId: string): Promise<HeartbeatPayload> {
    const [cpu, memory, disk, network, containers, services, domains] = await Promise.all([
      this.cpuUsagePercent(),
      readMemory(),
      statfs('/'),
      this.networkSincePrevious(),
      this.docker.listContainers({ all: true }),
      this.serviceStatuses(),
      this.edge?.domainStatuses(),
    ]);
    const running = containers.filter((container) => container.State === 'running').length;
    return {
      agent_id: agentId,
      timestamp: new Date().toISOString(),
      uptime_seconds: Math.round((Date.now() - this.startedAt) / 1000),
      resources: {
        cpu_usage_percent: cpu,
        memory_used_mb: memory.usedMb,
        memory_available_mb: memory.availableMb,
        disk_used_gb: Number((((disk.blocks - disk.bfree) * disk.bsize) / BYTES_PER_GB).toFixed(2)),
        disk_available_gb: Number(((disk.bavail * disk.bsize) / BYTES_PER_GB).toFixed(2)),
        network_rx_bytes: network.rx,
        network_tx_bytes: network.tx,
      },
      containers: { running, stopped: containers.length - running, total: containers.length },
      services,
      ...(domains ? { domains } : {}),
    };
  }

  private async cpuUsagePercent(): Promise<number> {
    let previous = this.previousCpu;
    if (!previous) {
      previous = await readCpuTimes();
      await sleep(FIRST_CPU_SAMPLE_MS);
    }
    const current = await readCpuTimes();
    this.previousCpu = current;
    const total = current.total - previous.total;
    if (total <= 0) return 0;
    return Number(Math.min(Math.max((1 - (current.idle - previous.idle) / total) * 100, 0), 100).toFixed(1));
  }

  private async networkSincePrevious(): Promise<{ rx: number; tx: number }> {
    const current = await readNetworkTotals();
    const previous = this.previousNetwork ?? current;
    this.previousNetwork = current;
    // Counters restart from zero when an interface is recreated: report nothing rather than a negative.
    return { rx: Math.max(current.rx - previous.rx, 0), tx: Math.max(current.tx - previous.tx, 0) };
  }

  /** One status per managed container; stats are read once (not streamed) for running ones. */
  async serviceStatuses(): Promise<ServiceStatus[]> {
    const containers = await this.docker.listContainers({ all: true, filters: this.services.ownedFilter() });
    const statuses = await Promise.all(
      containers.map(async (summary): Promise<ServiceStatus | null> => {
        const serviceId = summary.Labels[LABEL.serviceId];
        if (!serviceId) return null;
        try {
          const container = this.docker.getContainer(summary.Id);
          const inspected = await container.inspect();
          const stats = inspected.State.Running ? await container.stats({ stream: false }) : null;
          const state = this.services.find(serviceId);
          const health = state?.health.get(summary.Id);
          return {
            service_id: serviceId,
            container_id: summary.Id,
            status: containerStatus(inspected.State.Status, inspected.State.ExitCode),
            health: health ?? 'unknown',
            cpu_percent: stats ? cpuPercent(stats) : 0,
            memory_mb: stats ? memoryMb(stats) : 0,
            restart_count: inspected.RestartCount + (state?.crashRestarts.get(summary.Id) ?? 0),
            started_at: new Date(inspected.State.StartedAt).toISOString(),
          };
        } catch {
          // Removed while we looked: it is not part of this heartbeat.
          return null;
        }
      }),
    );
    return statuses.filter((status): status is ServiceStatus => status !== null);
  }
}
