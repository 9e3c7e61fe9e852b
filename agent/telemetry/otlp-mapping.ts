import type { z } from 'zod';
import type { CompiledParser, Parser } from '../../contracts/compiled.js';
import { LogEntry, MetricPoint, type LogLevel, type TraceSpan } from '../../contracts/index.js';
import {
  OtlpSpan,
  type AnyValue,
  type ExportLogsServiceRequest,
  type ExportMetricsServiceRequest,
  type ExportTraceServiceRequest,
  type KeyValue,
  type OtlpLogRecord,
  type OtlpMetric,
} from './otlp-schema.js';
import { levelFromText } from './log-line.js';
import type { ServiceTag } from './service-tagger.js';

/** Finds the service of one OTLP resource (from its attributes, else from the sender's container). */
export type ResolveResource = (attributes: Record<string, string>) => ServiceTag | null;

/** What one export request yields: the records to spool, and how many were refused and why (`partial_success`). */
export interface Mapped<Kind> {
  records: Kind[];
  rejected: number;
  errorMessage: string | undefined;
}

/** The contract's span kinds and status codes, by their OTLP enum values. */
export const SPAN_KINDS = ['internal', 'internal', 'server', 'client', 'producer', 'consumer'] as const;
export const STATUS_CODES = ['unset', 'ok', 'error'] as const;
export const UNKNOWN_SERVICE =
  'no Syntra service for this resource: the agent tags records by the syntra.service_id resource attribute ' +
  '(OTEL_RESOURCE_ATTRIBUTES, set in containers it deploys) or by the sending container';

/** How many records of a request were refused, and the first reason why: its `partial_success`. */
export class Refusals {
  rejected = 0;
  errorMessage: string | undefined;

  reject(count: number, message: string): void {
    if (count === 0) return;
    this.rejected += count;
    this.errorMessage ??= message;
  }
}

class Collector<Kind> extends Refusals {
  readonly records: Kind[] = [];

  /** Keeps the candidate if the contract's schema accepts it: one bad record never spoils a batch. */
  keep(schema: Parser<Kind>, candidate: unknown): void {
    const parsed = schema.safeParse(candidate);
    if (parsed.success) this.records.push(parsed.data);
    else this.rejectInvalid(parsed.error);
  }

  /*
   * Maps the input if its schema accepts it, one that guarantees the mapping yields a valid record.
   * The input is only checked, not copied: the mapping reads the fields it needs, and a copy of
   * every span was a tenth of the agent's work under load.
   */
  mapValid<Input>(schema: CompiledParser<Input>, candidate: unknown, map: (input: Input) => Kind): void {
    if (schema.validate(candidate)) this.records.push(map(candidate));
    else this.rejectInvalid(schema.safeParse(candidate).error!);
  }

  private rejectInvalid(error: z.ZodError): void {
    this.reject(1, `${error.issues[0]?.path.join('.')}: ${error.issues[0]?.message}`);
  }

  result(): Mapped<Kind> {
    return { records: this.records, rejected: this.rejected, errorMessage: this.errorMessage };
  }
}

export function mapTraces(request: ExportTraceServiceRequest, resolve: ResolveResource): Mapped<TraceSpan> {
  const out = new Collector<TraceSpan>();
  for (const resourceSpans of request.resourceSpans ?? []) {
    const spans = (resourceSpans.scopeSpans ?? []).flatMap((scope) => scope.spans ?? []);
    const service = resolve(stringAttributes(resourceSpans.resource?.attributes));
    if (!service) out.reject(spans.length, UNKNOWN_SERVICE);
    else for (const span of spans) out.mapValid(OtlpSpan, span, (valid) => spanRecord(valid, service));
  }
  return out.result();
}

export function mapLogs(request: ExportLogsServiceRequest, resolve: ResolveResource): Mapped<LogEntry> {
  const out = new Collector<LogEntry>();
  for (const resourceLogs of request.resourceLogs ?? []) {
    const logRecords = (resourceLogs.scopeLogs ?? []).flatMap((scope) => scope.logRecords ?? []);
    const service = resolve(stringAttributes(resourceLogs.resource?.attributes));
    if (!service) out.reject(logRecords.length, UNKNOWN_SERVICE);
    else for (const record of logRecords) out.keep(LogEntry, logRecord(record, service));
  }
  return out.result();
}

export function mapMetrics(request: ExportMetricsServiceRequest, resolve: ResolveResource): Mapped<MetricPoint> {
  const out = new Collector<MetricPoint>();
  for (const resourceMetrics of request.resourceMetrics ?? []) {
    const metrics = (resourceMetrics.scopeMetrics ?? []).flatMap((scope) => scope.metrics ?? []);
    const service = resolve(stringAttributes(resourceMetrics.resource?.attributes));
    for (const metric of metrics) {
      if (!service) out.reject(dataPointCount(metric), UNKNOWN_SERVICE);
      else metricPoints(metric, service.service_id, out);
    }
  }
  return out.result();
}

/* Every value is valid by OtlpSpan's checks; the object has one shape for all spans, which V8 and JSON.stringify like. */
function spanRecord(span: OtlpSpan, service: ServiceTag): TraceSpan {
  const message = span.status?.message;
  const code = STATUS_CODES[enumIndex(span.status?.code, 'STATUS_CODE_', ['UNSET', 'OK', 'ERROR'])] ?? 'unset';
  return {
    trace_id: span.traceId.toLowerCase(),
    span_id: span.spanId.toLowerCase(),
    parent_span_id: span.parentSpanId ? span.parentSpanId.toLowerCase() : undefined,
    service_id: service.service_id,
    deployment_id: service.deployment_id,
    operation_name: span.name,
    span_kind: SPAN_KINDS[enumIndex(span.kind, 'SPAN_KIND_', ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'])] ?? 'internal',
    start_time_ns: nanosNumber(span.startTimeUnixNano),
    duration_ns: durationNanos(span.startTimeUnixNano, span.endTimeUnixNano),
    status: message ? { code, message } : { code },
    attributes: attributes(span.attributes),
    events: (span.events ?? []).map((event) => ({ name: event.name ?? '', timestamp_ns: nanosNumber(event.timeUnixNano), attributes: attributes(event.attributes) })),
  };
}

function logRecord(record: OtlpLogRecord, service: ServiceTag): unknown {
  const time = nanos(record.timeUnixNano) || nanos(record.observedTimeUnixNano);
  const traceId = hexId(record.traceId);
  const spanId = hexId(record.spanId);
  return {
    timestamp: time > 0n ? isoFromNanos(time) : new Date().toISOString(),
    ...service,
    level: severity(record),
    message: record.body === undefined ? '' : textOf(record.body),
    attributes: attributes(record.attributes),
    ...(traceId !== undefined && { trace_id: traceId }),
    ...(spanId !== undefined && { span_id: spanId }),
    source: 'sdk',
  };
}

function metricPoints(metric: OtlpMetric, serviceId: string, out: Collector<MetricPoint>): void {
  const base = (point: { attributes?: KeyValue[] | undefined; timeUnixNano?: string | number | undefined }) => ({
    timestamp: nanos(point.timeUnixNano) > 0n ? isoFromNanos(nanos(point.timeUnixNano)) : new Date().toISOString(),
    service_id: serviceId,
    name: metric.name,
    labels: stringAttributes(point.attributes),
  });
  const numberSeries = metric.gauge ?? metric.sum;
  if (numberSeries) {
    const type = metric.sum?.isMonotonic ? 'counter' : 'gauge';
    for (const point of numberSeries.dataPoints ?? []) {
      out.keep(MetricPoint, { ...base(point), type, value: Number(point.asDouble ?? point.asInt ?? 0) });
    }
  } else if (metric.histogram) {
    for (const point of metric.histogram.dataPoints ?? []) {
      const bounds = point.explicitBounds ?? [];
      let cumulative = 0;
      const buckets = bounds.map((le, index) => {
        cumulative += Number(point.bucketCounts?.[index] ?? 0);
        return { le, count: cumulative };
      });
      out.keep(MetricPoint, { ...base(point), type: 'histogram', value: point.sum ?? 0, histogram_buckets: buckets });
    }
  } else {
    out.reject(dataPointCount(metric), `${metric.name}: exponential histograms and summaries are not supported; use explicit-bucket histograms`);
  }
}

function dataPointCount(metric: OtlpMetric): number {
  const series = metric.gauge ?? metric.sum ?? metric.histogram ?? metric.exponentialHistogram ?? metric.summary;
  return series?.dataPoints?.length ?? 0;
}

function severity(record: OtlpLogRecord): LogLevel {
  const number = typeof record.severityNumber === 'number' ? record.severityNumber : 0;
  if (number > 0) return (['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const)[Math.min(Math.floor((number - 1) / 4), 5)]!;
  return levelFromText(record.severityText) ?? 'info';
}

function enumIndex(value: string | number | undefined, prefix: string, names: readonly string[]): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return names.indexOf(value.replace(prefix, ''));
  return 0;
}

function nanos(value: string | number | undefined): bigint {
  if (value === undefined) return 0n;
  return typeof value === 'number' ? BigInt(Math.trunc(value)) : BigInt(value);
}

/* The same rounding as Number(nanos(value)), without the BigInt. */
function nanosNumber(value: string | number | undefined): number {
  return value === undefined ? 0 : Math.trunc(Number(value));
}

/* Exact to the nanosecond: the difference is taken before either time is rounded to a double. */
function durationNanos(start: string | number | undefined, end: string | number | undefined): number {
  const difference = nanos(end) - nanos(start);
  return difference > 0n ? Number(difference) : 0;
}

function isoFromNanos(value: bigint): string {
  return new Date(Number(value / 1_000_000n)).toISOString();
}

/* Absent (empty) ids stay absent; malformed ones stay as they are, for the schema to refuse. */
function hexId(id: string | number[] | undefined): string | undefined {
  if (id === undefined || id.length === 0) return undefined;
  return typeof id === 'string' ? id.toLowerCase() : Buffer.from(id).toString('hex');
}

function scalarOf(value: AnyValue): string | number | boolean | undefined {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue === undefined) return undefined;
  // NaN and the infinities have no JSON number: they travel as OTLP/JSON writes them.
  const double = Number(value.doubleValue);
  return Number.isFinite(double) ? double : String(value.doubleValue);
}

function valueOf(value: AnyValue | undefined): string | number | boolean {
  if (value === undefined) return '';
  return scalarOf(value) ?? textOf(value);
}

/*
 * Arrays, maps and bytes have no place in the contract's flat attributes: they travel as JSON text.
 * An AnyValue with nothing set is OTLP's empty value: ''.
 */
function textOf(value: AnyValue): string {
  if (value.arrayValue) return JSON.stringify((value.arrayValue.values ?? []).map(valueOf));
  if (value.kvlistValue) return JSON.stringify(attributes(value.kvlistValue.values));
  if (value.bytesValue !== undefined) return typeof value.bytesValue === 'string' ? value.bytesValue : Buffer.from(value.bytesValue).toString('base64');
  const scalar = scalarOf(value);
  return scalar === undefined ? '' : String(scalar);
}

function attributes(list: KeyValue[] | undefined): Record<string, string | number | boolean> {
  const result: Record<string, string | number | boolean> = {};
  for (const entry of list ?? []) result[entry.key] = valueOf(entry.value);
  return result;
}

function stringAttributes(list: KeyValue[] | undefined): Record<string, string> {
  return Object.fromEntries((list ?? []).map((entry) => [entry.key, String(valueOf(entry.value))]));
}
