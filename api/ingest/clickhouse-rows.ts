import type { LogEntry, MetricPoint, TraceSpan } from '../../contracts/index.js';

/*
 * The contract's records as rows of the ClickHouse tables (db/clickhouse/schema.ts), in the form
 * the readers in db/clickhouse/ expect: `DateTime64(9)` as UTC text to the nanosecond, span
 * attributes as strings, span events as JSON text, an absent parent as ''.
 */

export interface SpanRow {
  trace_id: string;
  span_id: string;
  parent_span_id: string;
  service_id: string;
  deployment_id: string;
  operation_name: string;
  span_kind: TraceSpan['span_kind'];
  start_time: string;
  duration_ns: number;
  status_code: TraceSpan['status']['code'];
  status_message: string;
  attributes: Record<string, string>;
  events: string;
}

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

export function spanRow(span: TraceSpan): SpanRow {
  return {
    trace_id: span.trace_id,
    span_id: span.span_id,
    parent_span_id: span.parent_span_id ?? '',
    service_id: span.service_id,
    deployment_id: span.deployment_id,
    operation_name: span.operation_name,
    span_kind: span.span_kind,
    start_time: clickhouseTimeFromNanos(span.start_time_ns),
    duration_ns: span.duration_ns,
    status_code: span.status.code,
    status_message: span.status.message ?? '',
    attributes: stringValues(span.attributes),
    events: span.events.length === 0 ? '[]' : JSON.stringify(span.events),
  };
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
