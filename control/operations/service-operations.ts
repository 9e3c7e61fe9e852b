import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { DeploymentSpec, type DeployRequest, type HealthCheckConfig } from '../../contracts/index.js';
import type { Database, DeploymentRow, NewDeployment, ServiceRow } from '../../db/postgres/database.js';
import { recordStatusChange } from '../../db/queries/deployment-events.js';
import {
  cancelQueuedDeployment,
  deploymentById,
  deploymentInScope,
  finishDeployment,
  finishedDeploymentStatuses,
  insertDeployment,
  serviceForOperation,
  type ServiceWithProject,
} from '../../db/queries/deployments.js';
import { updateService } from '../../db/queries/services.js';
import { auditedWorkflow } from '../../db/queries/audit-logs.js';
import type { OperationTarget, ServiceOperation } from '../../contracts/operations.js';
import { workflowIds } from '../../workflows/workflow-ids.js';
import { recordAudit, type AuditEntry, type AuditOrigin } from '../audit.js';
import { scopeOf, type Caller } from '../caller.js';
import { ApiProblem } from '../problem.js';
import { deploymentSpecOf } from '../resources/deployment.js';
import { defaultDomainOf } from '../../db/queries/service-domains.js';
import { acmeSettingsOf } from '../../db/queries/acme-settings.js';
import { serviceResource } from '../resources/service.js';
import { cancelWorkflow, enqueueServiceOperation, type OperationQueue } from './queue.js';
import { rollbackDeploymentOf } from './rollback-deployment.js';
import { buildPlanOf } from './build-plan.js';

/*
 * Starting an operation on a service: deploy, rollback, scale, restart, stop, cancel, a new
 * health check. Each records what it will do and audits it in one transaction, then hands the
 * operation to the service's queue workflow, which runs a service's operations one at a time.
 * Routes call it for people and tokens; workflow steps will call it for themselves. The answer
 * comes at once; the deployment's status and events tell how it goes.
 */

/** Who starts an operation, and from where (an HTTP request is an origin as it is). */
export interface Actor {
  caller: Caller;
  origin: AuditOrigin;
  /** A push webhook's deploy says so; otherwise the trigger follows from the caller. */
  trigger?: 'git_push';
}

/**
 * `operationId` makes a start idempotent: the deployment id or workflow id comes from it, so a
 * caller that retries after a crash (a workflow step's activity) finds what its first try started
 * instead of starting it twice. Without it every call is a new operation.
 */
export interface StartOptions {
  operationId?: string;
}
/** How long a build may run on the agent (fetch, build, push) before it is stopped. */
export const buildTimeoutSeconds = 30 * 60;

const notFound = (serviceId: string) => new ApiProblem('NOT_FOUND', `No service ${serviceId} in this organization`);
const triggerOf = (caller: Caller) => (caller.via === 'session' ? 'manual' : caller.via === 'workflow' ? 'workflow' : 'api');

function targetOf({ service, project }: ServiceWithProject, deploymentId?: string): OperationTarget {
  return { orgId: project.org_id, projectId: project.id, serviceId: service.id, serverId: service.server_id, ...(deploymentId ? { deploymentId } : {}) };
}

export class ServiceOperations {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly queue: OperationQueue,
    /** The platform registry's address, where builds push; null: services cannot be built. */
    private readonly registry: string | null = null,
  ) {}

  async deploy(actor: Actor, serviceId: string, request: DeployRequest, options: StartOptions = {}): Promise<DeploymentRow> {
    const found = await this.serviceOf(actor.caller, serviceId);
    const service = serviceResource(found.service);
    const [defaultDomain, acme] = await Promise.all([defaultDomainOf(this.db, found.service.id), acmeSettingsOf(this.db, found.project.org_id)]);
    const placement = { defaultDomain, acme: acme ? { directory_url: acme.directory_url, email: acme.email } : null };
    const id = options.operationId ?? randomUUID();
    if (service.source_type === 'image' && request.git_ref !== undefined) {
      throw new ApiProblem('UNPROCESSABLE', `Service "${service.name}" deploys an image; git_ref is for services built from source`);
    }
    const planned = service.source_type === 'image' ? null : buildPlanOf(found, service, request, { registry: this.registry, deploymentId: id });
    if (planned && 'problem' in planned) throw new ApiProblem('UNPROCESSABLE', planned.problem);
    const spec = deploymentSpecOf(service, found.project, request, { placement, ...(planned && { builtImage: planned.image }) });
    if ('problem' in spec) throw new ApiProblem('UNPROCESSABLE', spec.problem);
    const build = planned?.build;
    const operation: ServiceOperation = {
      workflowType: 'deployService',
      workflowId: workflowIds.deploy(id),
      target: targetOf(found, id),
      input: {
        deploymentId: id,
        serviceId: found.service.id,
        serverId: found.service.server_id,
        rollbackOnFailure: spec.rollback_on_failure,
        timeoutSeconds: spec.timeout_seconds,
        ...(build && { build: { timeoutSeconds: buildTimeoutSeconds } }),
      },
    };
    const started = await this.startedBefore(options, found.service.id, operation);
    if (started) return started;
    const deployment = await this.recordQueuedDeployment(
      actor,
      {
        id,
        service_id: found.service.id,
        spec: JSON.stringify(spec),
        image_digest: spec.image.digest ?? null,
        triggered_by: actor.caller.userId,
        trigger_type: actor.trigger ?? triggerOf(actor.caller),
        workflow_id: workflowIds.deploy(id),
        ...(build && { build_spec: JSON.stringify(build), git_branch: build.git.branch, git_commit_sha: build.git.commit_sha ?? null }),
      },
      build ? `Queued: a build of ${build.git.commit_sha ?? build.git.branch}` : "Queued behind the service's running operations",
      {
        action: 'deployment.create',
        details: {
          service_id: found.service.id,
          image: `${spec.image.registry}/${spec.image.repository}:${spec.image.tag}`,
          strategy: spec.strategy,
          ...(build && { git_branch: build.git.branch, git_commit_sha: build.git.commit_sha ?? null }),
        },
      },
    );
    await this.enqueueDeployment(deployment, operation);
    return deployment;
  }

  /** A new deployment that redeploys an earlier one's spec. */
  async rollback(actor: Actor, serviceId: string, toDeploymentId: string, options: StartOptions = {}): Promise<DeploymentRow> {
    const found = await this.serviceOf(actor.caller, serviceId);
    const target = await deploymentInScope(this.db, scopeOf(actor.caller), toDeploymentId);
    if (!target || target.service_id !== found.service.id) {
      throw new ApiProblem('UNPROCESSABLE', `Deployment ${toDeploymentId} is not a deployment of this service`);
    }
    if (target.status !== 'running' || target.spec === null) {
      throw new ApiProblem('UNPROCESSABLE', `Deployment ${target.id} never ran (it is ${target.status}), so there is no version to return to`);
    }
    const { timeout_seconds: timeoutSeconds } = DeploymentSpec.parse(target.spec);
    const id = options.operationId ?? randomUUID();
    const operation: ServiceOperation = {
      workflowType: 'rollbackService',
      workflowId: workflowIds.rollback(id),
      target: targetOf(found, id),
      input: { deploymentId: id, serviceId: found.service.id, serverId: found.service.server_id, rollbackOnFailure: false, timeoutSeconds },
    };
    const started = await this.startedBefore(options, found.service.id, operation);
    if (started) return started;
    const deployment = await this.recordQueuedDeployment(
      actor,
      rollbackDeploymentOf(target, { id, triggeredBy: actor.caller.userId, workflowId: workflowIds.rollback(id) }),
      `Queued: a return to deployment ${target.id}`,
      { action: 'deployment.rollback', details: { service_id: found.service.id, rollback_from_id: target.id } },
    );
    await this.enqueueDeployment(deployment, operation);
    return deployment;
  }

  /** Returns the restart's workflow id. */
  async restart(actor: Actor, serviceId: string, options: StartOptions = {}): Promise<string> {
    const found = await this.serviceOf(actor.caller, serviceId);
    if (!found.service.current_deployment_id) throw new ApiProblem('UNPROCESSABLE', 'The service has never been deployed, so there is nothing to restart');
    const workflowId = workflowIds.restart(found.service.id, options.operationId ?? randomUUID());
    await this.db.transaction().execute(async (trx) => {
      await this.auditOnce(trx, actor, { action: 'service.restart', resourceType: 'service', resourceId: found.service.id, details: { workflow_id: workflowId } });
      await enqueueServiceOperation(this.queue, {
        workflowType: 'restartService',
        workflowId,
        target: targetOf(found),
        input: { serviceId: found.service.id, serverId: found.service.server_id },
      });
    });
    return workflowId;
  }

  /** `replicas` is what the service should run: the next deploy uses it too, even if this scale fails on the agent. */
  async scale(actor: Actor, serviceId: string, replicas: number): Promise<ServiceRow> {
    return (await this.scaleWithWorkflow(actor, serviceId, replicas)).service;
  }

  /** As `scale`, with the workflow that applies it (null for a service never deployed: only the row changes). */
  async scaleWithWorkflow(actor: Actor, serviceId: string, replicas: number, options: StartOptions = {}): Promise<{ service: ServiceRow; workflowId: string | null }> {
    const found = await this.serviceOf(actor.caller, serviceId);
    const workflowId = workflowIds.scale(found.service.id, options.operationId ?? randomUUID());
    const deployed = found.service.current_deployment_id !== null;
    return this.db.transaction().execute(async (trx) => {
      const row = await updateService(trx, scopeOf(actor.caller), found.service.id, { replicas });
      if (!row) throw notFound(found.service.id);
      await this.auditOnce(trx, actor, {
        action: 'service.scale',
        resourceType: 'service',
        resourceId: row.id,
        details: { from: found.service.replicas, to: replicas, ...(deployed ? { workflow_id: workflowId } : {}) },
      });
      if (deployed) {
        await enqueueServiceOperation(this.queue, {
          workflowType: 'scaleService',
          workflowId,
          target: targetOf(found),
          input: { serviceId: row.id, serverId: row.server_id, replicas },
        });
      }
      return { service: row, workflowId: deployed ? workflowId : null };
    });
  }

  /** Stops a service's containers for a caller (a workflow step), audited; returns the stop's workflow id. */
  async stopForCaller(actor: Actor, serviceId: string, options: StartOptions = {}): Promise<string> {
    const found = await this.serviceOf(actor.caller, serviceId);
    const workflowId = await this.stop(targetOf(found), { removeContainers: false, ...options });
    await this.auditOnce(this.db, actor, { action: 'service.stop', resourceType: 'service', resourceId: found.service.id, details: { workflow_id: workflowId } });
    return workflowId;
  }

  /**
   * Stops a service's containers on its server, behind whatever its queue already holds (a deploy
   * in flight finishes first). With `removeContainers` the agent also removes them and forgets the
   * service: what deleting a service does. The workflow needs no service row, so the row may be
   * deleted right after this returns. Returns the stop's workflow id.
   */
  async stop(target: OperationTarget, options: { removeContainers: boolean } & StartOptions): Promise<string> {
    const workflowId = workflowIds.stop(target.serviceId, options.operationId ?? randomUUID());
    await enqueueServiceOperation(this.queue, {
      workflowType: 'stopService',
      workflowId,
      target,
      input: { serviceId: target.serviceId, serverId: target.serverId, removeContainers: options.removeContainers },
    });
    return workflowId;
  }

  /**
   * Sends a changed health check to the running replicas, in the service's queue so a deploy queued
   * earlier cannot put the old one back. Called inside the change's transaction (`db`): the row
   * stays locked until commit, so two changes apply in the order they are saved. Returns the
   * workflow id, or null for a service that runs nothing yet.
   */
  async applyHealthCheck(service: ServiceRow, orgId: string, healthCheck: HealthCheckConfig | null): Promise<string | null> {
    if (!service.current_deployment_id) return null;
    const workflowId = workflowIds.healthCheck(service.id, randomUUID());
    await enqueueServiceOperation(this.queue, {
      workflowType: 'applyHealthCheck',
      workflowId,
      target: { orgId, projectId: service.project_id, serviceId: service.id, serverId: service.server_id },
      input: { serviceId: service.id, serverId: service.server_id, healthCheck },
    });
    return workflowId;
  }

  /**
   * A queued deployment is cancelled here, in the database: its workflow finds it cancelled when
   * the queue reaches it. One already started is cancelled through its workflow, which withdraws
   * or undoes the rollout; the answer shows it still `deploying`, and its status follows.
   */
  async cancel(actor: Actor, deploymentId: string): Promise<DeploymentRow> {
    const deployment = await deploymentInScope(this.db, scopeOf(actor.caller), deploymentId);
    if (!deployment) throw new ApiProblem('NOT_FOUND', `No deployment ${deploymentId} in this organization`);
    const status = deployment.status ?? 'queued';
    if ((finishedDeploymentStatuses as readonly string[]).includes(status)) {
      throw new ApiProblem('CONFLICT', `Deployment ${deployment.id} has already finished (${status}); nothing to cancel`);
    }
    const cancelled = await this.db.transaction().execute(async (trx) => {
      const row = await cancelQueuedDeployment(trx, deployment.id, 'Cancelled before it started');
      if (row) await recordStatusChange(trx, { deploymentId: row.id, status: 'cancelled', message: 'Cancelled before it started' });
      await recordAudit(trx, actor.origin, actor.caller, {
        action: 'deployment.cancel',
        resourceType: 'deployment',
        resourceId: deployment.id,
        details: { service_id: deployment.service_id, status_at_cancel: row ? 'queued' : status },
      });
      return row;
    });
    if (cancelled) return cancelled;
    if (deployment.workflow_id) await cancelWorkflow(this.queue, deployment.workflow_id);
    return (await deploymentById(this.db, deployment.id)) ?? deployment;
  }

  /**
   * The deployment a first try with this operation id recorded, queued again if it still waits
   * (the service's queue drops an operation it already holds), or undefined on a first try.
   */
  private async startedBefore(options: StartOptions, serviceId: string, operation: ServiceOperation): Promise<DeploymentRow | undefined> {
    if (!options.operationId) return undefined;
    const earlier = await deploymentById(this.db, options.operationId);
    if (!earlier) return undefined;
    if (earlier.service_id !== serviceId) throw new ApiProblem('CONFLICT', `Operation ${options.operationId} started a deployment of another service`);
    if ((earlier.status ?? 'queued') === 'queued') await this.enqueueDeployment(earlier, operation);
    return earlier;
  }

  /** An operation's audit entry, recorded once for its workflow however often its start is retried. */
  private async auditOnce(db: Kysely<Database>, actor: Actor, entry: AuditEntry): Promise<void> {
    const workflowId = entry.details?.workflow_id;
    if (typeof workflowId === 'string' && (await auditedWorkflow(db, actor.caller.orgId, entry.action, workflowId))) return;
    await recordAudit(db, actor.origin, actor.caller, entry);
  }

  private async serviceOf(caller: Caller, serviceId: string): Promise<ServiceWithProject> {
    const found = await serviceForOperation(this.db, scopeOf(caller), serviceId);
    if (!found) throw notFound(serviceId);
    return found;
  }

  /** A new deployment, queued, with its first event and its audit entry, in one transaction. */
  private async recordQueuedDeployment(
    actor: Actor,
    deployment: Omit<NewDeployment, 'status'> & { id: string },
    queuedMessage: string,
    audit: { action: string; details: AuditEntry['details'] },
  ): Promise<DeploymentRow> {
    return this.db.transaction().execute(async (trx) => {
      const row = await insertDeployment(trx, { ...deployment, status: 'queued' });
      await recordStatusChange(trx, { deploymentId: deployment.id, status: 'queued', message: queuedMessage });
      await recordAudit(trx, actor.origin, actor.caller, { action: audit.action, resourceType: 'deployment', resourceId: deployment.id, details: audit.details });
      return row;
    });
  }

  /** Queues the deployment's workflow; if Temporal cannot take it, the deployment fails at once rather than waiting forever. */
  private async enqueueDeployment(deployment: DeploymentRow, operation: ServiceOperation): Promise<void> {
    try {
      await enqueueServiceOperation(this.queue, operation);
    } catch (error) {
      const message = `Could not start the deployment's workflow: ${error instanceof Error ? error.message : String(error)}`;
      await this.db.transaction().execute(async (trx) => {
        await finishDeployment(trx, deployment.id, 'failed', message);
        await recordStatusChange(trx, { deploymentId: deployment.id, status: 'failed', message, errorCode: 'SERVICE_UNAVAILABLE' });
      });
      throw new ApiProblem('SERVICE_UNAVAILABLE', 'Temporal did not accept the deployment; it was marked failed, try again', { details: { deployment_id: deployment.id } });
    }
  }
}
