import type { HeartbeatPayload } from '../../contracts/index.js';
import { NIL_UUID } from '../../db/clickhouse/metric-series.js';
import type { MetricRow } from '../../db/clickhouse/metrics.js';

/*
 * A server's own CPU, memory, disk and network, from each heartbeat's `resources`, as `metrics_raw`
 * rows: the host's series, which `GET /servers/:id/metrics` shows beside its containers'
 * (`container.*`, named by the agent: agent/telemetry/container-metrics.ts). A host row belongs to
 * no service, so its `service_id` is the nil UUID, as the metric readers expect (metric-series.ts).
 * Sizes are in bytes like the containers', converted from the heartbeat's MiB and GiB (its memory
 * to the MiB, its disk to the hundredth of a GiB).
 */
export const HOST_METRIC = {
  cpuPercent: 'host.cpu.usage_percent',
  memoryUsedBytes: 'host.memory.used_bytes',
  memoryAvailableBytes: 'host.memory.available_bytes',
  diskUsedBytes: 'host.disk.used_bytes',
  diskAvailableBytes: 'host.disk.available_bytes',
  /*
   * Counters of the bytes since the previous heartbeat (the contract's figure), not running totals
   * like `container.network.*`: a bucket's `sum` is the traffic within it.
   */
  networkRxBytes: 'host.network.rx_bytes',
  networkTxBytes: 'host.network.tx_bytes',
} as const;

const bytesPerMib = 1024 ** 2;
const bytesPerGib = 1024 ** 3;

export function hostMetricRows(serverId: string, heartbeat: HeartbeatPayload): MetricRow[] {
  const { resources } = heartbeat;
  const timestamp = Math.floor(Date.parse(heartbeat.timestamp) / 1000);
  const row = (metricName: string, metricType: MetricRow['metric_type'], value: number): MetricRow => ({
    timestamp,
    service_id: NIL_UUID,
    server_id: serverId,
    metric_name: metricName,
    metric_type: metricType,
    value,
    labels: {},
  });
  return [
    row(HOST_METRIC.cpuPercent, 'gauge', resources.cpu_usage_percent),
    row(HOST_METRIC.memoryUsedBytes, 'gauge', resources.memory_used_mb * bytesPerMib),
    row(HOST_METRIC.memoryAvailableBytes, 'gauge', resources.memory_available_mb * bytesPerMib),
    row(HOST_METRIC.diskUsedBytes, 'gauge', Math.round(resources.disk_used_gb * bytesPerGib)),
    row(HOST_METRIC.diskAvailableBytes, 'gauge', Math.round(resources.disk_available_gb * bytesPerGib)),
    row(HOST_METRIC.networkRxBytes, 'counter', resources.network_rx_bytes),
    row(HOST_METRIC.networkTxBytes, 'counter', resources.network_tx_bytes),
  ];
}
