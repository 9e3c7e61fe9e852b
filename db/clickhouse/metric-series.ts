import type { ClickHouseClient } from '@clickhouse/client';
import type { MetricBucket, MetricSeries, MetricType } from '../../contracts/index.js';

/** Rows of this id carry no service or server: the agent reports host metrics with the nil UUID as service_id. */
export const NIL_UUID = '00000000-0000-0000-0000-000000000000';

export interface MetricSeriesQuery {
  /** Whose metrics: a service's, or a server's (every service on it, and the host itself). */
  owner: { serviceId: string } | { serverId: string };
  /** Absent: every metric. */
  names?: readonly string[];
  /** Only these services' series (host series carry the nil UUID); absent: every service's. */
  serviceIds?: readonly string[];
  /** Buckets starting in [from, to) are returned; `from` is rounded down to a bucket start. */
  from: Date;
  to: Date;
  bucketSeconds: number;
}

interface BucketRow {
  metric_name: string;
  metric_type: MetricType;
  service_text: string;
  server_text: string;
  labels: Record<string, string>;
  bucket_start: number;
  bucket_min: number;
  bucket_max: number;
  bucket_sum: number;
  bucket_count: string | number;
}

/**
 * Series from the `metrics_1m` rollup, one per metric, type, service, server and label set,
 * re-bucketed to `bucketSeconds`. Unmerged parts of a minute are merged here with each column's
 * own aggregate, and the average is sum / count (ARCHITECTURE correction 2).
 */
export async function readMetricSeries(client: ClickHouseClient, query: MetricSeriesQuery): Promise<MetricSeries[]> {
  const ownerCondition = 'serviceId' in query.owner ? 'service_id = {ownerId:UUID}' : 'server_id = {ownerId:UUID}';
  const ownerId = 'serviceId' in query.owner ? query.owner.serviceId : query.owner.serverId;
  const nameCondition = query.names ? 'AND metric_name IN {names:Array(String)}' : '';
  const serviceCondition = query.serviceIds ? 'AND service_id IN {serviceIds:Array(UUID)}' : '';
  const result = await client.query({
    query: `
      SELECT
        metric_name, metric_type, toString(service_id) AS service_text, toString(server_id) AS server_text, labels,
        toUnixTimestamp(toStartOfInterval(timestamp, INTERVAL {bucketSeconds:UInt32} SECOND)) AS bucket_start,
        min(min_value) AS bucket_min,
        max(max_value) AS bucket_max,
        sum(sum_value) AS bucket_sum,
        sum(count) AS bucket_count
      FROM metrics_1m
      WHERE ${ownerCondition} ${nameCondition} ${serviceCondition}
        AND timestamp >= toStartOfInterval({from:DateTime64(3)}, INTERVAL {bucketSeconds:UInt32} SECOND)
        AND timestamp < {to:DateTime64(3)}
      GROUP BY metric_name, metric_type, service_id, server_id, labels, bucket_start
      ORDER BY metric_name, metric_type, service_id, server_id, labels, bucket_start`,
    query_params: {
      ownerId,
      ...(query.names ? { names: query.names } : {}),
      ...(query.serviceIds ? { serviceIds: query.serviceIds } : {}),
      from: query.from,
      to: query.to,
      bucketSeconds: query.bucketSeconds,
    },
    format: 'JSONEachRow',
  });
  const series = new Map<string, MetricSeries>();
  for (const row of await result.json<BucketRow>()) {
    const key = JSON.stringify([row.metric_name, row.metric_type, row.service_text, row.server_text, row.labels]);
    let entry = series.get(key);
    if (!entry) {
      entry = {
        name: row.metric_name,
        type: row.metric_type,
        service_id: row.service_text === NIL_UUID ? null : row.service_text,
        server_id: row.server_text === NIL_UUID ? null : row.server_text,
        labels: row.labels,
        points: [],
      };
      series.set(key, entry);
    }
    entry.points.push(bucket(row));
  }
  return [...series.values()];
}

function bucket(row: BucketRow): MetricBucket {
  const count = Number(row.bucket_count);
  return {
    timestamp: new Date(row.bucket_start * 1000).toISOString(),
    min: row.bucket_min,
    max: row.bucket_max,
    avg: row.bucket_sum / count,
    sum: row.bucket_sum,
    count,
  };
}
