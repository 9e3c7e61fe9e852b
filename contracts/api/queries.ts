import { z } from 'zod';
import { EnvVarName, IsoDateTime, Uuid } from '../primitives.js';
import { TraceId } from '../telemetry/records.js';
import { IssueStatus } from './observability.js';
import { DeploymentStatus } from './resources.js';

/* Query strings arrive as text: numbers are coerced, lists are comma-separated. */

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;
export const DEFAULT_LOG_LIMIT = 100;
export const MAX_LOG_LIMIT = 1000;

const limit = (defaultLimit: number, maxLimit: number) => z.coerce.number().int().min(1).max(maxLimit).default(defaultLimit);

export const Pagination = z.object({
  page: z.coerce.number().int().min(1).default(1),
  per_page: limit(DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
});
export type Pagination = z.infer<typeof Pagination>;

const timeRange = {
  from: IsoDateTime.optional(),
  to: IsoDateTime.optional(),
};
const cursor = z.string().min(1).optional().describe('meta.cursor of the previous page');

export const ServerListQuery = Pagination.extend({
  status: z.enum(['online', 'offline', 'all']).default('all'),
});
export type ServerListQuery = z.infer<typeof ServerListQuery>;

export const ServerMetricsQuery = z.object({
  ...timeRange,
  interval: z.enum(['1m', '5m', '1h', '1d']).default('1m'),
});
export type ServerMetricsQuery = z.infer<typeof ServerMetricsQuery>;

export const ServiceMetricsQuery = z.object({
  ...timeRange,
  metrics: z
    .string()
    .transform((list) => list.split(',').map((name) => name.trim()).filter(Boolean))
    .optional()
    .describe('Comma-separated metric names; absent means all'),
  interval: z.enum(['1m', '5m', '1h']).default('1m'),
});
export type ServiceMetricsQuery = z.infer<typeof ServiceMetricsQuery>;

export const LogQuery = z.object({
  ...timeRange,
  level: z.enum(['debug', 'info', 'warn', 'error']).optional(),
  search: z.string().min(1).optional(),
  limit: limit(DEFAULT_LOG_LIMIT, MAX_LOG_LIMIT),
  cursor,
});
export type LogQuery = z.infer<typeof LogQuery>;

export const DeploymentListQuery = z.object({
  status: DeploymentStatus.optional(),
  limit: limit(DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
});
export type DeploymentListQuery = z.infer<typeof DeploymentListQuery>;

export const IssueListQuery = Pagination.extend({
  status: IssueStatus.optional(),
  service_id: Uuid.optional(),
  ...timeRange,
});
export type IssueListQuery = z.infer<typeof IssueListQuery>;

export const IssueEventListQuery = z.object({
  limit: limit(DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
  cursor,
});
export type IssueEventListQuery = z.infer<typeof IssueEventListQuery>;

export const TraceQuery = z.object({
  ...timeRange,
  min_duration_ms: z.coerce.number().nonnegative().optional(),
  status: z.enum(['ok', 'error']).optional(),
  operation: z.string().min(1).optional(),
  limit: limit(DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
});
export type TraceQuery = z.infer<typeof TraceQuery>;

export const ServerParams = z.object({ serverId: Uuid });
export const ProjectParams = z.object({ projectId: Uuid });
export const ServiceParams = z.object({ serviceId: Uuid });
export const DeploymentParams = z.object({ deploymentId: Uuid });
export const IssueParams = z.object({ issueId: Uuid });
export const TraceParams = z.object({ traceId: TraceId });
export const EnvVarParams = ServiceParams.extend({ key: EnvVarName });
