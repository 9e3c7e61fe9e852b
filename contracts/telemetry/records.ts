import { z } from 'zod';
import { IsoDateTime, JsonObject, NonNegativeInt, StringMap, Uuid } from '../primitives.js';

/** W3C trace context: lower-case hex, 32 digits for a trace, 16 for a span. */
export const TraceId = z.string().regex(/^[0-9a-f]{32}$/);
export const SpanId = z.string().regex(/^[0-9a-f]{16}$/);

/*
 * Unix nanoseconds exceed Number.MAX_SAFE_INTEGER (about 1.7e18 today), so a JSON number keeps
 * roughly 0.25 µs of precision once parsed in JavaScript. The contract says `number`; we accept
 * any non-negative number rather than an integer, which zod would cap at 2^53.
 */
const UnixNanos = z.number().nonnegative().describe('Unix time in nanoseconds');

const SpanAttributes = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));

export const StackFrame = z.object({
  filename: z.string(),
  function: z.string(),
  lineno: NonNegativeInt,
  colno: NonNegativeInt.optional(),
  context_line: z.string().optional(),
  pre_context: z.array(z.string()).optional(),
  post_context: z.array(z.string()).optional(),
  in_app: z.boolean(),
});
export type StackFrame = z.infer<typeof StackFrame>;

export const Breadcrumb = z.object({
  timestamp: IsoDateTime,
  type: z.enum(['http', 'navigation', 'ui', 'console', 'error', 'query']),
  category: z.string(),
  message: z.string().optional(),
  data: JsonObject.optional(),
  level: z.enum(['debug', 'info', 'warning', 'error']),
});
export type Breadcrumb = z.infer<typeof Breadcrumb>;

export const ErrorContext = z.object({
  environment: z.string(),
  release: z.string(),
  user: z.object({ id: z.string(), email: z.string().optional() }).optional(),
  tags: StringMap,
  extra: JsonObject,
});
export type ErrorContext = z.infer<typeof ErrorContext>;

export const ErrorEvent = z.object({
  id: Uuid,
  service_id: Uuid,
  deployment_id: Uuid,
  timestamp: IsoDateTime,
  type: z.string().min(1).describe('Exception type: "TypeError", "ValueError"'),
  message: z.string(),
  stack_trace: z.array(StackFrame),
  breadcrumbs: z.array(Breadcrumb),
  context: ErrorContext,
  fingerprint: z.array(z.string()).describe('For grouping'),
});
export type ErrorEvent = z.infer<typeof ErrorEvent>;

export const SpanEvent = z.object({
  name: z.string(),
  timestamp_ns: UnixNanos,
  attributes: SpanAttributes,
});
export type SpanEvent = z.infer<typeof SpanEvent>;

export const SpanStatusCode = z.enum(['unset', 'ok', 'error']);

export const TraceSpan = z.object({
  trace_id: TraceId,
  span_id: SpanId,
  parent_span_id: SpanId.optional(),
  service_id: Uuid,
  deployment_id: Uuid,
  operation_name: z.string().min(1),
  span_kind: z.enum(['internal', 'server', 'client', 'producer', 'consumer']),
  start_time_ns: UnixNanos,
  duration_ns: NonNegativeInt,
  status: z.object({
    code: SpanStatusCode,
    message: z.string().optional(),
  }),
  attributes: SpanAttributes,
  events: z.array(SpanEvent),
});
export type TraceSpan = z.infer<typeof TraceSpan>;

/*
 * Protocol 1.2 (docs/contract-corrections.md): spans as columns, one array per TraceSpan field, the
 * i-th span being the i-th element of each. Spans are the bulk of telemetry, and columns carry no
 * field name per span and no object per span, so both ends read and write them with a fraction of
 * the work: JSON of half the size, parsed into arrays instead of millions of small objects, and
 * stored as ClickHouse's `JSONColumns` without being turned into rows. A root span's
 * `parent_span_id` is '', an unset status message ''.
 */
export const SpanColumns = z
  .object({
    trace_id: z.array(TraceId),
    span_id: z.array(SpanId),
    parent_span_id: z.array(z.union([SpanId, z.literal('')])),
    service_id: z.array(Uuid),
    deployment_id: z.array(Uuid),
    operation_name: z.array(TraceSpan.shape.operation_name),
    span_kind: z.array(TraceSpan.shape.span_kind),
    start_time_ns: z.array(UnixNanos),
    duration_ns: z.array(NonNegativeInt),
    status_code: z.array(SpanStatusCode),
    status_message: z.array(z.string()),
    attributes: z.array(SpanAttributes),
    events: z.array(z.array(SpanEvent)),
  })
  .refine((columns) => Object.values(columns).every((column) => column.length === columns.trace_id.length), {
    message: 'every column must hold one value per span',
  });
export type SpanColumns = z.infer<typeof SpanColumns>;

export const LogLevel = z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']);
export type LogLevel = z.infer<typeof LogLevel>;

export const LogEntry = z.object({
  timestamp: IsoDateTime,
  service_id: Uuid,
  deployment_id: Uuid,
  level: LogLevel,
  message: z.string(),
  attributes: JsonObject,
  trace_id: TraceId.optional(),
  span_id: SpanId.optional(),
  source: z.enum(['stdout', 'stderr', 'sdk']),
});
export type LogEntry = z.infer<typeof LogEntry>;

export const MetricType = z.enum(['gauge', 'counter', 'histogram']);
export type MetricType = z.infer<typeof MetricType>;

export const MetricPoint = z.object({
  timestamp: IsoDateTime,
  service_id: Uuid,
  name: z.string().min(1),
  type: MetricType,
  value: z.number(),
  labels: StringMap,
  // JSON has no Infinity, so senders leave out the +Inf bucket.
  histogram_buckets: z
    .array(z.object({ le: z.number(), count: NonNegativeInt }))
    .optional()
    .describe('For histograms: cumulative counts per upper bound'),
});
export type MetricPoint = z.infer<typeof MetricPoint>;

export const HealthCheckResult = z.object({
  service_id: Uuid,
  timestamp: IsoDateTime,
  is_healthy: z.boolean(),
  status_code: z.int().min(100).max(599).optional(),
  response_time_ms: z.number().nonnegative(),
  error: z.string().optional(),
});
export type HealthCheckResult = z.infer<typeof HealthCheckResult>;

export const TelemetryData = z.object({
  errors: z.array(ErrorEvent),
  traces: z.array(TraceSpan),
  logs: z.array(LogEntry),
  metrics: z.array(MetricPoint),
  health_checks: z.array(HealthCheckResult),
  span_columns: z.array(SpanColumns).optional().describe('Protocol 1.2 and later: more spans, as columns'),
});
export type TelemetryData = z.infer<typeof TelemetryData>;
