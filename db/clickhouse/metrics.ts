import type { ClickHouseClient } from '@clickhouse/client';

export interface MinuteMetricsQuery {
  serviceId: string;
  metricName: string;
  /** Minutes overlapping [from, to) are returned. */
  from: Date;
  to: Date;
}

export interface MinuteMetric {
  /** Start of the minute. */
  timestamp: Date;
  min: number;
  max: number;
  avg: number;
  sum: number;
  count: number;
}

/**
 * One row per minute for a service's metric, across all its label sets and servers.
 * `metrics_1m` may hold several not-yet-merged rows for a minute (one per insert block), so the
 * query always merges them with the function each column aggregates with; the average is derived
 * from sum and count because averages of parts cannot be combined.
 */
export async function readMinuteMetrics(client: ClickHouseClient, query: MinuteMetricsQuery): Promise<MinuteMetric[]> {
  const result = await client.query({
    query: `
      SELECT
        toUnixTimestamp(timestamp) AS minute_start,
        min(min_value) AS minute_min,
        max(max_value) AS minute_max,
        sum(sum_value) AS minute_sum,
        sum(count) AS minute_count
      FROM metrics_1m
      WHERE service_id = {serviceId:UUID}
        AND metric_name = {metricName:String}
        AND timestamp >= toStartOfMinute({from:DateTime64(3)})
        AND timestamp < {to:DateTime64(3)}
      GROUP BY timestamp
      ORDER BY timestamp`,
    query_params: { serviceId: query.serviceId, metricName: query.metricName, from: query.from, to: query.to },
    format: 'JSONEachRow',
  });
  // A ClickHouse server quotes 64-bit integers in JSON; chDB does not.
  const rows = await result.json<{
    minute_start: number;
    minute_min: number;
    minute_max: number;
    minute_sum: number;
    minute_count: string | number;
  }>();
  return rows.map((row) => {
    const count = Number(row.minute_count);
    return {
      timestamp: new Date(row.minute_start * 1000),
      min: row.minute_min,
      max: row.minute_max,
      avg: row.minute_sum / count,
      sum: row.minute_sum,
      count,
    };
  });
}
