import type { ClickHouseClient } from '@clickhouse/client';
import type { ServiceRequestStats } from '../../contracts/index.js';

/*
 * The requests a service served, as its root spans (no parent) record them: count, failures and
 * latency percentiles per interval and over the whole window. FINAL counts each span once before
 * the ReplacingMergeTree merges a retried batch's repeats.
 */

export interface RequestStatsQuery {
  serviceId: string;
  /** Intervals starting in [from, to); `from` is rounded down to an interval's start. */
  from: Date;
  to: Date;
  bucketSeconds: number;
}

interface StatsRow {
  bucket_start: number;
  requests: string | number;
  errors: string | number;
  p50: number;
  p95: number;
  p99: number;
}

const nanosPerMs = 1e6;

const figures = `
  count() AS requests,
  countIf(status_code = 'error') AS errors,
  quantileExact(0.5)(duration_ns) / ${nanosPerMs} AS p50,
  quantileExact(0.95)(duration_ns) / ${nanosPerMs} AS p95,
  quantileExact(0.99)(duration_ns) / ${nanosPerMs} AS p99`;

const rootSpansInWindow = `
  FROM traces FINAL
  WHERE service_id = {serviceId:UUID} AND parent_span_id = ''
    AND start_time >= toStartOfInterval({from:DateTime64(3)}, INTERVAL {bucketSeconds:UInt32} SECOND)
    AND start_time < {to:DateTime64(3)}`;

export async function readRequestStats(client: ClickHouseClient, query: RequestStatsQuery): Promise<ServiceRequestStats> {
  const query_params = { serviceId: query.serviceId, from: query.from, to: query.to, bucketSeconds: query.bucketSeconds };
  const read = async (sql: string) => (await client.query({ query: sql, query_params, format: 'JSONEachRow' })).json<StatsRow>();
  // The window's percentiles come from every span, not from the intervals' (percentiles do not merge).
  const [points, [whole]] = await Promise.all([
    read(`
      SELECT toUnixTimestamp(toStartOfInterval(start_time, INTERVAL {bucketSeconds:UInt32} SECOND)) AS bucket_start, ${figures}
      ${rootSpansInWindow}
      GROUP BY bucket_start
      ORDER BY bucket_start`),
    read(`SELECT 0 AS bucket_start, ${figures} ${rootSpansInWindow}`),
  ]);
  const requests = Number(whole?.requests ?? 0);
  const errors = Number(whole?.errors ?? 0);
  const percentile = (value: number | undefined) => (requests > 0 && value !== undefined ? Number(value) : null);
  return {
    interval_seconds: query.bucketSeconds,
    requests,
    errors,
    error_rate: requests > 0 ? errors / requests : null,
    p50_ms: percentile(whole?.p50),
    p95_ms: percentile(whole?.p95),
    p99_ms: percentile(whole?.p99),
    points: points.map((row) => ({
      timestamp: new Date(Number(row.bucket_start) * 1000).toISOString(),
      requests: Number(row.requests),
      errors: Number(row.errors),
      p50_ms: Number(row.p50),
      p95_ms: Number(row.p95),
      p99_ms: Number(row.p99),
    })),
  };
}
