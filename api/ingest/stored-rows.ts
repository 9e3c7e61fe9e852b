import type { ClickHouseClient } from '@clickhouse/client';
import { selectSpans, type SpanColumns } from '../../contracts/index.js';
import type { LogRow, MetricRow } from './clickhouse-rows.js';

/*
 * A batch whose first attempt was cut short may have some of its rows in ClickHouse already (an
 * insert can succeed and the process die before the batch is marked stored). Its retry asks
 * ClickHouse which rows are there and writes only the others. Only interrupted batches pay for
 * these reads; a batch seen for the first time, or already stored, never does.
 */

const spanKey = (traceId: string, spanId: string) => `${traceId}/${spanId}`;
export const logKey = (row: Pick<LogRow, 'service_id' | 'timestamp' | 'message'>) => `${row.service_id}/${row.timestamp}/${row.message}`;
export const metricKey = (row: Pick<MetricRow, 'service_id' | 'metric_name' | 'timestamp' | 'value'>) =>
  `${row.service_id}/${row.metric_name}/${row.timestamp}/${row.value}`;

const distinct = <T>(values: T[]) => [...new Set(values)];

export async function withoutStoredSpans(client: ClickHouseClient, blocks: SpanColumns[]): Promise<SpanColumns[]> {
  if (blocks.length === 0) return blocks;
  const stored = await keysOf(client, {
    query: `SELECT trace_id, span_id FROM traces
      WHERE service_id IN {services:Array(UUID)} AND trace_id IN {traces:Array(String)}`,
    query_params: { services: distinct(blocks.flatMap((block) => block.service_id)), traces: distinct(blocks.flatMap((block) => block.trace_id)) },
  }, (row: { trace_id: string; span_id: string }) => spanKey(row.trace_id, row.span_id));
  return blocks.map((block) => selectSpans(block, (index) => !stored.has(spanKey(block.trace_id[index]!, block.span_id[index]!))));
}

export async function withoutStoredLogs(client: ClickHouseClient, rows: LogRow[]): Promise<LogRow[]> {
  if (rows.length === 0) return rows;
  const times = rows.map((row) => row.timestamp).sort();
  const stored = await keysOf(client, {
    // Aliases differ from the columns: an alias named like a column replaces it in WHERE too.
    query: `SELECT toString(service_id) AS service_text, toString(timestamp) AS time_text, message FROM logs
      WHERE service_id IN {services:Array(UUID)} AND timestamp BETWEEN {from:DateTime64(9, 'UTC')} AND {to:DateTime64(9, 'UTC')}`,
    query_params: { services: distinct(rows.map((row) => row.service_id)), from: times[0], to: times.at(-1) },
  }, (row: { service_text: string; time_text: string; message: string }) =>
    logKey({ service_id: row.service_text, timestamp: row.time_text, message: row.message }),
  );
  return rows.filter((row) => !stored.has(logKey(row)));
}

export async function withoutStoredMetrics(client: ClickHouseClient, rows: MetricRow[]): Promise<MetricRow[]> {
  if (rows.length === 0) return rows;
  const times = rows.map((row) => row.timestamp);
  const stored = await keysOf(client, {
    query: `SELECT toString(service_id) AS service_text, metric_name, toUnixTimestamp(timestamp) AS unix_seconds, value FROM metrics_raw
      WHERE server_id = {server:UUID} AND service_id IN {services:Array(UUID)}
        AND timestamp BETWEEN toDateTime({from:UInt32}) AND toDateTime({to:UInt32})`,
    query_params: {
      server: rows[0]!.server_id,
      services: distinct(rows.map((row) => row.service_id)),
      from: times.reduce((a, b) => Math.min(a, b)),
      to: times.reduce((a, b) => Math.max(a, b)),
    },
  }, (row: { service_text: string; metric_name: string; unix_seconds: number | string; value: number }) =>
    metricKey({ service_id: row.service_text, metric_name: row.metric_name, timestamp: Number(row.unix_seconds), value: row.value }),
  );
  return rows.filter((row) => !stored.has(metricKey(row)));
}

async function keysOf<Row>(
  client: ClickHouseClient,
  query: { query: string; query_params: Record<string, unknown> },
  key: (row: Row) => string,
): Promise<Set<string>> {
  const result = await client.query({ ...query, format: 'JSONEachRow' });
  return new Set((await result.json<Row>()).map(key));
}
