import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Kysely } from 'kysely';
import { DagNodeResult, MemberRole, WorkflowDefinition } from '../../contracts/index.js';
import type { DagRunInput } from '../../contracts/dag.js';
import type { Database, WorkflowRow, WorkflowRunRow } from '../../db/postgres/database.js';
import { insertWorkflowRun, workflowVersion } from '../../db/queries/workflow-runs.js';
import type { runDag } from '../../workflows/dag-run.js';
import { approvalDecisionSignal } from '../../workflows/dag-signals.js';
import { dagIds } from '../../workflows/workflow-ids.js';
import { recordAudit } from '../audit.js';
import { ApiProblem } from '../problem.js';
import type { Actor } from '../operations/service-operations.js';
import { compilePlan } from './plan.js';
import type { DagTemporal } from './schedules.js';

/*
 * Starting, cancelling and deciding DAG runs. A run is pinned to the version its definition had
 * when it was opened; its workflow (`dag-run-<runId>`) gets the compiled plan of that version, so
 * editing the definition never changes a run in flight.
 */

type RunTrigger = 'manual' | 'api' | 'schedule' | 'workflow';

/** A new run row of the definition's current version, and the interpreter's input for it. */
export async function openRun(
  db: Kysely<Database>,
  workflow: WorkflowRow,
  run: { triggeredBy: string | null; trigger: RunTrigger; inputs: Record<string, string>; parentRunId?: string },
): Promise<{ row: WorkflowRunRow; input: DagRunInput }> {
  const version = await workflowVersion(db, workflow.id, workflow.version);
  if (!version) throw new Error(`Workflow ${workflow.id} has no version ${workflow.version}`);
  const id = randomUUID();
  const row = await insertWorkflowRun(db, {
    id,
    workflowId: workflow.id,
    versionId: version.id,
    triggeredBy: run.triggeredBy,
    triggerType: run.trigger,
    inputs: run.inputs,
    ...(run.parentRunId ? { parentRunId: run.parentRunId } : {}),
    temporalWorkflowId: dagIds.run(id),
  });
  return { row, input: { runId: id, plan: compilePlan(WorkflowDefinition.parse(version.definition), version.version), inputs: run.inputs } };
}

/** A run started by a member (the API): recorded and audited together, then handed to Temporal. */
export async function startRun(db: Kysely<Database>, temporal: DagTemporal, actor: Actor, workflow: WorkflowRow, inputs: Record<string, string>): Promise<WorkflowRunRow> {
  const opened = await db.transaction().execute(async (trx) => {
    const result = await openRun(trx, workflow, { triggeredBy: actor.caller.userId, trigger: actor.caller.via === 'session' ? 'manual' : 'api', inputs });
    await recordAudit(trx, actor.origin, actor.caller, {
      action: 'workflow.run',
      resourceType: 'workflow_run',
      resourceId: result.row.id,
      details: { workflow_id: workflow.id, version: workflow.version, inputs: Object.keys(inputs) },
    });
    return result;
  });
  try {
    await temporal.client.workflow.start<typeof runDag>('runDag', { workflowId: dagIds.run(opened.row.id), taskQueue: temporal.taskQueue, args: [opened.input] });
  } catch (error) {
    await db.updateTable('workflow_runs').set({ status: 'failed', finished_at: new Date() }).where('id', '=', opened.row.id).execute();
    throw new ApiProblem('SERVICE_UNAVAILABLE', `Temporal did not accept the run; it was marked failed, try again (${error instanceof Error ? error.message : String(error)})`);
  }
  return opened.row;
}

const finishedStatuses = ['succeeded', 'failed', 'cancelled'];

export async function cancelRun(db: Kysely<Database>, temporal: DagTemporal, actor: Actor, run: WorkflowRunRow): Promise<void> {
  if (finishedStatuses.includes(run.status ?? 'running')) throw new ApiProblem('CONFLICT', `Run ${run.id} has already finished (${run.status}); nothing to cancel`);
  await db.transaction().execute((trx) =>
    recordAudit(trx, actor.origin, actor.caller, { action: 'workflow_run.cancel', resourceType: 'workflow_run', resourceId: run.id, details: { workflow_id: run.workflow_id } }),
  );
  try {
    await temporal.client.workflow.getHandle(run.temporal_workflow_id ?? dagIds.run(run.id)).cancel();
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
  }
}

const roleRank = (role: MemberRole) => MemberRole.options.length - MemberRole.options.indexOf(role);

/**
 * An approver's decision on an approval node that waits now. The node's `approver_role` is the
 * least role that may decide (developer when unset).
 */
export async function decideApproval(
  db: Kysely<Database>,
  temporal: DagTemporal,
  actor: Actor,
  run: WorkflowRunRow,
  nodeId: string,
  decision: { decision: 'approve' | 'reject'; comment?: string },
): Promise<void> {
  const version = run.version_id ? await db.selectFrom('workflow_versions').select('definition').where('id', '=', run.version_id).executeTakeFirst() : undefined;
  const node = version && WorkflowDefinition.parse(version.definition).nodes.find((candidate) => candidate.id === nodeId);
  if (!node || node.step.type !== 'approval') throw new ApiProblem('NOT_FOUND', `Run ${run.id} has no approval node "${nodeId}"`);
  const least = node.step.approver_role ?? 'developer';
  if (roleRank(actor.caller.role) < roleRank(least)) throw new ApiProblem('FORBIDDEN', `Node "${nodeId}" needs a ${least} or above to decide`);
  const result = DagNodeResult.partial().safeParse((run.step_results as Record<string, unknown> | null)?.[nodeId] ?? {});
  if (!result.success || result.data.state !== 'waiting_approval') {
    throw new ApiProblem('CONFLICT', `Node "${nodeId}" is not waiting for approval (it is ${result.success ? (result.data.state ?? 'pending') : 'unknown'})`);
  }
  await db.transaction().execute((trx) =>
    recordAudit(trx, actor.origin, actor.caller, {
      action: `workflow_run.${decision.decision}`,
      resourceType: 'workflow_run',
      resourceId: run.id,
      details: { node_id: nodeId, comment: decision.comment ?? null },
    }),
  );
  await temporal.client.workflow
    .getHandle(run.temporal_workflow_id ?? dagIds.run(run.id))
    .signal(approvalDecisionSignal, { nodeId, decision: decision.decision, by: actor.caller.userId, ...(decision.comment ? { comment: decision.comment } : {}) });
}
