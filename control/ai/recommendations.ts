import type { AiRecommendation } from '../../contracts/index.js';
import { memoryUse, operationLatencies } from '../../db/clickhouse/service-vitals.js';
import type { ServiceRow } from '../../db/postgres/database.js';
import { deploymentHistory, unresolvedIssueCounts } from '../../db/queries/ai-context.js';
import type { Platform } from '../platform.js';
import { parseMemoryLimit, recommend } from './builtin/recommendations.js';

const dayMs = 86_400_000;

/** A service's recommendations from its last day of telemetry and last week of deployments. */
export async function recommendationsFor(deps: Pick<Platform, 'db' | 'clickhouse'>, service: ServiceRow, now = new Date()): Promise<AiRecommendation[]> {
  const day = new Date(now.getTime() - dayMs);
  const week = new Date(now.getTime() - 7 * dayMs);
  const [memory, operations, history, issues] = await Promise.all([
    memoryUse(deps.clickhouse.client, service.id, day),
    operationLatencies(deps.clickhouse.client, service.id, day, 10),
    deploymentHistory(deps.db, service.id, week),
    unresolvedIssueCounts(deps.db, service.id, day),
  ]);
  return recommend({
    type: service.type ?? 'app',
    replicas: service.replicas ?? 1,
    memoryLimitBytes: parseMemoryLimit(service.memory_limit),
    hasHealthCheck: service.health_check !== null || service.health_check_path !== null,
    memory,
    operations,
    deployments: history.deployments,
    oomEvents: history.oomEvents,
    healthChecks: history.healthChecks,
    unresolvedIssues: issues,
  });
}
