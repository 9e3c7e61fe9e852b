import { createHash } from 'node:crypto';
import { Context, type Info as ActivityInfo } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import type { Kysely } from 'kysely';
import { DeployRequest, HttpUrl, type WorkflowRunStatus } from '../contracts/index.js';
import type { DagActivities, DagNodeChange, DagNodeOutput, DagOperationHandle } from '../contracts/dag.js';
import { actorOfRun } from '../control/dag/run-actor.js';
import { openRun } from '../control/dag/runs.js';
import { ApiProblem } from '../control/problem.js';
import { ServiceOperations } from '../control/operations/service-operations.js';
import { cancelWorkflow } from '../control/operations/queue.js';
import type { SecretCipher } from '../control/secrets/cipher.js';
import type { Database } from '../db/postgres/database.js';
import { deploymentById, finishedDeploymentStatuses, lastGoodDeployment } from '../db/queries/deployments.js';
import { mergeNodeResult, setRunStatus, workflowRunOf } from '../db/queries/workflow-runs.js';
import { dagExecActivities } from './dag-exec.js';
import { sendDagNotification } from './dag-notify.js';
import { guardedHttpRequest } from './dag-http.js';

/*
 * The DAG interpreter's I/O. Node states go into `workflow_runs.step_results`; operation steps
 * start deploys, restarts… through ServiceOperations, as the API does, so they queue behind the
 * service's other operations and are audited as the run's actor; an operation's outcome is
 * waited for here, heartbeating, so a cancelled run cancels the wait (and then the operation).
 */

export interface DagActivityDeps {
  db: Kysely<Database>;
  /** Temporal, and the task queue operations run on (the service queues). */
  temporal: { client: Client; operationsTaskQueue: string };
  /** Opens the credentials of alert channels (`notify` steps). */
  secrets: SecretCipher;
  /** The platform registry's address, where a deploy step's build pushes (null: none). */
  registry: string | null;
}

const pollIntervalMs = 500;

const notRetryable = (error: unknown) =>
  error instanceof ApiProblem ? ApplicationFailure.nonRetryable(error.message, error.code) : error;

export function dagActivities({ db, temporal, secrets, registry }: DagActivityDeps): DagActivities {
  const operations = new ServiceOperations(db, { client: temporal.client, taskQueue: temporal.operationsTaskQueue }, registry);

  const emptyResult = { state: 'pending', attempts: 0, started_at: null, finished_at: null, output: null, error: null };

  return {
    ...dagExecActivities(db),
    sendDagNotification: (request) => sendDagNotification(db, secrets, request),

    async recordDagNode(change: DagNodeChange): Promise<void> {
      const patch: Record<string, unknown> = { state: change.state };
      if (change.attempts !== undefined) patch.attempts = change.attempts;
      if (change.state === 'running' || change.state === 'waiting_approval') {
        if (change.attempts === 1 && change.error === undefined) Object.assign(patch, { started_at: change.at, finished_at: null, output: null, error: null });
      } else {
        patch.finished_at = change.at;
      }
      if (change.output !== undefined) patch.output = change.output;
      if (change.error !== undefined) patch.error = change.error;
      const run = await workflowRunOf(db, change.runId);
      const known = (run?.step_results as Record<string, unknown> | null)?.[change.nodeId];
      await mergeNodeResult(db, change.runId, change.nodeId, known ? patch : { ...emptyResult, ...patch });
    },

    async recordDagRun(change: { runId: string; status: WorkflowRunStatus; at: string }): Promise<void> {
      await setRunStatus(db, change.runId, change.status, new Date(change.at));
    },

    async startDagOperation({ runId, nodeId, step }): Promise<DagOperationHandle> {
      const actor = await actorOfRun(db, runId, nodeId);
      const once = { operationId: operationIdOf(Context.current().info) };
      try {
        switch (step.type) {
          case 'deploy': {
            const { service_id: serviceId, type: _type, ...request } = step;
            const deployment = await operations.deploy(actor, serviceId, DeployRequest.parse(request), once);
            return { deploymentId: deployment.id, workflowId: deployment.workflow_id! };
          }
          case 'rollback': {
            const service = await db.selectFrom('services').select('current_deployment_id').where('id', '=', step.service_id).executeTakeFirst();
            const target = step.to_deployment_id ?? (await lastGoodDeployment(db, step.service_id, service?.current_deployment_id ?? ''))?.id;
            if (!target) throw ApplicationFailure.nonRetryable('The service has no earlier running deployment to return to', 'UNPROCESSABLE');
            const deployment = await operations.rollback(actor, step.service_id, target, once);
            return { deploymentId: deployment.id, workflowId: deployment.workflow_id! };
          }
          case 'restart':
            return { workflowId: await operations.restart(actor, step.service_id, once) };
          case 'scale':
            return { workflowId: (await operations.scaleWithWorkflow(actor, step.service_id, step.replicas, once)).workflowId };
          case 'stop':
            return { workflowId: await operations.stopForCaller(actor, step.service_id, once) };
        }
      } catch (error) {
        throw notRetryable(error);
      }
    },

    async awaitDagOperation(handle: DagOperationHandle) {
      const context = Context.current();
      for (;;) {
        context.heartbeat();
        if (handle.deploymentId) {
          const deployment = await deploymentById(db, handle.deploymentId);
          const status = deployment?.status ?? 'queued';
          if ((finishedDeploymentStatuses as readonly string[]).includes(status)) {
            const output = { deployment_id: handle.deploymentId, status };
            return status === 'running'
              ? { ok: true, output }
              : { ok: false, output, error: { code: 'DEPLOYMENT_' + status.toUpperCase(), message: `Deployment ${handle.deploymentId} ended ${status}` } };
          }
        } else if (handle.workflowId === null) {
          return { ok: true, output: { workflow_id: null, status: 'recorded' } };
        } else {
          const status = await workflowStatus(temporal.client, handle.workflowId);
          if (status !== 'RUNNING' && status !== 'NOT_STARTED') {
            const output = { workflow_id: handle.workflowId, status: status.toLowerCase() };
            return status === 'COMPLETED' ? { ok: true, output } : { ok: false, output, error: { code: 'OPERATION_' + status, message: `${handle.workflowId} ended ${status.toLowerCase()}` } };
          }
        }
        await context.sleep(pollIntervalMs);
      }
    },

    async cancelDagOperation({ runId, handle }): Promise<void> {
      if (!handle.deploymentId) {
        if (handle.workflowId === null) return;
        await cancelWorkflow({ client: temporal.client, taskQueue: temporal.operationsTaskQueue }, handle.workflowId);
        return;
      }
      try {
        await operations.cancel(await actorOfRun(db, runId, 'cancel'), handle.deploymentId);
      } catch (error) {
        // Finished meanwhile: nothing left to cancel.
        if (!(error instanceof ApiProblem && error.code === 'CONFLICT')) throw error;
      }
    },

    async sendDagHttpRequest({ runId, step }): Promise<DagNodeOutput> {
      const url = HttpUrl.safeParse(step.url);
      if (!url.success) throw ApplicationFailure.nonRetryable(`"${step.url}" is not an http(s) URL`, 'VALIDATION_ERROR');
      const organization = await db
        .selectFrom('workflow_runs')
        .innerJoin('workflows', 'workflows.id', 'workflow_runs.workflow_id')
        .innerJoin('projects', 'projects.id', 'workflows.project_id')
        .innerJoin('organizations', 'organizations.id', 'projects.org_id')
        .select('organizations.workflow_http_private_allowed')
        .where('workflow_runs.id', '=', runId)
        .executeTakeFirstOrThrow();
      const response = await guardedHttpRequest(
        { method: step.method, url: url.data, headers: step.headers ?? {}, ...(step.body === undefined ? {} : { body: step.body }) },
        { allowPrivate: organization.workflow_http_private_allowed, timeoutSeconds: step.timeout_seconds ?? 30, signal: Context.current().cancellationSignal },
      );
      const expected = step.expect_status ? step.expect_status.includes(response.status) : response.status >= 200 && response.status < 300;
      if (!expected) throw ApplicationFailure.nonRetryable(`${step.method} ${url.data} answered ${response.status}`, 'UNEXPECTED_STATUS');
      return { status: response.status, body: response.body };
    },

    async openChildRun({ parentRunId, nodeId, workflowId }) {
      const parent = await workflowRunOf(db, parentRunId);
      const child = await db.selectFrom('workflows').selectAll().where('id', '=', workflowId).executeTakeFirst();
      const parentWorkflow = parent && (await db.selectFrom('workflows').select('project_id').where('id', '=', parent.workflow_id).executeTakeFirst());
      if (!parent || !child || child.project_id !== parentWorkflow?.project_id) {
        throw ApplicationFailure.nonRetryable(`Node "${nodeId}": workflow ${workflowId} is not a definition of this project`, 'NOT_FOUND');
      }
      const actor = await actorOfRun(db, parentRunId, nodeId);
      return (await openRun(db, child, { triggeredBy: actor.caller.userId, trigger: 'workflow', inputs: {}, parentRunId })).input;
    },

    async openScheduledRun({ workflowId }) {
      const workflow = await db.selectFrom('workflows').selectAll().where('id', '=', workflowId).executeTakeFirst();
      if (!workflow || workflow.is_active === false) return null;
      return (await openRun(db, workflow, { triggeredBy: null, trigger: 'schedule', inputs: {} })).input;
    },
  };
}

/**
 * One id per scheduled activity (its Temporal run and activity id), the same on every retry of it:
 * a worker killed after the operation started but before it answered leaves a retry that finds
 * the operation instead of starting a second one. A node's own next attempt is a new activity.
 */
function operationIdOf(info: ActivityInfo): string {
  const scheduledBy = info.workflowExecution?.runId ?? info.activityRunId;
  const hex = createHash('sha256').update(`${scheduledBy}/${info.activityId}`).digest('hex');
  // As a UUID (version 8, RFC 9562: made by the application), since it becomes a deployment id.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** NOT_STARTED: no such workflow yet (the operation still waits in its service's queue). */
async function workflowStatus(client: Client, workflowId: string): Promise<string> {
  try {
    return (await client.workflow.getHandle(workflowId).describe()).status.name;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return 'NOT_STARTED';
    throw error;
  }
}
