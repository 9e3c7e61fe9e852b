import type { FastifyPluginAsync } from 'fastify';
import { buildServerOf } from '../../../db/queries/builds.js';
import { eventsOfDeployment } from '../../../db/queries/deployment-events.js';
import { deploymentInScope, deploymentsOfService, serviceForOperation } from '../../../db/queries/deployments.js';
import { scopeOf } from '../../../control/caller.js';
import { operationQueueOf } from '../../../control/operations/queue.js';
import { ServiceOperations } from '../../../control/operations/service-operations.js';
import { ApiProblem } from '../../../control/problem.js';
import type { Platform } from '../../../control/platform.js';
import { deploymentDetailResource, deploymentResource } from '../../../control/resources/deployment.js';
import { defineRoute, registryRoute } from '../routing.js';
import { buildLogLines } from '../../../db/clickhouse/build-logs.js';

const notFound = (deploymentId: string) => new ApiProblem('NOT_FOUND', `No deployment ${deploymentId} in this organization`);

/** A service's deployments, one deployment with its progress and workflow, and cancelling one. */
export const deploymentRoutes: FastifyPluginAsync<{ platform: Platform }> = async (app, { platform }) => {
  const { db } = platform;
  const operations = new ServiceOperations(db, operationQueueOf(platform), platform.config.registry);

  defineRoute(app, registryRoute('listDeployments'), { permission: 'read' }, async ({ params, query, caller }) => {
    const found = await serviceForOperation(db, scopeOf(caller), params.serviceId);
    if (!found) throw new ApiProblem('NOT_FOUND', `No service ${params.serviceId} in this organization`);
    const rows = await deploymentsOfService(db, found.service.id, { status: query.status, limit: query.limit });
    return rows.map(deploymentResource);
  });

  defineRoute(app, registryRoute('getDeployment'), { permission: 'read' }, async ({ params, caller }) => {
    const deployment = await deploymentInScope(db, scopeOf(caller), params.deploymentId);
    if (!deployment) throw notFound(params.deploymentId);
    const [events, buildLines, buildServer] = await Promise.all([
      eventsOfDeployment(db, deployment.id),
      deployment.build_spec === null ? [] : buildLogLines(platform.clickhouse.client, deployment.id),
      buildServerOf(db, deployment),
    ]);
    const temporal = { namespace: platform.temporal.namespace, webUrl: platform.temporal.webUrl };
    const detail = deploymentDetailResource(deployment, events, temporal, buildServer ?? null);
    // The whole log from ClickHouse; the row keeps only its end, for when ClickHouse has let it go.
    return buildLines.length > 0 ? { ...detail, build_logs: buildLines.map((line) => line.text).join('\n') } : detail;
  });

  defineRoute(app, registryRoute('cancelDeployment'), { permission: 'deploy' }, async ({ params, caller, request }) =>
    deploymentResource(await operations.cancel({ caller, origin: request }, params.deploymentId)),
  );
};
