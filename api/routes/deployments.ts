import type { FastifyPluginAsync } from 'fastify';
import { eventsOfDeployment, recordStatusChange } from '../../db/queries/deployment-events.js';
import {
  cancelQueuedDeployment,
  deploymentById,
  deploymentInScope,
  deploymentsOfService,
  finishedDeploymentStatuses,
  serviceForOperation,
} from '../../db/queries/deployments.js';
import { recordAudit } from '../../control/audit.js';
import { scopeOf } from '../../control/caller.js';
import { cancelOperation } from '../../control/operations/queue.js';
import { ApiProblem } from '../../control/problem.js';
import type { Platform } from '../../control/platform.js';
import { deploymentDetailResource, deploymentResource } from '../../control/resources/deployment.js';
import { defineRoute, registryRoute } from '../routing.js';

const notFound = (deploymentId: string) => new ApiProblem('NOT_FOUND', `No deployment ${deploymentId} in this organization`);

/** A service's deployments, one deployment with its progress and workflow, and cancelling one. */
export const deploymentRoutes: FastifyPluginAsync<{ platform: Platform }> = async (app, { platform }) => {
  const { db } = platform;

  defineRoute(app, registryRoute('listDeployments'), { permission: 'read' }, async ({ params, query, caller }) => {
    const found = await serviceForOperation(db, scopeOf(caller), params.serviceId);
    if (!found) throw new ApiProblem('NOT_FOUND', `No service ${params.serviceId} in this organization`);
    const rows = await deploymentsOfService(db, found.service.id, { status: query.status, limit: query.limit });
    return rows.map(deploymentResource);
  });

  defineRoute(app, registryRoute('getDeployment'), { permission: 'read' }, async ({ params, caller }) => {
    const deployment = await deploymentInScope(db, scopeOf(caller), params.deploymentId);
    if (!deployment) throw notFound(params.deploymentId);
    const events = await eventsOfDeployment(db, deployment.id);
    return deploymentDetailResource(deployment, events, { namespace: platform.temporal.namespace, webUrl: platform.temporal.webUrl });
  });

  /*
   * A queued deployment is cancelled here, in the database: its workflow finds it cancelled when
   * the queue reaches it. One already started is cancelled through its workflow, which withdraws
   * or undoes the rollout; the answer shows it still `deploying`, and its status follows.
   */
  defineRoute(app, registryRoute('cancelDeployment'), { permission: 'deploy' }, async ({ params, caller, request }) => {
    const deployment = await deploymentInScope(db, scopeOf(caller), params.deploymentId);
    if (!deployment) throw notFound(params.deploymentId);
    const status = deployment.status ?? 'queued';
    if ((finishedDeploymentStatuses as readonly string[]).includes(status)) {
      throw new ApiProblem('CONFLICT', `Deployment ${deployment.id} has already finished (${status}); nothing to cancel`);
    }
    const cancelled = await db.transaction().execute(async (trx) => {
      const row = await cancelQueuedDeployment(trx, deployment.id, 'Cancelled before it started');
      if (row) await recordStatusChange(trx, { deploymentId: row.id, status: 'cancelled', message: 'Cancelled before it started' });
      await recordAudit(trx, request, caller, {
        action: 'deployment.cancel',
        resourceType: 'deployment',
        resourceId: deployment.id,
        details: { service_id: deployment.service_id, status_at_cancel: row ? 'queued' : status },
      });
      return row;
    });
    if (cancelled) return deploymentResource(cancelled);
    if (deployment.workflow_id) await cancelOperation(platform, deployment.workflow_id);
    return deploymentResource((await deploymentById(db, deployment.id)) ?? deployment);
  });
};
