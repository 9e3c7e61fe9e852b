import type { FastifyPluginAsync } from 'fastify';
import type { Kysely } from 'kysely';
import { cronFault, WorkflowDefinition } from '../../../contracts/index.js';
import type { Database, WorkflowUpdate } from '../../../db/postgres/database.js';
import { projectById } from '../../../db/queries/projects.js';
import {
  deleteWorkflow,
  hasUnfinishedRun,
  insertWorkflow,
  listWorkflowRuns,
  listWorkflowVersions,
  listWorkflows,
  servicesOfProjectAmong,
  updateWorkflow,
  workflowById,
  workflowRunById,
} from '../../../db/queries/workflow-definitions.js';
import { recordAudit } from '../../../control/audit.js';
import { scopeOf } from '../../../control/caller.js';
import { ApiProblem } from '../../../control/problem.js';
import type { Platform } from '../../../control/platform.js';
import { workflowResource, workflowRunResource, workflowVersionResource } from '../../../control/resources/workflow.js';
import { dagTemporalOf, deleteSchedule, syncSchedule } from '../../../control/dag/schedules.js';
import { insertWorkflowVersion } from '../../../db/queries/workflow-runs.js';
import { defineRoute, registryRoute, WithMeta } from '../routing.js';

/*
 * DAG workflow definitions: validated (the contract's checks, then the project's own services and
 * workflows), saved as a new immutable version on every change of the graph, and their Temporal
 * Schedule synced inside the same transaction, so a schedule Temporal refuses rolls the save back.
 * Runs are started, cancelled and decided in workflow-runs.ts.
 */

const notFound = (workflowId: string) => new ApiProblem('NOT_FOUND', `No workflow ${workflowId} in this organization`);



/**
 * A step may act only on services of the workflow's own project, run only workflows of it, and
 * notify only through alert rules of it or of the whole organization: 422 naming the first node
 * that does not.
 */
async function checkStepServices(db: Kysely<Database>, projectId: string, definition: WorkflowDefinition): Promise<void> {
  const targets = definition.nodes.flatMap((node, index) => ('service_id' in node.step ? [{ index, node, serviceId: node.step.service_id }] : []));
  const known = await servicesOfProjectAmong(db, projectId, [...new Set(targets.map((target) => target.serviceId))]);
  const stray = targets.find((target) => !known.has(target.serviceId));
  if (stray) {
    throw new ApiProblem('UNPROCESSABLE', `Node "${stray.node.id}" acts on service ${stray.serviceId}, which is not in this workflow's project`, {
      details: [{ path: `body.definition.nodes.${stray.index}.step.service_id`, message: 'not a service of this project' }],
    });
  }
  for (const [index, node] of definition.nodes.entries()) {
    if (node.step.type !== 'notify') continue;
    const rule = await db
      .selectFrom('alerts')
      .innerJoin('projects', 'projects.org_id', 'alerts.org_id')
      .select('alerts.id')
      .where('projects.id', '=', projectId)
      .where('alerts.id', '=', node.step.alert_id)
      .where((eb) => eb.or([eb('alerts.project_id', 'is', null), eb('alerts.project_id', '=', projectId)]))
      .executeTakeFirst();
    if (!rule) {
      throw new ApiProblem('UNPROCESSABLE', `Node "${node.id}" notifies through alert rule ${node.step.alert_id}, which is not a rule of this project or organization`, {
        details: [{ path: `body.definition.nodes.${index}.step.alert_id`, message: 'not an alert rule of this project' }],
      });
    }
  }
  for (const [index, node] of definition.nodes.entries()) {
    if (node.step.type !== 'run_workflow') continue;
    const child = await db.selectFrom('workflows').select('id').where('id', '=', node.step.workflow_id).where('project_id', '=', projectId).executeTakeFirst();
    if (!child) {
      throw new ApiProblem('UNPROCESSABLE', `Node "${node.id}" runs workflow ${node.step.workflow_id}, which is not in this workflow's project`, {
        details: [{ path: `body.definition.nodes.${index}.step.workflow_id`, message: 'not a workflow of this project' }],
      });
    }
  }
}

/** A cron that never fires in the workflow's zone (checked in UTC by the schema) is a 400 too. */
function checkCronInZone(cron: string | null, timezone: string): void {
  const fault = cron === null ? undefined : cronFault(cron, timezone);
  if (fault) throw new ApiProblem('VALIDATION_ERROR', `invalid cron expression: ${fault}`, { details: [{ path: 'body.cron_expression', message: fault }] });
}

/** The audit log keeps the shape of a definition, not its step settings (request bodies, headers). */
const definitionSummary = (definition: WorkflowDefinition) => ({
  nodes: definition.nodes.map((node) => ({ id: node.id, type: node.step.type })),
  edges: definition.edges.length,
});

export const workflowDefinitionRoutes: FastifyPluginAsync<{ platform: Platform }> = async (app, { platform }) => {
  const { db } = platform;
  const temporal = dagTemporalOf(platform);
  const scheduleFields = (body: { timezone?: string | undefined; overlap_policy?: string | undefined; catchup_window_seconds?: number | undefined }) => ({
    ...(body.timezone === undefined ? {} : { timezone: body.timezone }),
    ...(body.overlap_policy === undefined ? {} : { overlap_policy: body.overlap_policy }),
    ...(body.catchup_window_seconds === undefined ? {} : { catchup_window_seconds: body.catchup_window_seconds }),
  });

  defineRoute(app, registryRoute('listWorkflows'), { permission: 'read' }, async ({ params, query, caller }) => {
    const scope = scopeOf(caller);
    if (!(await projectById(db, scope, params.projectId))) throw new ApiProblem('NOT_FOUND', `No project ${params.projectId} in this organization`);
    const page = await listWorkflows(db, scope, params.projectId, { page: query.page, perPage: query.per_page });
    return new WithMeta(page.rows.map(workflowResource), { total: page.total, page: query.page, per_page: query.per_page });
  });

  defineRoute(app, registryRoute('createWorkflow'), { permission: 'workflows.manage' }, async ({ params, body, caller, request }) => {
    const project = await projectById(db, scopeOf(caller), params.projectId);
    if (!project) throw new ApiProblem('NOT_FOUND', `No project ${params.projectId} in this organization`);
    await checkStepServices(db, project.id, body.definition);
    const workflow = await db.transaction().execute(async (trx) => {
      const row = await insertWorkflow(trx, {
        project_id: project.id,
        name: body.name,
        description: body.description ?? null,
        definition: JSON.stringify(body.definition),
        trigger_type: body.cron_expression ? 'schedule' : 'manual',
        cron_expression: body.cron_expression ?? null,
        ...scheduleFields(body),
        ...(body.is_active === undefined ? {} : { is_active: body.is_active }),
      });
      await insertWorkflowVersion(trx, { workflowId: row.id, version: row.version, definition: body.definition, createdBy: caller.userId });
      checkCronInZone(row.cron_expression, row.timezone);
      await syncSchedule(temporal, row);
      await recordAudit(trx, request, caller, {
        action: 'workflow.create',
        resourceType: 'workflow',
        resourceId: row.id,
        details: { name: row.name, project_id: project.id, cron_expression: row.cron_expression, definition: definitionSummary(body.definition) },
      });
      return row;
    });
    return workflowResource(workflow);
  });

  defineRoute(app, registryRoute('getWorkflow'), { permission: 'read' }, async ({ params, caller }) => {
    const workflow = await workflowById(db, scopeOf(caller), params.workflowId);
    if (!workflow) throw notFound(params.workflowId);
    return workflowResource(workflow);
  });

  defineRoute(app, registryRoute('updateWorkflow'), { permission: 'workflows.manage' }, async ({ params, body, caller, request }) => {
    const current = await workflowById(db, scopeOf(caller), params.workflowId);
    if (!current) throw notFound(params.workflowId);
    if (body.definition) await checkStepServices(db, current.project_id, body.definition);
    const change: WorkflowUpdate = {};
    if (body.name !== undefined) change.name = body.name;
    if (body.description !== undefined) change.description = body.description;
    if (body.is_active !== undefined) change.is_active = body.is_active;
    if (body.definition) Object.assign(change, { definition: JSON.stringify(body.definition), version: current.version + 1 });
    if (body.cron_expression !== undefined) {
      Object.assign(change, { cron_expression: body.cron_expression, trigger_type: body.cron_expression ? 'schedule' : 'manual' });
    }
    Object.assign(change, scheduleFields(body));
    const workflow = await db.transaction().execute(async (trx) => {
      const row = Object.keys(change).length === 0 ? current : await updateWorkflow(trx, current.id, change);
      if (body.definition) await insertWorkflowVersion(trx, { workflowId: row.id, version: row.version, definition: body.definition, createdBy: caller.userId });
      checkCronInZone(row.cron_expression, row.timezone);
      await syncSchedule(temporal, row);
      const { definition, ...plain } = body;
      await recordAudit(trx, request, caller, {
        action: 'workflow.update',
        resourceType: 'workflow',
        resourceId: current.id,
        details: { changes: { ...plain, ...(definition ? { definition: definitionSummary(definition) } : {}) } },
      });
      return row;
    });
    return workflowResource(workflow);
  });

  defineRoute(app, registryRoute('deleteWorkflow'), { permission: 'workflows.manage' }, async ({ params, caller, request }) => {
    await db.transaction().execute(async (trx) => {
      const workflow = await workflowById(trx, scopeOf(caller), params.workflowId);
      if (!workflow) throw notFound(params.workflowId);
      if (await hasUnfinishedRun(trx, workflow.id)) {
        throw new ApiProblem('CONFLICT', `Workflow ${workflow.id} has a run in progress; cancel it or let it finish before deleting the definition`);
      }
      await deleteWorkflow(trx, workflow.id);
      await deleteSchedule(temporal, workflow.id);
      await recordAudit(trx, request, caller, { action: 'workflow.delete', resourceType: 'workflow', resourceId: workflow.id, details: { name: workflow.name } });
    });
  });

  defineRoute(app, registryRoute('listWorkflowVersions'), { permission: 'read' }, async ({ params, query, caller }) => {
    const workflow = await workflowById(db, scopeOf(caller), params.workflowId);
    if (!workflow) throw notFound(params.workflowId);
    const page = await listWorkflowVersions(db, workflow.id, { page: query.page, perPage: query.per_page });
    return new WithMeta(page.rows.map(workflowVersionResource), { total: page.total, page: query.page, per_page: query.per_page });
  });

  defineRoute(app, registryRoute('listWorkflowRuns'), { permission: 'read' }, async ({ params, query, caller }) => {
    const workflow = await workflowById(db, scopeOf(caller), params.workflowId);
    if (!workflow) throw notFound(params.workflowId);
    const page = await listWorkflowRuns(db, workflow.id, { page: query.page, perPage: query.per_page, status: query.status, triggerType: query.trigger_type });
    return new WithMeta(page.rows.map((row) => workflowRunResource(row, platform.temporal)), { total: page.total, page: query.page, per_page: query.per_page });
  });

  defineRoute(app, registryRoute('getWorkflowRun'), { permission: 'read' }, async ({ params, caller }) => {
    const run = await workflowRunById(db, scopeOf(caller), params.runId);
    if (!run) throw new ApiProblem('NOT_FOUND', `No workflow run ${params.runId} in this organization`);
    return workflowRunResource(run, platform.temporal);
  });
};
