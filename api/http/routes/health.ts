import { performance } from 'node:perf_hooks';
import protos from '@temporalio/proto';
import type { FastifyPluginAsync } from 'fastify';
import { CONTROL_PLANE_VERSION, type DependencyHealth, type HealthReport } from '../../../contracts/index.js';
import { clickhouseVersion } from '../../../db/clickhouse/migrate.js';
import { postgresVersion } from '../../../db/postgres/connection.js';
import { ApiProblem } from '../../../control/problem.js';
import type { Platform } from '../../../control/platform.js';

const probeTimeoutMs = 3_000;

/** GET /health: each dependency with its version, latency and whether Syntra embeds it. */
export const healthRoutes: FastifyPluginAsync<{ platform: Platform }> = async (app, { platform }) => {
  app.get('/health', async (_request, reply) => {
    const { config, temporal } = platform;
    const managed = (engine: 'postgres' | 'temporal') =>
      config.SYNTRA_MANAGED_ENGINES.includes(engine) ? 'embedded' : 'external';
    const [postgres, clickhouse, temporalHealth] = await Promise.all([
      probe(managed('postgres'), async () => ({ version: await postgresVersion(platform.db) })),
      probe(platform.clickhouse.mode, async () => ({ version: await clickhouseVersion(platform.clickhouse.client) })),
      probe(managed('temporal'), async () => {
        const service = temporal.connection.workflowService;
        const [info, namespace, pollers] = await Promise.all([
          service.getSystemInfo({}),
          service.describeNamespace({ namespace: temporal.namespace }),
          service.describeTaskQueue({
            namespace: temporal.namespace,
            taskQueue: { name: temporal.taskQueues.operations },
            taskQueueType: protos.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
          }),
        ]);
        return {
          version: info.serverVersion ?? null,
          details: {
            address: temporal.address,
            namespace: namespace.namespaceInfo?.name ?? temporal.namespace,
            web_url: temporal.webUrl,
            worker_pollers: pollers.pollers?.length ?? 0,
          },
        };
      }),
    ]);
    const dependencies = { postgres, clickhouse, temporal: temporalHealth };
    const report: HealthReport = {
      status: Object.values(dependencies).every((d) => d.status === 'up') ? 'ok' : 'degraded',
      version: CONTROL_PLANE_VERSION,
      uptime_seconds: Math.round((Date.now() - platform.startedAt.getTime()) / 1000),
      dependencies,
    };
    if (report.status !== 'ok') {
      throw new ApiProblem('SERVICE_UNAVAILABLE', 'A dependency is down; see details.dependencies', { details: report });
    }
    return reply.send({ success: true, data: report });
  });
};

async function probe(
  mode: DependencyHealth['mode'],
  check: () => Promise<{ version: string | null; details?: Record<string, unknown> }>,
): Promise<DependencyHealth> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${probeTimeoutMs} ms`)), probeTimeoutMs);
    });
    const result = await Promise.race([check(), timeout]);
    return { status: 'up', mode, latency_ms: Math.round(performance.now() - started), ...result };
  } catch (error) {
    return { status: 'down', mode, version: null, latency_ms: null, error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}
