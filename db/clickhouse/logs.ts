import type { ClickHouseClient } from '@clickhouse/client';
import { LogLevel, type LogEntry } from '../../contracts/index.js';
import { clickhouseTimeFromIso, isoFromNanos } from './datetime64.js';

/*
 * The `logs` table: its DDL, a line as written (`LogRow`) and as read (`SelectedLog`), and the
 * queries that read it.
 */

/*
 * tokenbf_v1(filter bytes per granule, hash functions, seed): 8192 log lines hold thousands to
 * tens of thousands of distinct tokens; 32 KiB and 3 hashes keep false positives to a few percent.
 */
export const logsTable = `CREATE TABLE IF NOT EXISTS logs (
    timestamp DateTime64(9, 'UTC') CODEC(Delta, ZSTD(1)),
    service_id UUID,
    deployment_id UUID,
    level Enum8('trace' = 0, 'debug' = 1, 'info' = 2, 'warn' = 3, 'error' = 4, 'fatal' = 5),
    message String CODEC(ZSTD(1)),
    attributes Map(String, String) CODEC(ZSTD(1)),
    trace_id Nullable(String) CODEC(ZSTD(1)),
    span_id Nullable(String) CODEC(ZSTD(1)),
    source Enum8('stdout' = 0, 'stderr' = 1, 'sdk' = 2),

    INDEX idx_logs_message message TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 1,
    INDEX idx_logs_trace_id trace_id TYPE bloom_filter(0.001) GRANULARITY 1
  ) ENGINE = MergeTree()
  PARTITION BY toYYYYMM(timestamp)
  ORDER BY (service_id, timestamp)
  TTL timestamp + INTERVAL 30 DAY
  SETTINGS index_granularity = 8192`;

/** A log line as written: the time as ClickHouse time text (datetime64.ts), attribute values as strings. */
export interface LogRow {
  timestamp: string;
  service_id: string;
  deployment_id: string;
  level: LogEntry['level'];
  message: string;
  attributes: Record<string, string>;
  trace_id: string | null;
  span_id: string | null;
  source: LogEntry['source'];
}

export function logRow(entry: LogEntry): LogRow {
  return {
    timestamp: clickhouseTimeFromIso(entry.timestamp),
    service_id: entry.service_id,
    deployment_id: entry.deployment_id,
    level: entry.level,
    message: entry.message,
    attributes: stringValues(entry.attributes),
    trace_id: entry.trace_id ?? null,
    span_id: entry.span_id ?? null,
    source: entry.source,
  };
}

function stringValues(record: Record<string, unknown>): Record<string, string> {
  const strings: Record<string, string> = {};
  for (const [key, value] of Object.entries(record)) strings[key] = typeof value === 'string' ? value : JSON.stringify(value);
  return strings;
}

/* Log lines have no id: a line is known by its service, time and message. */
const logKey = (row: Pick<LogRow, 'service_id' | 'timestamp' | 'message'>) => `${row.service_id}/${row.timestamp}/${row.message}`;

/**
 * The lines of `rows` not in `logs` yet. A batch whose first attempt was cut short may have some of
 * its rows stored already (an insert can succeed and the process die before the batch is marked
 * stored); its retry writes only the others. Only interrupted batches pay for this read.
 */
export async function withoutStoredLogs(client: ClickHouseClient, rows: LogRow[]): Promise<LogRow[]> {
  if (rows.length === 0) return rows;
  const times = rows.map((row) => row.timestamp).sort();
  const result = await client.query({
    // Aliases differ from the columns: an alias named like a column replaces it in WHERE too.
    query: `SELECT toString(service_id) AS service_text, toString(timestamp) AS time_text, message FROM logs
      WHERE service_id IN {services:Array(UUID)} AND timestamp BETWEEN {from:DateTime64(9, 'UTC')} AND {to:DateTime64(9, 'UTC')}`,
    query_params: { services: [...new Set(rows.map((row) => row.service_id))], from: times[0], to: times.at(-1) },
    format: 'JSONEachRow',
  });
  const stored = new Set(
    (await result.json<{ service_text: string; time_text: string; message: string }>()).map((row) =>
      logKey({ service_id: row.service_text, timestamp: row.time_text, message: row.message }),
    ),
  );
  return rows.filter((row) => !stored.has(logKey(row)));
}

/**
 * Where the previous page ended. Log lines have no id, so a page continues at the last line's
 * timestamp, skipping the lines of that very nanosecond it already showed; lines of one nanosecond
 * are sorted by every column, so that skip is stable from one page to the next.
 */
export interface LogPosition {
  nanos: string;
  skip: number;
}

export interface LogSearch {
  serviceId: string;
  from?: Date;
  to?: Date;
  /** This level and the more severe ones. */
  minLevel?: LogEntry['level'];
  /** Text the message contains, any case. */
  text?: string;
  traceId?: string;
  after?: LogPosition;
  limit: number;
}

/** A log line as read: ids as text, the time as Unix nanoseconds (datetime64.ts), which a cursor keeps whole. */
type SelectedLog = Omit<LogRow, 'timestamp' | 'service_id' | 'deployment_id'> & {
  nanos: string;
  service_text: string;
  deployment_text: string;
};

/* What every log read selects: a `SelectedLog`. */
const logColumns = `toString(toUnixTimestamp64Nano(timestamp)) AS nanos, toString(service_id) AS service_text,
  toString(deployment_id) AS deployment_text, level, message, attributes, trace_id, span_id, source`;

/** A service's log lines, newest first, and where the next page starts (undefined on the last page). */
export async function searchLogs(
  client: ClickHouseClient,
  search: LogSearch,
): Promise<{ entries: LogEntry[]; next: LogPosition | undefined }> {
  const where = ['service_id = {serviceId:UUID}'];
  if (search.from) where.push('timestamp >= {from:DateTime64(3)}');
  if (search.to) where.push('timestamp < {to:DateTime64(3)}');
  // The table's Enum8 numbers the levels in LogLevel's order, least severe first.
  if (search.minLevel) where.push("CAST(level, 'Int8') >= {minLevel:Int8}");
  if (search.text) where.push('positionCaseInsensitiveUTF8(message, {text:String}) > 0');
  if (search.traceId) where.push('trace_id = {traceId:String}');
  if (search.after) where.push('timestamp <= fromUnixTimestamp64Nano({afterNanos:Int64})');
  const result = await client.query({
    query: `
      SELECT ${logColumns}
      FROM logs
      WHERE ${where.join(' AND ')}
      ORDER BY timestamp DESC, deployment_id, level, source, message, trace_id, span_id, cityHash64(toString(attributes))
      LIMIT {limit:UInt32} OFFSET {skip:UInt32}`,
    query_params: {
      serviceId: search.serviceId,
      ...(search.from ? { from: search.from } : {}),
      ...(search.to ? { to: search.to } : {}),
      ...(search.minLevel ? { minLevel: LogLevel.options.indexOf(search.minLevel) } : {}),
      ...(search.text ? { text: search.text } : {}),
      ...(search.traceId ? { traceId: search.traceId } : {}),
      ...(search.after ? { afterNanos: search.after.nanos } : {}),
      // One more than asked for, to know whether a next page exists.
      limit: search.limit + 1,
      skip: search.after?.skip ?? 0,
    },
    format: 'JSONEachRow',
  });
  const rows = await result.json<SelectedLog>();
  const page = rows.slice(0, search.limit);
  const last = page.at(-1);
  const next =
    rows.length > search.limit && last
      ? {
          nanos: last.nanos,
          skip:
            page.filter((row) => row.nanos === last.nanos).length +
            (search.after?.nanos === last.nanos ? search.after.skip : 0),
        }
      : undefined;
  return { entries: page.map(logEntry), next };
}

function logEntry(row: SelectedLog): LogEntry {
  return {
    timestamp: isoFromNanos(row.nanos),
    service_id: row.service_text,
    deployment_id: row.deployment_text,
    level: row.level,
    message: row.message,
    attributes: row.attributes,
    ...(row.trace_id ? { trace_id: row.trace_id } : {}),
    ...(row.span_id ? { span_id: row.span_id } : {}),
    source: row.source,
  };
}

/**
 * A live tail's next lines: those of the service timestamped after `afterNanos`, oldest first,
 * with the newest timestamp among them (the next call's `afterNanos`).
 */
export async function logsAfter(
  client: ClickHouseClient,
  serviceId: string,
  afterNanos: string,
  limit: number,
): Promise<{ entries: LogEntry[]; lastNanos: string }> {
  const result = await client.query({
    query: `
      SELECT ${logColumns}
      FROM logs
      WHERE service_id = {serviceId:UUID} AND timestamp > fromUnixTimestamp64Nano({afterNanos:Int64})
      ORDER BY timestamp
      LIMIT {limit:UInt32}`,
    query_params: { serviceId, afterNanos, limit },
    format: 'JSONEachRow',
  });
  const rows = await result.json<SelectedLog>();
  return { entries: rows.map(logEntry), lastNanos: rows.at(-1)?.nanos ?? afterNanos };
}

/** Where a live tail of the service starts: its newest stored line's timestamp (0 when it has none). */
export async function newestLogNanos(client: ClickHouseClient, serviceId: string): Promise<string> {
  const result = await client.query({
    query: 'SELECT toString(toUnixTimestamp64Nano(max(timestamp))) AS nanos FROM logs WHERE service_id = {serviceId:UUID}',
    query_params: { serviceId },
    format: 'JSONEachRow',
  });
  return (await result.json<{ nanos: string }>())[0]?.nanos ?? '0';
}
