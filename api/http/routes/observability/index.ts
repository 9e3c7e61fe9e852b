import type { FastifyPluginAsync } from 'fastify';
import type { Platform } from '../../../../control/platform.js';
import { issueRoutes } from './issues.js';
import { logRoutes } from './logs.js';
import { metricRoutes } from './metrics.js';
import { traceRoutes } from './traces.js';

/** The read side of telemetry: issues from PostgreSQL; traces, metrics and logs from ClickHouse. */
export const observabilityRoutes: FastifyPluginAsync<{ platform: Platform }> = async (app, { platform }) => {
  await app.register(issueRoutes, { platform });
  await app.register(traceRoutes, { platform });
  await app.register(metricRoutes, { platform });
  await app.register(logRoutes, { platform });
};
