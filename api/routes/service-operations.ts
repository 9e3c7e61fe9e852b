import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { DeploymentSpec } from '../../contracts/index.js';
import type { DeploymentRow, NewDeployment } from '../../db/postgres/database.js';
import { recordStatusChange } from '../../db/queries/deployment-events.js';
import { deploymentInScope, finishDeployment, insertDeployment, serviceForOperation, type ServiceWithProject } from '../../db/queries/deployments.js';
import { updateService } from '../../db/queries/services.js';
import type { ServiceOperation } from '../../workflows/operations.js';
import { workflowIds } from '../../workflows/operations.js';
import type { OperationTarget } from '../../workflows/search-attributes.js';
import { type AuditEntry, recordAudit } from '../../control/audit.js';
import { type Caller, scopeOf } from '../../control/caller.js';
import { enqueueServiceOperation } from '../../control/operations/queue.js';
import { ApiProblem } from '../../control/problem.js';
import type { Platform } from '../../control/platform.js';
import { deploymentResource, deploymentSpecOf } from '../../control/resources/deployment.js';
import { serviceResource } from '../../control/resources/service.js';
import { defineRoute, registryRoute } from '../routing.js';

const notFound = (serviceId: string) => new ApiProblem('NOT_FOUND', `No service ${serviceId} in this organization`);

function targetOf({ service, project }: ServiceWithProject, deploymentId?: string): OperationTarget {
  return { orgId: project.org_id, projectId: project.id, serviceId: service.id, serverId: service.server_id, ...(deploymentId ? { deploymentId } : {}) };
}

const triggerOf = (caller: Caller) => (caller.via === 'session' ? 'manual' : 'api');

/**
 * Deploy, rollback, restart and scale: each validates, records what it will do (and audits it)
 * in one transaction, then hands the operation to the service's queue workflow, which runs a
 * service's operations one at a time. The answer comes at once; the deployment's status and
 * events tell how it goes.
 */
export const serviceOperationRoutes: FastifyPluginAsync<{ platform: Platform }> = async (app, { platform }) => {
  const { db } = platform;

  async function serviceOf(caller: Caller, serviceId: string): Promise<ServiceWithProject> {
    const found = await serviceForOperation(db, scopeOf(caller), serviceId);
    if (!found) throw notFound(serviceId);
    return found;
  }

  /** Queues the deployment's workflow; if Temporal cannot take it, the deployment fails at once rather than waiting forever. */
  /** A new deployment, queued, with its first event and its audit entry, in one transaction. */
  async function recordQueuedDeployment(
    request: FastifyRequest,
    caller: Caller,
    deployment: Omit<NewDeployment, 'status'> & { id: string },
    queuedMessage: string,
    audit: { action: string; details: AuditEntry['details'] },
  ): Promise<DeploymentRow> {
    return db.transaction().execute(async (trx) => {
      const row = await insertDeployment(trx, { ...deployment, status: 'queued' });
      await recordStatusChange(trx, { deploymentId: deployment.id, status: 'queued', message: queuedMessage });
      await recordAudit(trx, request, caller, { action: audit.action, resourceType: 'deployment', resourceId: deployment.id, details: audit.details });
      return row;
    });
  }

  async function enqueueDeployment(deployment: DeploymentRow, operation: ServiceOperation): Promise<void> {
    try {
      await enqueueServiceOperation(platform, operation);
    } catch (error) {
      const message = `Could not start the deployment's workflow: ${error instanceof Error ? error.message : String(error)}`;
      await db.transaction().execute(async (trx) => {
        await finishDeployment(trx, deployment.id, 'failed', message);
        await recordStatusChange(trx, { deploymentId: deployment.id, status: 'failed', message, errorCode: 'SERVICE_UNAVAILABLE' });
      });
      throw new ApiProblem('SERVICE_UNAVAILABLE', 'Temporal did not accept the deployment; it was marked failed, try again', { details: { deployment_id: deployment.id } });
    }
  }

  defineRoute(app, registryRoute('deployService'), { permission: 'deploy' }, async ({ params, body, caller, request }) => {
    const found = await serviceOf(caller, params.serviceId);
    if (body.git_ref !== undefined) throw new ApiProblem('UNPROCESSABLE', 'git_ref needs a build from source, which this control plane does not run yet; deploy an image_tag');
    const spec = deploymentSpecOf(serviceResource(found.service), found.project, body);
    if ('problem' in spec) throw new ApiProblem('UNPROCESSABLE', spec.problem);
    const id = randomUUID();
    const deployment = await recordQueuedDeployment(
      request,
      caller,
      {
        id,
        service_id: found.service.id,
        spec: JSON.stringify(spec),
        image_digest: spec.image.digest ?? null,
        triggered_by: caller.userId,
        trigger_type: triggerOf(caller),
        workflow_id: workflowIds.deploy(id),
      },
      "Queued behind the service's running operations",
      {
        action: 'deployment.create',
        details: { service_id: found.service.id, image: `${spec.image.registry}/${spec.image.repository}:${spec.image.tag}`, strategy: spec.strategy },
      },
    );
    await enqueueDeployment(deployment, {
      workflowType: 'deployService',
      workflowId: workflowIds.deploy(id),
      target: targetOf(found, id),
      input: { deploymentId: id, serviceId: found.service.id, serverId: found.service.server_id, rollbackOnFailure: spec.rollback_on_failure, timeoutSeconds: spec.timeout_seconds },
    });
    return deploymentResource(deployment);
  });

  defineRoute(app, registryRoute('rollbackService'), { permission: 'rollback' }, async ({ params, body, caller, request }) => {
    const found = await serviceOf(caller, params.serviceId);
    const target = await deploymentInScope(db, scopeOf(caller), body.deployment_id);
    if (!target || target.service_id !== found.service.id) {
      throw new ApiProblem('UNPROCESSABLE', `Deployment ${body.deployment_id} is not a deployment of this service`);
    }
    if (target.status !== 'running' || target.spec === null) {
      throw new ApiProblem('UNPROCESSABLE', `Deployment ${target.id} never ran (it is ${target.status}), so there is no version to return to`);
    }
    const spec = DeploymentSpec.parse(target.spec);
    const id = randomUUID();
    const deployment = await recordQueuedDeployment(
      request,
      caller,
      {
        id,
        service_id: found.service.id,
        spec: JSON.stringify(spec),
        image_digest: target.image_digest,
        git_commit_sha: target.git_commit_sha,
        git_commit_message: target.git_commit_message,
        git_branch: target.git_branch,
        triggered_by: caller.userId,
        trigger_type: 'rollback',
        rollback_from_id: target.id,
        workflow_id: workflowIds.rollback(id),
      },
      `Queued: a return to deployment ${target.id}`,
      { action: 'deployment.rollback', details: { service_id: found.service.id, rollback_from_id: target.id } },
    );
    await enqueueDeployment(deployment, {
      workflowType: 'rollbackService',
      workflowId: workflowIds.rollback(id),
      target: targetOf(found, id),
      input: { deploymentId: id, serviceId: found.service.id, serverId: found.service.server_id, rollbackOnFailure: false, timeoutSeconds: spec.timeout_seconds },
    });
    return deploymentResource(deployment);
  });

  defineRoute(app, registryRoute('restartService'), { permission: 'restart' }, async ({ params, caller, request }) => {
    const found = await serviceOf(caller, params.serviceId);
    if (!found.service.current_deployment_id) throw new ApiProblem('UNPROCESSABLE', 'The service has never been deployed, so there is nothing to restart');
    const workflowId = workflowIds.restart(found.service.id, randomUUID());
    await db.transaction().execute(async (trx) => {
      await recordAudit(trx, request, caller, { action: 'service.restart', resourceType: 'service', resourceId: found.service.id, details: { workflow_id: workflowId } });
      await enqueueServiceOperation(platform, {
        workflowType: 'restartService',
        workflowId,
        target: targetOf(found),
        input: { serviceId: found.service.id, serverId: found.service.server_id },
      });
    });
    return null;
  });

  defineRoute(app, registryRoute('scaleService'), { permission: 'scale' }, async ({ params, body, caller, request }) => {
    const found = await serviceOf(caller, params.serviceId);
    const workflowId = workflowIds.scale(found.service.id, randomUUID());
    const deployed = found.service.current_deployment_id !== null;
    // `replicas` is what the service should run: the next deploy uses it too, even if this scale fails on the agent.
    const service = await db.transaction().execute(async (trx) => {
      const row = await updateService(trx, scopeOf(caller), found.service.id, { replicas: body.replicas });
      if (!row) throw notFound(found.service.id);
      await recordAudit(trx, request, caller, {
        action: 'service.scale',
        resourceType: 'service',
        resourceId: row.id,
        details: { from: found.service.replicas, to: body.replicas, ...(deployed ? { workflow_id: workflowId } : {}) },
      });
      if (deployed) {
        await enqueueServiceOperation(platform, {
          workflowType: 'scaleService',
          workflowId,
          target: targetOf(found),
          input: { serviceId: row.id, serverId: row.server_id, replicas: body.replicas },
        });
      }
      return row;
    });
    return serviceResource(service);
  });
};
