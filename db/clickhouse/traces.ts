import type { ClickHouseClient } from '@clickhouse/client';
import { SpanEvent, type TraceSpan, type TraceSummary } from '../../contracts/index.js';
import { isoFromNanos } from './nanoseconds.js';

/** A trace larger than this is cut at its first spans: the UI cannot show more, and the query stays bounded. */
export const MAX_TRACE_SPANS = 10_000;

export interface TraceSearch {
  serviceId: string;
  from?: Date;
  to?: Date;
  minDurationNs?: number;
  maxDurationNs?: number;
  /** error: some span failed; ok: none did. */
  status?: 'ok' | 'error';
  /** The root span's operation, exactly. */
  operation?: string;
  limit: number;
}

interface SummaryRow {
  trace_id: string;
  start_ns: string;
  trace_duration_text: string;
  span_count: string | number;
  error_count: string | number;
  root_operation: string;
  root_status: TraceSummary['status'];
}

/*
 * `traces` is a ReplacingMergeTree (schema.ts): a span an SDK sent twice is two rows until their
 * parts merge. FINAL merges them while reading, so counts and durations see each span once; the
 * filter is the sorting key's prefix (service, time), so only the parts of that range are merged.
 *
 * The root is the service's earliest span without a parent, or its earliest span when the trace
 * entered the service from another one: (has a parent, start) sorts parentless spans first.
 * Conditions are fixed SQL text chosen by which filters are set; every value is a query parameter.
 */
export async function searchTraces(client: ClickHouseClient, search: TraceSearch): Promise<TraceSummary[]> {
  const where = ['service_id = {serviceId:UUID}'];
  if (search.from) where.push('start_time >= {from:DateTime64(3)}');
  if (search.to) where.push('start_time < {to:DateTime64(3)}');
  const having = ['1'];
  if (search.minDurationNs !== undefined) having.push('trace_duration_ns >= {minDurationNs:UInt64}');
  if (search.maxDurationNs !== undefined) having.push('trace_duration_ns <= {maxDurationNs:UInt64}');
  if (search.status === 'error') having.push('error_count > 0');
  if (search.status === 'ok') having.push('error_count = 0');
  if (search.operation !== undefined) having.push('root_operation = {operation:String}');
  const result = await client.query({
    query: `
      SELECT
        trace_id,
        min(start_time) AS trace_start,
        toString(toUnixTimestamp64Nano(trace_start)) AS start_ns,
        max(toUnixTimestamp64Nano(start_time) + toInt64(duration_ns)) - toUnixTimestamp64Nano(trace_start) AS trace_duration_ns,
        toString(trace_duration_ns) AS trace_duration_text,
        count() AS span_count,
        countIf(status_code = 'error') AS error_count,
        argMin(operation_name, (parent_span_id != '', start_time)) AS root_operation,
        argMin(status_code, (parent_span_id != '', start_time)) AS root_status
      FROM traces FINAL
      WHERE ${where.join(' AND ')}
      GROUP BY trace_id
      HAVING ${having.join(' AND ')}
      ORDER BY trace_start DESC, trace_id
      LIMIT {limit:UInt32}`,
    query_params: {
      serviceId: search.serviceId,
      ...(search.from ? { from: search.from } : {}),
      ...(search.to ? { to: search.to } : {}),
      // Nanoseconds pass 2^53 within months: sent as decimal text, which both engines take whole.
      ...(search.minDurationNs === undefined ? {} : { minDurationNs: BigInt(Math.ceil(search.minDurationNs)).toString() }),
      ...(search.maxDurationNs === undefined ? {} : { maxDurationNs: BigInt(Math.floor(search.maxDurationNs)).toString() }),
      ...(search.operation === undefined ? {} : { operation: search.operation }),
      limit: search.limit,
    },
    format: 'JSONEachRow',
  });
  const rows = await result.json<SummaryRow>();
  return rows.map((row) => ({
    trace_id: row.trace_id,
    service_id: search.serviceId,
    root_operation: row.root_operation,
    start_time: isoFromNanos(row.start_ns),
    duration_ms: Number(row.trace_duration_text) / 1e6,
    span_count: Number(row.span_count),
    error_count: Number(row.error_count),
    status: row.root_status,
  }));
}

interface SpanRow {
  trace_id: string;
  span_id: string;
  parent_span_id: string;
  service_text: string;
  deployment_text: string;
  operation_name: string;
  span_kind: TraceSpan['span_kind'];
  start_ns: string;
  duration: string;
  status_code: TraceSpan['status']['code'];
  status_message: string;
  attributes: Record<string, string>;
  events: string;
}

/**
 * Every span of a trace, whatever its service, in start order; the caller filters by scope. A span
 * stored twice and not yet merged is kept once by the sorting key (LIMIT 1 BY, the trace id being
 * fixed) rather than by FINAL, which older ClickHouse servers read without the trace id's bloom filter.
 */
export async function spansOfTrace(client: ClickHouseClient, traceId: string): Promise<TraceSpan[]> {
  const result = await client.query({
    query: `
      SELECT
        trace_id, span_id, parent_span_id, toString(service_id) AS service_text, toString(deployment_id) AS deployment_text,
        operation_name, span_kind, toString(toUnixTimestamp64Nano(start_time)) AS start_ns, toString(duration_ns) AS duration,
        status_code, status_message, attributes, events
      FROM traces
      WHERE trace_id = {traceId:String}
      ORDER BY start_time, span_id
      LIMIT 1 BY service_id, start_time, span_id
      LIMIT {maxSpans:UInt32}`,
    query_params: { traceId, maxSpans: MAX_TRACE_SPANS },
    format: 'JSONEachRow',
  });
  const rows = await result.json<SpanRow>();
  return rows.map((row) => ({
    trace_id: row.trace_id,
    span_id: row.span_id,
    ...(row.parent_span_id ? { parent_span_id: row.parent_span_id } : {}),
    service_id: row.service_text,
    deployment_id: row.deployment_text,
    operation_name: row.operation_name,
    span_kind: row.span_kind,
    // The contract's JSON number: about 0.25 µs of precision at today's Unix nanoseconds.
    start_time_ns: Number(row.start_ns),
    duration_ns: Number(row.duration),
    status: { code: row.status_code, ...(row.status_message ? { message: row.status_message } : {}) },
    attributes: row.attributes,
    // Ingest stores the span's events as JSON text; parsed here with the contract's schema.
    events: row.events ? SpanEvent.array().parse(JSON.parse(row.events)) : [],
  }));
}
