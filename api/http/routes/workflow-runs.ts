import type { FastifyPluginAsync } from 'fastify';
import { scopeOf } from '../../../control/caller.js';
import { cancelRun, decideApproval, startRun } from '../../../control/dag/runs.js';
import { dagTemporalOf, syncSchedule, triggerSchedule } from '../../../control/dag/schedules.js';
import { recordAudit } from '../../../control/audit.js';
import { ApiProblem } from '../../../control/problem.js';
import type { Platform } from '../../../control/platform.js';
import { workflowResource, workflowRunResource } from '../../../control/resources/workflow.js';
import { updateWorkflow, workflowById, workflowRunById } from '../../../db/queries/workflow-definitions.js';
import { defineRoute, registryRoute } from '../routing.js';

/*
 * Running DAG workflows: start a run of the current version, cancel it, decide its approval
 * nodes; pause, resume and fire a definition's schedule. The work is in control/dag/.
 */

export const workflowRunRoutes: FastifyPluginAsync<{ platform: Platform }> = async (app, { platform }) => {
  const { db } = platform;
  const temporal = dagTemporalOf(platform);
  const workflowOf = async (caller: Parameters<typeof scopeOf>[0], workflowId: string) => {
    const workflow = await workflowById(db, scopeOf(caller), workflowId);
    if (!workflow) throw new ApiProblem('NOT_FOUND', `No workflow ${workflowId} in this organization`);
    return workflow;
  };
  const runOf = async (caller: Parameters<typeof scopeOf>[0], runId: string) => {
    const run = await workflowRunById(db, scopeOf(caller), runId);
    if (!run) throw new ApiProblem('NOT_FOUND', `No workflow run ${runId} in this organization`);
    return run;
  };

  defineRoute(app, registryRoute('startWorkflowRun'), { permission: 'workflows.run' }, async ({ params, body, caller, request }) => {
    const workflow = await workflowOf(caller, params.workflowId);
    if (workflow.is_active === false) throw new ApiProblem('UNPROCESSABLE', `Workflow ${workflow.id} is inactive; activate it to run it`);
    const run = await startRun(db, temporal, { caller, origin: request }, workflow, body.inputs ?? {});
    return workflowRunResource({ ...run, version: workflow.version }, platform.temporal);
  });

  defineRoute(app, registryRoute('cancelWorkflowRun'), { permission: 'workflows.run' }, async ({ params, caller, request }) => {
    const run = await runOf(caller, params.runId);
    await cancelRun(db, temporal, { caller, origin: request }, run);
    return workflowRunResource((await runOf(caller, params.runId)), platform.temporal);
  });

  for (const decision of ['approve', 'reject'] as const) {
    const operationId = decision === 'approve' ? 'approveWorkflowNode' : 'rejectWorkflowNode';
    defineRoute(app, registryRoute(operationId), { permission: 'workflows.run' }, async ({ params, body, caller, request }) => {
      const run = await runOf(caller, params.runId);
      await decideApproval(db, temporal, { caller, origin: request }, run, params.nodeId, { decision, ...(body.comment ? { comment: body.comment } : {}) });
      return workflowRunResource(run, platform.temporal);
    });
  }

  for (const paused of [true, false]) {
    const operationId = paused ? 'pauseWorkflowSchedule' : 'resumeWorkflowSchedule';
    defineRoute(app, registryRoute(operationId), { permission: 'workflows.manage' }, async ({ params, caller, request }) => {
      const workflow = await workflowOf(caller, params.workflowId);
      if (!workflow.cron_expression) throw new ApiProblem('UNPROCESSABLE', `Workflow ${workflow.id} has no cron expression, so no schedule`);
      const row = await db.transaction().execute(async (trx) => {
        const updated = await updateWorkflow(trx, workflow.id, { schedule_paused: paused });
        await recordAudit(trx, request, caller, { action: paused ? 'workflow.schedule_pause' : 'workflow.schedule_resume', resourceType: 'workflow', resourceId: workflow.id, details: {} });
        await syncSchedule(temporal, updated);
        return updated;
      });
      return workflowResource(row);
    });
  }

  defineRoute(app, registryRoute('triggerWorkflowSchedule'), { permission: 'workflows.manage' }, async ({ params, caller, request }) => {
    const workflow = await workflowOf(caller, params.workflowId);
    if (!workflow.cron_expression || workflow.is_active === false) {
      throw new ApiProblem('UNPROCESSABLE', `Workflow ${workflow.id} has no active schedule; start a run with POST /workflows/${workflow.id}/runs`);
    }
    await db.transaction().execute(async (trx) => {
      await recordAudit(trx, request, caller, { action: 'workflow.schedule_trigger', resourceType: 'workflow', resourceId: workflow.id, details: {} });
      await triggerSchedule(temporal, workflow.id);
    });
  });
};
