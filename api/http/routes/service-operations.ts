import type { FastifyPluginAsync } from 'fastify';
import { scopeOf } from '../../../control/caller.js';
import { operationQueueOf } from '../../../control/operations/queue.js';
import { ServiceOperations } from '../../../control/operations/service-operations.js';
import type { Platform } from '../../../control/platform.js';
import { ApiProblem } from '../../../control/problem.js';
import { deploymentResource } from '../../../control/resources/deployment.js';
import { serviceOperationResource } from '../../../control/resources/service-operation.js';
import { serviceResource } from '../../../control/resources/service.js';
import { serviceOperationAudits } from '../../../db/queries/audit-logs.js';
import { serviceForOperation } from '../../../db/queries/deployments.js';
import { defineRoute, registryRoute } from '../routing.js';

/** Deploy, rollback, restart and scale: validated and authorised here, started by the operations module; and what was started. */
export const serviceOperationRoutes: FastifyPluginAsync<{ platform: Platform }> = async (app, { platform }) => {
  const operations = new ServiceOperations(platform.db, operationQueueOf(platform), platform.config.registry);

  defineRoute(app, registryRoute('deployService'), { permission: 'deploy' }, async ({ params, body, caller, request }) =>
    deploymentResource(await operations.deploy({ caller, origin: request }, params.serviceId, body)),
  );

  defineRoute(app, registryRoute('rollbackService'), { permission: 'rollback' }, async ({ params, body, caller, request }) =>
    deploymentResource(await operations.rollback({ caller, origin: request }, params.serviceId, body.deployment_id)),
  );

  defineRoute(app, registryRoute('restartService'), { permission: 'restart' }, async ({ params, caller, request }) => {
    await operations.restart({ caller, origin: request }, params.serviceId);
    return null;
  });

  defineRoute(app, registryRoute('scaleService'), { permission: 'scale' }, async ({ params, body, caller, request }) =>
    serviceResource(await operations.scale({ caller, origin: request }, params.serviceId, body.replicas)),
  );

  defineRoute(app, registryRoute('listServiceOperations'), { permission: 'read' }, async ({ params, query, caller }) => {
    const found = await serviceForOperation(platform.db, scopeOf(caller), params.serviceId);
    if (!found) throw new ApiProblem('NOT_FOUND', `No service ${params.serviceId} in this organization`);
    const rows = await serviceOperationAudits(platform.db, caller.orgId, found.service.id, query.limit);
    return rows.map((row) => serviceOperationResource(row, platform.temporal));
  });
};
