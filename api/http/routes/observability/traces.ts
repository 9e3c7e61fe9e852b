import type { FastifyPluginAsync } from 'fastify';
import { type Trace, TRACE_SEARCH_DEFAULT_HOURS, type TraceSpan } from '../../../../contracts/index.js';
import { searchTraces, spansOfTrace } from '../../../../db/clickhouse/traces.js';
import { scopedService, scopedServiceIds } from '../../../../db/queries/service-scope.js';
import { scopeOf } from '../../../../control/caller.js';
import { ApiProblem } from '../../../../control/problem.js';
import type { Platform } from '../../../../control/platform.js';
import { defineRoute, registryRoute } from '../../routing.js';
import { invalidQuery, timeRange, windowBefore } from './time-range.js';

const nanosPerMs = 1e6;

/**
 * A trace as the caller may see it: spans of services outside their scope are left out, and the
 * root is the earliest span whose parent is not among those shown.
 */
function traceOf(spans: readonly TraceSpan[]): Trace {
  const shown = new Set(spans.map((span) => span.span_id));
  const root = spans.find((span) => !span.parent_span_id || !shown.has(span.parent_span_id)) ?? spans[0]!;
  const start = Math.min(...spans.map((span) => span.start_time_ns));
  const end = Math.max(...spans.map((span) => span.start_time_ns + span.duration_ns));
  return {
    trace_id: root.trace_id,
    service_id: root.service_id,
    root_operation: root.operation_name,
    start_time: new Date(start / nanosPerMs).toISOString(),
    duration_ms: (end - start) / nanosPerMs,
    span_count: spans.length,
    error_count: spans.filter((span) => span.status.code === 'error').length,
    status: root.status.code,
    spans: [...spans],
  };
}

/** Traces from ClickHouse, reached through the service (or the spans' services) in PostgreSQL. */
export const traceRoutes: FastifyPluginAsync<{ platform: Platform }> = async (app, { platform }) => {
  const { db, clickhouse } = platform;

  defineRoute(app, registryRoute('listTraces'), { permission: 'read' }, async ({ params, query, caller }) => {
    const service = await scopedService(db, scopeOf(caller), params.serviceId);
    if (!service) throw new ApiProblem('NOT_FOUND', `No service ${params.serviceId} in this organization`);
    const { min_duration_ms: min, max_duration_ms: max } = query;
    if (min !== undefined && max !== undefined && min > max) {
      throw invalidQuery({ path: 'query.min_duration_ms', message: 'must not exceed max_duration_ms' });
    }
    const range = timeRange(query);
    const from = range.from ?? windowBefore(range.to ?? new Date(), TRACE_SEARCH_DEFAULT_HOURS * 3600_000);
    return searchTraces(clickhouse.client, {
      serviceId: service.id,
      ...range,
      from,
      ...(min === undefined ? {} : { minDurationNs: min * nanosPerMs }),
      ...(max === undefined ? {} : { maxDurationNs: max * nanosPerMs }),
      ...(query.status ? { status: query.status } : {}),
      ...(query.operation ? { operation: query.operation } : {}),
      limit: query.limit,
    });
  });

  defineRoute(app, registryRoute('getTrace'), { permission: 'read' }, async ({ params, caller }) => {
    const spans = await spansOfTrace(clickhouse.client, params.traceId);
    const reachable = await scopedServiceIds(db, scopeOf(caller), [...new Set(spans.map((span) => span.service_id))]);
    const visible = spans.filter((span) => reachable.has(span.service_id));
    if (visible.length === 0) throw new ApiProblem('NOT_FOUND', `No trace ${params.traceId} in this organization`);
    return traceOf(visible);
  });
};
