import type { ClickHouseClient } from '@clickhouse/client';
import type { MetricPoint } from '../../contracts/index.js';

/*
 * The metric tables: `metrics_raw` (a point as written, `MetricRow`), and the per-minute rollup
 * `metrics_1m` that its view `metrics_1m_mv` fills, which every read uses (below, and
 * metric-series.ts).
 *
 * Corrections to the contract (ARCHITECTURE.md, "Corrections to the contract", and db/README.md):
 * - `metrics_1m_mv` groups by its `timestamp` alias: the contract's `GROUP BY toStartOfMinute(timestamp)`
 *   refers to a column the alias shadows and fails with error 215 (NOT_AN_AGGREGATE).
 * - `metrics_1m` is an AggregatingMergeTree of SimpleAggregateFunction columns instead of a
 *   SummingMergeTree, which adds up min and max (and averages) whenever two parts merge. `avg_value`
 *   is gone: the average is sum_value / count, computed when reading.
 * - `metrics_1m` sorts by every column the view groups by. Rows that share a sorting key are merged
 *   into one, and a column outside the key keeps an arbitrary row's value, so with the contract's
 *   key two servers reporting the same metric in the same minute would be merged under one server_id.
 *   The contract's key stays the prefix, so its queries use the primary index as before.
 */

export const metricsRawTable = `CREATE TABLE IF NOT EXISTS metrics_raw (
    timestamp DateTime CODEC(Delta, ZSTD(1)),
    service_id UUID,
    server_id UUID,
    metric_name String,
    metric_type Enum8('gauge' = 0, 'counter' = 1, 'histogram' = 2),
    value Float64 CODEC(Gorilla, ZSTD(1)),
    labels Map(String, String) CODEC(ZSTD(1))
  ) ENGINE = MergeTree()
  PARTITION BY toYYYYMM(timestamp)
  ORDER BY (service_id, metric_name, timestamp)
  TTL timestamp + INTERVAL 7 DAY
  SETTINGS index_granularity = 8192`;

export const metricsMinuteTable = `CREATE TABLE IF NOT EXISTS metrics_1m (
    timestamp DateTime CODEC(Delta, ZSTD(1)),
    service_id UUID,
    server_id UUID,
    metric_name String,
    metric_type Enum8('gauge' = 0, 'counter' = 1, 'histogram' = 2),
    min_value SimpleAggregateFunction(min, Float64),
    max_value SimpleAggregateFunction(max, Float64),
    sum_value SimpleAggregateFunction(sum, Float64),
    count SimpleAggregateFunction(sum, UInt64),
    labels Map(String, String) CODEC(ZSTD(1))
  ) ENGINE = AggregatingMergeTree()
  PARTITION BY toYYYYMM(timestamp)
  ORDER BY (service_id, metric_name, timestamp, labels, server_id, metric_type)
  TTL timestamp + INTERVAL 30 DAY`;

/*
 * Each INSERT into metrics_raw becomes one block of rows here, one per minute and series; merges
 * of metrics_1m (or a GROUP BY when reading) combine the blocks.
 */
export const metricsMinuteView = `CREATE MATERIALIZED VIEW IF NOT EXISTS metrics_1m_mv TO metrics_1m AS
  SELECT
    toStartOfMinute(timestamp) AS timestamp,
    service_id,
    server_id,
    metric_name,
    metric_type,
    min(value) AS min_value,
    max(value) AS max_value,
    sum(value) AS sum_value,
    count() AS count,
    labels
  FROM metrics_raw
  GROUP BY timestamp, service_id, server_id, metric_name, metric_type, labels`;

/** A point as written to `metrics_raw`, with the reporting server's id (`MetricPoint` has none). */
export interface MetricRow {
  /** Unix seconds: `metrics_raw.timestamp` is a DateTime, and a number needs no time zone. */
  timestamp: number;
  service_id: string;
  server_id: string;
  metric_name: string;
  metric_type: MetricPoint['type'];
  value: number;
  labels: Record<string, string>;
}

export function metricRow(point: MetricPoint, serverId: string): MetricRow {
  return {
    timestamp: Math.floor(Date.parse(point.timestamp) / 1000),
    service_id: point.service_id,
    server_id: serverId,
    metric_name: point.name,
    metric_type: point.type,
    value: point.value,
    labels: point.labels,
  };
}

/* A point is known by its series, time and value. */
const metricKey = (row: Pick<MetricRow, 'service_id' | 'metric_name' | 'timestamp' | 'value'>) =>
  `${row.service_id}/${row.metric_name}/${row.timestamp}/${row.value}`;

/**
 * The points of `rows` (all of one server) not in `metrics_raw` yet. A batch whose first attempt was
 * cut short may have some of its rows stored already (an insert can succeed and the process die
 * before the batch is marked stored); its retry writes only the others. Only interrupted batches
 * pay for this read.
 */
export async function withoutStoredMetrics(client: ClickHouseClient, rows: MetricRow[]): Promise<MetricRow[]> {
  if (rows.length === 0) return rows;
  const times = rows.map((row) => row.timestamp);
  const result = await client.query({
    query: `SELECT toString(service_id) AS service_text, metric_name, toUnixTimestamp(timestamp) AS unix_seconds, value FROM metrics_raw
      WHERE server_id = {server:UUID} AND service_id IN {services:Array(UUID)}
        AND timestamp BETWEEN toDateTime({from:UInt32}) AND toDateTime({to:UInt32})`,
    query_params: {
      server: rows[0]!.server_id,
      services: [...new Set(rows.map((row) => row.service_id))],
      from: times.reduce((a, b) => Math.min(a, b)),
      to: times.reduce((a, b) => Math.max(a, b)),
    },
    format: 'JSONEachRow',
  });
  const stored = new Set(
    (await result.json<{ service_text: string; metric_name: string; unix_seconds: number | string; value: number }>()).map((row) =>
      metricKey({ service_id: row.service_text, metric_name: row.metric_name, timestamp: Number(row.unix_seconds), value: row.value }),
    ),
  );
  return rows.filter((row) => !stored.has(metricKey(row)));
}

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
