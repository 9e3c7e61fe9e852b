import { spanColumnsOf, type LogEntry, type MetricPoint, type SpanColumns, type TraceSpan } from '../../contracts/index.js';

/*
 * The contract's records as rows of the ClickHouse tables (db/clickhouse/schema.ts), in the form
 * the readers in db/clickhouse/ expect: `DateTime64(9)` as UTC text to the nanosecond, log
 * attributes as strings, an absent parent as ''. Span events are stored as JSON text, which
 * ClickHouse takes from the array as written (db/clickhouse/writer.ts). Spans travel as
 * columns (db/clickhouse/writer.ts, `jsonColumns`), the other records as rows.
 */

/** Columns of the `traces` table: the columns the contract's span columns map to, one value per span. */
export type SpanBlock = {
  trace_id: readonly string[];
  span_id: readonly string[];
  parent_span_id: readonly string[];
  service_id: readonly string[];
  deployment_id: readonly string[];
  operation_name: readonly string[];
  span_kind: readonly TraceSpan['span_kind'][];
  start_time: string[];
  duration_ns: readonly number[];
  status_code: readonly TraceSpan['status']['code'][];
  status_message: readonly string[];
  /** Numbers and booleans among the values are stored as the text JSON gives them (db/clickhouse/writer.ts). */
  attributes: readonly TraceSpan['attributes'][];
  events: readonly TraceSpan['events'][];
};

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

const nanosPerSecond = 1_000_000_000n;

/* Records of one batch are mostly within a few seconds of each other: the date and time of the last second is kept. */
let cachedSecond = Number.NaN;
let cachedPrefix = '';

/** `YYYY-MM-DD hh:mm:ss.nnnnnnnnn` in UTC. */
function clickhouseTime(seconds: number, nanos: bigint): string {
  if (seconds !== cachedSecond) {
    const whole = new Date(seconds * 1000).toISOString();
    cachedSecond = seconds;
    cachedPrefix = `${whole.slice(0, 10)} ${whole.slice(11, 19)}.`;
  }
  return cachedPrefix + nanos.toString().padStart(9, '0');
}

export function clickhouseTimeFromNanos(unixNanos: number): string {
  const value = BigInt(Math.trunc(unixNanos));
  return clickhouseTime(Number(value / nanosPerSecond), value % nanosPerSecond);
}

const isoParts = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})$/i;

/** An ISO 8601 time (any offset, up to nanoseconds) as ClickHouse text, every digit kept. */
export function clickhouseTimeFromIso(iso: string): string {
  const parts = isoParts.exec(iso);
  if (!parts) throw new Error(`not an ISO 8601 time: ${iso}`);
  const offset = parts[3]!.replace(/^([+-]\d{2})(\d{2})$/, '$1:$2');
  const seconds = Date.parse(`${parts[1]}${offset}`) / 1000;
  const fraction = (parts[2] ?? '').slice(0, 9).padEnd(9, '0');
  return clickhouseTime(seconds, BigInt(fraction));
}

function stringValues(record: Record<string, unknown>): Record<string, string> {
  const strings: Record<string, string> = {};
  for (const [key, value] of Object.entries(record)) strings[key] = typeof value === 'string' ? value : JSON.stringify(value);
  return strings;
}

/*
 * Columns are stored as they came, only times change form. Columns are named one by one: a key
 * the contract does not know never reaches the insert, where it would fail every batch sharing it.
 */
export function spanBlock(columns: SpanColumns): SpanBlock {
  const startTime = new Array<string>(columns.trace_id.length);
  for (let index = 0; index < startTime.length; index += 1) startTime[index] = clickhouseTimeFromNanos(columns.start_time_ns[index]!);
  return {
    trace_id: columns.trace_id,
    span_id: columns.span_id,
    parent_span_id: columns.parent_span_id,
    service_id: columns.service_id,
    deployment_id: columns.deployment_id,
    operation_name: columns.operation_name,
    span_kind: columns.span_kind,
    start_time: startTime,
    duration_ns: columns.duration_ns,
    status_code: columns.status_code,
    status_message: columns.status_message,
    attributes: columns.attributes,
    events: columns.events,
  };
}

/** Spans as a block of the `traces` table's columns, for tests and benchmarks that store them directly. */
export const spanBlockOf = (spans: readonly TraceSpan[]): SpanBlock => spanBlock(spanColumnsOf(spans));

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
