import type { ClickHouseClient } from '@clickhouse/client';
import { selectSpans, spanColumnsOf, SpanEvent, type SpanColumns, type TraceSpan, type TraceSummary } from '../../contracts/index.js';
import { clickhouseTimeFromNanos, isoFromNanos } from './datetime64.js';

/*
 * The `traces` table: its DDL, a span as written (`SpanRow`, sent as blocks of columns), as read
 * (`SelectedSpan`), and the queries that read it.
 *
 * `traces` is a ReplacingMergeTree, not the contract's MergeTree: an SDK that resends an export the
 * agent had already accepted delivers the same span in a later batch, and rows with the same
 * sorting key (a span's service, start time, trace and span id) collapse into one when parts
 * merge. Until then both rows are there, so every reader of `traces` counts a span once by that
 * key (below, and db/clickhouse/alert-measurements.ts). An engine cannot be altered: migrate.ts
 * swaps an older plain MergeTree `traces` for this one.
 */

/**
 * `traces` under the name `table`: `migrateClickHouse` builds the ReplacingMergeTree that replaces an
 * older, plain MergeTree `traces` from the same statement.
 */
export function tracesTable(table: string): string {
  return `CREATE TABLE IF NOT EXISTS ${table} (
    trace_id String CODEC(ZSTD(1)),
    span_id String CODEC(ZSTD(1)),
    parent_span_id String CODEC(ZSTD(1)),
    service_id UUID,
    deployment_id UUID,
    operation_name String CODEC(ZSTD(1)),
    span_kind Enum8('internal' = 0, 'server' = 1, 'client' = 2, 'producer' = 3, 'consumer' = 4),
    start_time DateTime64(9, 'UTC') CODEC(Delta, ZSTD(1)),
    duration_ns UInt64 CODEC(ZSTD(1)),
    status_code Enum8('unset' = 0, 'ok' = 1, 'error' = 2),
    status_message String CODEC(ZSTD(1)),
    attributes Map(String, String) CODEC(ZSTD(1)),
    events String CODEC(ZSTD(1)),

    http_method String MATERIALIZED attributes['http.method'],
    http_status_code UInt16 MATERIALIZED toUInt16OrZero(attributes['http.status_code']),
    http_route String MATERIALIZED attributes['http.route'],

    INDEX idx_traces_trace_id trace_id TYPE bloom_filter(0.001) GRANULARITY 1
  ) ENGINE = ReplacingMergeTree()
  PARTITION BY toYYYYMM(start_time)
  ORDER BY (service_id, start_time, trace_id, span_id)
  TTL start_time + INTERVAL 30 DAY
  SETTINGS index_granularity = 8192`;
}

/**
 * The HTTP columns read OpenTelemetry's current attribute names (`http.request.method`,
 * `http.response.status_code`; stable since semantic conventions 1.23) and, when a span has none,
 * the older ones the contract names (`http.method`, `http.status_code`), which older SDKs and
 * Sentry spans still send. `http.route` kept its name. A MATERIALIZED column is computed when a row
 * is inserted: spans stored before this change keep what the old expression gave them.
 */
export const tracesHttpColumns = `ALTER TABLE traces
    MODIFY COLUMN http_method String MATERIALIZED ${attributeOf('http.request.method', 'http.method')},
    MODIFY COLUMN http_status_code UInt16 MATERIALIZED toUInt16OrZero(${attributeOf('http.response.status_code', 'http.status_code')})`;

/** A span attribute under its current name, else under its older one. */
function attributeOf(current: string, older: string): string {
  return `if(attributes['${current}'] != '', attributes['${current}'], attributes['${older}'])`;
}

/**
 * A span as written: the contract's span columns with the start as ClickHouse time text
 * (datetime64.ts) and an absent parent as ''. Numbers and booleans among the attributes are stored
 * as the text JSON gives them, and the events as their JSON text (db/clickhouse/writer.ts).
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
  attributes: TraceSpan['attributes'];
  events: TraceSpan['events'];
}

/** Spans travel as blocks of columns, one array per column (writer.ts, `jsonColumns`). */
export type SpanBlock = { readonly [Column in keyof SpanRow]: readonly SpanRow[Column][] };

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

/**
 * The spans of `blocks` not in `traces` yet. A batch whose first attempt was cut short may have
 * some of its rows stored already (an insert can succeed and the process die before the batch is
 * marked stored); its retry writes only the others. Only interrupted batches pay for this read.
 */
export async function withoutStoredSpans(client: ClickHouseClient, blocks: SpanColumns[]): Promise<SpanColumns[]> {
  if (blocks.length === 0) return blocks;
  const result = await client.query({
    query: `SELECT trace_id, span_id FROM traces
      WHERE service_id IN {services:Array(UUID)} AND trace_id IN {traces:Array(String)}`,
    query_params: {
      services: [...new Set(blocks.flatMap((block) => block.service_id))],
      traces: [...new Set(blocks.flatMap((block) => block.trace_id))],
    },
    format: 'JSONEachRow',
  });
  const spanKey = (traceId: string, spanId: string) => `${traceId}/${spanId}`;
  const stored = new Set((await result.json<Pick<SpanRow, 'trace_id' | 'span_id'>>()).map((row) => spanKey(row.trace_id, row.span_id)));
  return blocks.map((block) => selectSpans(block, (index) => !stored.has(spanKey(block.trace_id[index]!, block.span_id[index]!))));
}

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
 * A span an SDK sent twice is two rows until their parts merge. FINAL merges them while reading, so counts and durations see each span once; the
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

/**
 * A span as read: ids as text, the start as Unix nanoseconds and the duration as text (both pass
 * 2^53; datetime64.ts), attributes and events as the strings they were stored as.
 */
type SelectedSpan = Omit<SpanRow, 'service_id' | 'deployment_id' | 'start_time' | 'duration_ns' | 'attributes' | 'events'> & {
  service_text: string;
  deployment_text: string;
  start_ns: string;
  duration: string;
  attributes: Record<string, string>;
  events: string;
};

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
  const rows = await result.json<SelectedSpan>();
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
