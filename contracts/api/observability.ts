import { z } from 'zod';
import { IsoDateTime, JsonObject, NonNegativeInt, PositiveInt, StringMap, Uuid } from '../primitives.js';
import {
  Breadcrumb,
  ErrorContext,
  MetricType,
  SpanStatusCode,
  StackFrame,
  TraceId,
  TraceSpan,
} from '../telemetry/records.js';

export const IssueStatus = z.enum(['unresolved', 'resolved', 'ignored', 'regressed']);
export type IssueStatus = z.infer<typeof IssueStatus>;

export const IssueSeverity = z.enum(['critical', 'high', 'medium', 'low']);
export type IssueSeverity = z.infer<typeof IssueSeverity>;

/** The enum lists severities worst first (as PostgreSQL's `issue_severity` does): the earlier one wins. */
export function moreSevere(a: IssueSeverity, b: IssueSeverity): IssueSeverity {
  return IssueSeverity.options.indexOf(a) <= IssueSeverity.options.indexOf(b) ? a : b;
}

/** An issue: the `error_groups` row. */
export const ErrorGroup = z.object({
  id: Uuid,
  service_id: Uuid,
  fingerprint: z.string().min(1),
  title: z.string(),
  exception_type: z.string().nullable(),
  status: IssueStatus,
  severity: IssueSeverity,
  first_seen_at: IsoDateTime,
  last_seen_at: IsoDateTime,
  event_count: PositiveInt,
  user_count: NonNegativeInt,
  assigned_to: Uuid.nullable(),
  ai_analysis: JsonObject.nullable().describe('Shaped by the AI endpoints, outside this contract'),
  ai_analyzed_at: IsoDateTime.nullable(),
  resolved_at: IsoDateTime.nullable(),
  created_at: IsoDateTime,
});
export type ErrorGroup = z.infer<typeof ErrorGroup>;

/**
 * One occurrence of an issue: the `error_events` row. The contract calls it `ErrorEvent`, a name
 * the telemetry record the agent sends already has, with another shape.
 */
export const IssueEvent = z.object({
  id: Uuid,
  error_group_id: Uuid,
  deployment_id: Uuid.nullable(),
  stack_trace: z.array(StackFrame),
  breadcrumbs: z.array(Breadcrumb).nullable(),
  context: ErrorContext.nullable(),
  environment: z.string().nullable(),
  release: z.string().nullable(),
  user_id_hash: z.string().nullable(),
  timestamp: IsoDateTime,
  created_at: IsoDateTime,
});
export type IssueEvent = z.infer<typeof IssueEvent>;

export const TraceSummary = z.object({
  trace_id: TraceId,
  service_id: Uuid,
  root_operation: z.string().describe('operation_name of the span without a parent'),
  start_time: IsoDateTime,
  duration_ms: z.number().nonnegative(),
  span_count: PositiveInt,
  error_count: NonNegativeInt.describe('Spans whose status is error'),
  status: SpanStatusCode.describe("The root span's status"),
});
export type TraceSummary = z.infer<typeof TraceSummary>;

/** `GET /traces/:traceId`: the summary and every span, in start order. */
export const Trace = TraceSummary.extend({ spans: z.array(TraceSpan) });
export type Trace = z.infer<typeof Trace>;

// min/max/sum/count rather than a stored average: averages do not merge (ARCHITECTURE correction 2).
export const MetricBucket = z.object({
  timestamp: IsoDateTime.describe('Start of the interval'),
  min: z.number(),
  max: z.number(),
  avg: z.number().describe('sum / count'),
  sum: z.number(),
  count: PositiveInt,
});
export type MetricBucket = z.infer<typeof MetricBucket>;

export const MetricSeries = z.object({
  name: z.string().min(1),
  type: MetricType,
  service_id: Uuid.nullable(),
  server_id: Uuid.nullable(),
  labels: StringMap,
  points: z.array(MetricBucket),
});
export type MetricSeries = z.infer<typeof MetricSeries>;

/** `GET /projects/:projectId/issues/activity`: an issue's events per hour, for its sparkline. */
export const IssueActivity = z.object({
  issue_id: Uuid,
  counts: z
    .array(NonNegativeInt)
    .describe('Events per hour, oldest first: one per hour of the window, the last one the current (unfinished) hour'),
});
export type IssueActivity = z.infer<typeof IssueActivity>;

/** Requests served in one interval, from the service's root spans. */
export const RequestStatsBucket = z.object({
  timestamp: IsoDateTime.describe('Start of the interval'),
  requests: NonNegativeInt,
  errors: NonNegativeInt.describe('Root spans whose status is error'),
  p50_ms: z.number(),
  p95_ms: z.number(),
  p99_ms: z.number(),
});
export type RequestStatsBucket = z.infer<typeof RequestStatsBucket>;

/** `GET /services/:serviceId/request-stats`: request rate, error rate and latency percentiles derived from spans. */
export const ServiceRequestStats = z.object({
  interval_seconds: PositiveInt,
  requests: NonNegativeInt.describe('Over the whole window'),
  errors: NonNegativeInt,
  error_rate: z.number().min(0).max(1).nullable().describe('errors / requests; null without requests'),
  p50_ms: z.number().nullable(),
  p95_ms: z.number().nullable(),
  p99_ms: z.number().nullable(),
  points: z.array(RequestStatsBucket).describe('Only the intervals with requests'),
});
export type ServiceRequestStats = z.infer<typeof ServiceRequestStats>;
