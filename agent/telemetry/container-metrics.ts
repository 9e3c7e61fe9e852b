import type Docker from 'dockerode';
import type { Logger } from 'pino';
import type { MetricPoint } from '../../contracts/index.js';
import { messageOf } from '../errors.js';
import { LABEL } from '../runtime/docker.js';
import type { ServiceRegistry } from '../runtime/service-registry.js';
import type { TelemetryRecords } from './telemetry-data.js';

export const CONTAINER_METRICS_INTERVAL_MS = 15_000;

/*
 * Counters are Docker's running totals (the control plane derives rates from them, and they
 * survive a missed sample); memory is a gauge without reclaimable page cache, as `docker stats`
 * shows it.
 */
export const CONTAINER_METRIC = {
  cpuSeconds: 'container.cpu.usage_seconds',
  memoryBytes: 'container.memory.usage_bytes',
  networkRxBytes: 'container.network.rx_bytes',
  networkTxBytes: 'container.network.tx_bytes',
} as const;

/** CPU, memory and network of every running managed container, every CONTAINER_METRICS_INTERVAL_MS, as MetricPoints. */
export class ContainerMetricsCollector {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly docker: Docker,
    private readonly services: ServiceRegistry,
    private readonly offer: (records: TelemetryRecords) => void,
    private readonly log: Logger,
    private readonly intervalMs: number = CONTAINER_METRICS_INTERVAL_MS,
  ) {}

  start(): void {
    if (this.timer) return;
    const loop = () => {
      void this.sample().finally(() => {
        if (this.timer) this.timer = setTimeout(loop, this.intervalMs);
      });
    };
    this.timer = setTimeout(loop, this.intervalMs);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  async sample(): Promise<void> {
    try {
      const containers = await this.docker.listContainers({ filters: this.services.ownedFilter() });
      const metrics = (await Promise.all(containers.map((container) => this.containerMetrics(container)))).flat();
      if (metrics.length > 0) this.offer({ metrics });
    } catch (error) {
      this.log.debug(`container metrics: ${messageOf(error)}`);
    }
  }

  private async containerMetrics(container: Docker.ContainerInfo): Promise<MetricPoint[]> {
    const serviceId = container.Labels[LABEL.serviceId];
    if (!serviceId) return [];
    // one-shot: one reading now instead of Docker's two readings a second apart.
    const stats = await this.docker
      .getContainer(container.Id)
      .stats({ stream: false, 'one-shot': true } as { stream: false })
      .catch(() => null);
    if (!stats) return [];
    const timestamp = new Date().toISOString();
    const labels = {
      container_id: container.Id.slice(0, 12),
      deployment_id: container.Labels[LABEL.deploymentId] ?? '',
      replica: container.Labels[LABEL.replica] ?? '',
    };
    const cache = stats.memory_stats.stats?.total_inactive_file ?? stats.memory_stats.stats?.inactive_file ?? 0;
    const networks = Object.values(stats.networks ?? {});
    const point = (name: string, type: MetricPoint['type'], value: number): MetricPoint => ({ timestamp, service_id: serviceId, name, type, value, labels });
    return [
      point(CONTAINER_METRIC.cpuSeconds, 'counter', (stats.cpu_stats.cpu_usage.total_usage ?? 0) / 1e9),
      point(CONTAINER_METRIC.memoryBytes, 'gauge', Math.max((stats.memory_stats.usage ?? 0) - cache, 0)),
      point(CONTAINER_METRIC.networkRxBytes, 'counter', networks.reduce((sum, network) => sum + network.rx_bytes, 0)),
      point(CONTAINER_METRIC.networkTxBytes, 'counter', networks.reduce((sum, network) => sum + network.tx_bytes, 0)),
    ];
  }
}
