import type { FastifyPluginAsync } from 'fastify';
import { MAX_METRIC_BUCKETS, type ServerMetricsQuery } from '../../../../contracts/index.js';
import { NIL_UUID, readMetricSeries } from '../../../../db/clickhouse/metric-series.js';
import { readRequestStats } from '../../../../db/clickhouse/request-stats.js';
import { serverById } from '../../../../db/queries/servers.js';
import { scopedService, scopedServicesOnServer } from '../../../../db/queries/service-scope.js';
import { scopeOf } from '../../../../control/caller.js';
import { ApiProblem } from '../../../../control/problem.js';
import type { Platform } from '../../../../control/platform.js';
import { defineRoute, registryRoute } from '../../routing.js';
import { invalidQuery, timeRange, windowBefore } from './time-range.js';

/** The server endpoint's intervals; the service endpoint's are the same less `1d`. */
type Interval = ServerMetricsQuery['interval'];

const bucketSeconds: Record<Interval, number> = { '1m': 60, '5m': 300, '1h': 3600, '1d': 86_400 };

/** Without `from`, a window of this many buckets before `to`: an hour of minutes, a week of hours. */
const defaultBuckets: Record<Interval, number> = { '1m': 60, '5m': 72, '1h': 168, '1d': 30 };

function metricWindow(query: { from?: string | undefined; to?: string | undefined; interval: Interval }) {
  const range = timeRange(query);
  const seconds = bucketSeconds[query.interval];
  const to = range.to ?? new Date();
  const from = range.from ?? windowBefore(to, defaultBuckets[query.interval] * seconds * 1000);
  if ((to.getTime() - from.getTime()) / 1000 / seconds > MAX_METRIC_BUCKETS) {
    throw invalidQuery({
      path: 'query.interval',
      message: `from..to spans more than ${MAX_METRIC_BUCKETS} intervals of ${query.interval}; choose a longer interval or a shorter range`,
    });
  }
  return { from, to, bucketSeconds: seconds };
}

/**
 * Metric series from the `metrics_1m` rollup, for a service or a server of the caller's
 * organization, and a service's request figures derived from its spans.
 */
export const metricRoutes: FastifyPluginAsync<{ platform: Platform }> = async (app, { platform }) => {
  const { db, clickhouse } = platform;

  defineRoute(app, registryRoute('getServiceMetrics'), { permission: 'read' }, async ({ params, query, caller }) => {
    const service = await scopedService(db, scopeOf(caller), params.serviceId);
    if (!service) throw new ApiProblem('NOT_FOUND', `No service ${params.serviceId} in this organization`);
    return readMetricSeries(clickhouse.client, {
      owner: { serviceId: service.id },
      ...(query.metrics && query.metrics.length > 0 ? { names: query.metrics } : {}),
      ...metricWindow(query),
    });
  });

  defineRoute(app, registryRoute('getServerMetrics'), { permission: 'read' }, async ({ params, query, caller }) => {
    const server = await serverById(db, scopeOf(caller), params.serverId);
    if (!server) throw new ApiProblem('NOT_FOUND', `No server ${params.serverId} in this organization`);
    // A project token reaches the server its services run on, but not the other projects' services there.
    const serviceIds = caller.projectId ? [NIL_UUID, ...(await scopedServicesOnServer(db, scopeOf(caller), server.id))] : undefined;
    return readMetricSeries(clickhouse.client, { owner: { serverId: server.id }, ...(serviceIds ? { serviceIds } : {}), ...metricWindow(query) });
  });

  defineRoute(app, registryRoute('getServiceRequestStats'), { permission: 'read' }, async ({ params, query, caller }) => {
    const service = await scopedService(db, scopeOf(caller), params.serviceId);
    if (!service) throw new ApiProblem('NOT_FOUND', `No service ${params.serviceId} in this organization`);
    return readRequestStats(clickhouse.client, { serviceId: service.id, ...metricWindow(query) });
  });
};
