import type { ClickHouseClient } from '@clickhouse/client';

/*
 * A service's vital figures over a window, for the recommendation rules: memory use from the
 * agent's container metric, and request counts, failures and the slowest operations from its
 * spans (each span counted once before the ReplacingMergeTree merges repeats: FINAL).
 */

/** The agent's container memory gauge (agent/telemetry/container-metrics.ts, `CONTAINER_METRIC.memoryBytes`). */
const containerMemoryMetric = 'container.memory.usage_bytes';

export interface MemoryUse {
  p95Bytes: number;
  maxBytes: number;
  samples: number;
}

export async function memoryUse(client: ClickHouseClient, serviceId: string, since: Date): Promise<MemoryUse> {
  const result = await client.query({
    query: `
      SELECT quantile(0.95)(value) AS p95, max(value) AS peak, count() AS samples
      FROM metrics_raw
      WHERE service_id = {serviceId:UUID} AND metric_name = {metricName:String} AND timestamp >= {since:DateTime64(3)}`,
    query_params: { serviceId, metricName: containerMemoryMetric, since },
    format: 'JSONEachRow',
  });
  const [row] = await result.json<{ p95: number | null; peak: number | null; samples: string | number }>();
  return { p95Bytes: Number(row?.p95 ?? 0), maxBytes: Number(row?.peak ?? 0), samples: Number(row?.samples ?? 0) };
}

export interface OperationLatency {
  operation: string;
  requests: number;
  errors: number;
  p95Ms: number;
}

/** Root spans (the requests the service served) per operation, slowest p95 first. */
export async function operationLatencies(client: ClickHouseClient, serviceId: string, since: Date, limit: number): Promise<OperationLatency[]> {
  const result = await client.query({
    query: `
      SELECT operation_name AS operation, count() AS requests, countIf(status_code = 'error') AS errors,
        quantile(0.95)(duration_ns) / 1e6 AS p95_ms
      FROM traces FINAL
      WHERE service_id = {serviceId:UUID} AND start_time >= {since:DateTime64(3)} AND parent_span_id = ''
      GROUP BY operation_name
      ORDER BY p95_ms DESC
      LIMIT {limit:UInt32}`,
    query_params: { serviceId, since, limit },
    format: 'JSONEachRow',
  });
  const rows = await result.json<{ operation: string; requests: string | number; errors: string | number; p95_ms: number }>();
  return rows.map((row) => ({ operation: row.operation, requests: Number(row.requests), errors: Number(row.errors), p95Ms: Number(row.p95_ms) }));
}
