import { z } from 'zod';
import { EnvVarName, IsoDateTimeInput, trimmedText, Uuid } from '../primitives.js';
import { TraceId } from '../telemetry/records.js';
import { IssueStatus } from './observability.js';
import { DeploymentStatus } from './resources.js';

/* Query strings arrive as text: numbers are coerced, lists are comma-separated. */

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;
export const DEFAULT_LOG_LIMIT = 100;
export const MAX_LOG_LIMIT = 1000;
/** A day of minutes: more points than a chart can draw, and a bound on a metrics query's result. */
export const MAX_METRIC_BUCKETS = 1440;

const limit = (defaultLimit: number, maxLimit: number) => z.coerce.number().int().min(1).max(maxLimit).default(defaultLimit);

export const Pagination = z.object({
  page: z.coerce.number().int().min(1).default(1),
  per_page: limit(DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
});
export type Pagination = z.infer<typeof Pagination>;

/*
 * ClickHouse's DateTime parameters span 1970–2299 and no telemetry lies beyond: a bound outside is
 * read as the nearest end, which selects the same rows, instead of failing the query.
 */
const QUERY_INSTANT_MIN = '1970-01-01T00:00:00.000Z';
const QUERY_INSTANT_MAX = '2299-12-31T23:59:59.999Z';
const QueryInstant = IsoDateTimeInput.transform((instant) =>
  instant < QUERY_INSTANT_MIN ? QUERY_INSTANT_MIN : instant > QUERY_INSTANT_MAX ? QUERY_INSTANT_MAX : instant,
);
const instantNote = `${IsoDateTimeInput.description}; before 1970 reads as 1970, after 2299 as its end`;

const timeRange = {
  from: QueryInstant.optional().describe(`${instantNote}. Not after \`to\``),
  to: QueryInstant.optional().describe(instantNote),
};
const cursor = z.string().min(1).max(200).optional().describe('meta.cursor of the previous page, as it was given: another value is refused with 400');

export const ServerListQuery = Pagination.extend({
  status: z.enum(['online', 'offline', 'all']).default('all'),
});
export type ServerListQuery = z.infer<typeof ServerListQuery>;

const intervalNote = `At most ${MAX_METRIC_BUCKETS} intervals between \`from\` and \`to\``;

export const ServerMetricsQuery = z.object({
  ...timeRange,
  interval: z.enum(['1m', '5m', '1h', '1d']).default('1m').describe(intervalNote),
});
export type ServerMetricsQuery = z.infer<typeof ServerMetricsQuery>;

export const ServiceMetricsQuery = z.object({
  ...timeRange,
  metrics: z
    .string()
    // Percent-encoded, 1,000 characters stay within Node's 16 KiB limit on a request's head.
    .max(1000)
    .transform((list) => list.split(',').map((name) => name.trim()).filter(Boolean))
    .optional()
    .describe('Comma-separated metric names; absent means all'),
  interval: z.enum(['1m', '5m', '1h']).default('1m').describe(intervalNote),
});
export type ServiceMetricsQuery = z.infer<typeof ServiceMetricsQuery>;

export const LogQuery = z.object({
  ...timeRange,
  level: z.enum(['debug', 'info', 'warn', 'error']).optional().describe('This level and the more severe ones'),
  search: z.string().min(1).max(200).optional().describe('Text the message contains, any case'),
  trace_id: TraceId.optional().describe('Only the lines logged within this trace'),
  limit: limit(DEFAULT_LOG_LIMIT, MAX_LOG_LIMIT),
  cursor,
});
export type LogQuery = z.infer<typeof LogQuery>;

export const DeploymentListQuery = z.object({
  status: DeploymentStatus.optional(),
  limit: limit(DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
});
export type DeploymentListQuery = z.infer<typeof DeploymentListQuery>;

export const IssueSort = z.enum(['last_seen', 'first_seen', 'event_count', 'user_count']);
export type IssueSort = z.infer<typeof IssueSort>;

export const IssueListQuery = Pagination.extend({
  status: IssueStatus.optional(),
  service_id: Uuid.optional(),
  ...timeRange,
  search: trimmedText(200).optional().describe('Words in the title or exception type, any case'),
  sort: IssueSort.default('last_seen').describe('Largest or most recent first'),
});
export type IssueListQuery = z.infer<typeof IssueListQuery>;

/** 25 ids and their commas (924 characters) keep the query within the 1,000 characters below. */
export const MAX_ACTIVITY_ISSUES = 25;
export const MAX_ACTIVITY_HOURS = 168;

export const IssueActivityQuery = z.object({
  issue_ids: z
    .string()
    // Percent-encoded, 1,000 characters stay within Node's 16 KiB limit on a request's head.
    .max(1000)
    .transform((list) => list.split(',').map((id) => id.trim()).filter(Boolean))
    .pipe(z.array(Uuid).min(1).max(MAX_ACTIVITY_ISSUES))
    .describe(`Comma-separated issue ids, at most ${MAX_ACTIVITY_ISSUES}; ids of other projects are left out of the answer`),
  hours: z.coerce.number().int().min(1).max(MAX_ACTIVITY_HOURS).default(24).describe('The window: this many hours ending with the current one'),
});
export type IssueActivityQuery = z.infer<typeof IssueActivityQuery>;

export const ServiceRequestStatsQuery = z.object({
  ...timeRange,
  interval: z.enum(['1m', '5m', '1h']).default('1m').describe(intervalNote),
});
export type ServiceRequestStatsQuery = z.infer<typeof ServiceRequestStatsQuery>;

export const IssueEventListQuery = z.object({
  limit: limit(DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
  cursor: Uuid.optional().describe('meta.cursor of the previous page: the id of its last event'),
});
export type IssueEventListQuery = z.infer<typeof IssueEventListQuery>;

export const TRACE_SEARCH_DEFAULT_HOURS = 24;
/** Far beyond any real trace (about 31 years), and far below what nanoseconds in a UInt64 hold. */
const MAX_TRACE_DURATION_MS = 1e12;
const DurationMs = z.coerce.number().nonnegative().max(MAX_TRACE_DURATION_MS).optional();

export const TraceQuery = z.object({
  ...timeRange,
  from: timeRange.from.describe(
    `${instantNote}. Not after \`to\`. Absent: ${TRACE_SEARCH_DEFAULT_HOURS} hours before \`to\` (or now), which bounds the scan`,
  ),
  min_duration_ms: DurationMs,
  max_duration_ms: DurationMs,
  status: z.enum(['ok', 'error']).optional().describe('error: some span of the trace failed; ok: none did'),
  operation: z.string().min(1).max(1000).optional().describe("The root span's operation name, exactly"),
  limit: limit(DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
});
export type TraceQuery = z.infer<typeof TraceQuery>;

/** Secret values are masked unless the caller asks to see them and holds `secrets.read`. */
export const EnvVarListQuery = z.object({
  reveal: z
    .enum(['true', 'false'])
    .default('false')
    .transform((reveal) => reveal === 'true')
    .describe('true: secret values in clear (needs the secrets.read permission, else 403)'),
});
export type EnvVarListQuery = z.infer<typeof EnvVarListQuery>;

export const ServerParams = z.object({ serverId: Uuid });
export const ProjectParams = z.object({ projectId: Uuid });
export const ServiceParams = z.object({ serviceId: Uuid });
export const DeploymentParams = z.object({ deploymentId: Uuid });
export const IssueParams = z.object({ issueId: Uuid });
export const TraceParams = z.object({ traceId: TraceId });
export const EnvVarParams = ServiceParams.extend({ key: EnvVarName });
