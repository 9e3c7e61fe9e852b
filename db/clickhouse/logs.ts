import type { ClickHouseClient } from '@clickhouse/client';
import { LogLevel, type LogEntry } from '../../contracts/index.js';
import { isoFromNanos } from './nanoseconds.js';

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
  after?: LogPosition;
  limit: number;
}

interface LogRow {
  nanos: string;
  service_text: string;
  deployment_text: string;
  level: LogEntry['level'];
  message: string;
  attributes: Record<string, string>;
  trace_id: string | null;
  span_id: string | null;
  source: LogEntry['source'];
}

/* What every log read selects: a `LogRow`. */
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
      ...(search.after ? { afterNanos: search.after.nanos } : {}),
      // One more than asked for, to know whether a next page exists.
      limit: search.limit + 1,
      skip: search.after?.skip ?? 0,
    },
    format: 'JSONEachRow',
  });
  const rows = await result.json<LogRow>();
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

function logEntry(row: LogRow): LogEntry {
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
  const rows = await result.json<LogRow>();
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
