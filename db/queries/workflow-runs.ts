import { type Kysely, sql } from 'kysely';
import type { WorkflowRunStatus } from '../../contracts/index.js';
import type { Database, WorkflowRunRow, WorkflowVersionRow } from '../postgres/database.js';

/*
 * What a DAG run writes: the run row (pinned to its version) and, node by node, its
 * `step_results`. Node changes merge into the JSON object in one statement, so two branches
 * finishing at once never overwrite each other's entries.
 */

export async function insertWorkflowVersion(
  db: Kysely<Database>,
  version: { workflowId: string; version: number; definition: unknown; createdBy: string | null },
): Promise<WorkflowVersionRow> {
  return db
    .insertInto('workflow_versions')
    .values({ workflow_id: version.workflowId, version: version.version, definition: JSON.stringify(version.definition), created_by: version.createdBy })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function workflowVersion(db: Kysely<Database>, workflowId: string, version: number): Promise<WorkflowVersionRow | undefined> {
  return db.selectFrom('workflow_versions').selectAll().where('workflow_id', '=', workflowId).where('version', '=', version).executeTakeFirst();
}

export async function workflowVersionById(db: Kysely<Database>, id: string): Promise<WorkflowVersionRow | undefined> {
  return db.selectFrom('workflow_versions').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function insertWorkflowRun(
  db: Kysely<Database>,
  run: { id: string; workflowId: string; versionId: string; triggeredBy: string | null; triggerType: 'manual' | 'api' | 'schedule' | 'workflow'; inputs: Record<string, string>; parentRunId?: string; temporalWorkflowId: string },
): Promise<WorkflowRunRow> {
  return db
    .insertInto('workflow_runs')
    .values({
      id: run.id,
      workflow_id: run.workflowId,
      version_id: run.versionId,
      status: 'running',
      triggered_by: run.triggeredBy,
      trigger_type: run.triggerType,
      inputs: JSON.stringify(run.inputs),
      parent_run_id: run.parentRunId ?? null,
      temporal_workflow_id: run.temporalWorkflowId,
      step_results: JSON.stringify({}),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** A run by id, whatever its organization: for activities, which act for the run itself. */
export async function workflowRunOf(db: Kysely<Database>, runId: string): Promise<WorkflowRunRow | undefined> {
  return db.selectFrom('workflow_runs').selectAll().where('id', '=', runId).executeTakeFirst();
}

/** Merges `patch` into the node's entry of `step_results` (created if absent). */
export async function mergeNodeResult(db: Kysely<Database>, runId: string, nodeId: string, patch: Record<string, unknown>): Promise<WorkflowRunRow | undefined> {
  const entry = JSON.stringify(patch);
  return db
    .updateTable('workflow_runs')
    .set({
      step_results: sql`jsonb_set(coalesce(step_results, '{}'::jsonb), ARRAY[${nodeId}]::text[], coalesce(step_results -> ${nodeId}, '{}'::jsonb) || ${entry}::jsonb)`,
    })
    .where('id', '=', runId)
    .returningAll()
    .executeTakeFirst();
}

const finished: readonly WorkflowRunStatus[] = ['succeeded', 'failed', 'cancelled'];

/** A run's status; a finished status is final and stamps `finished_at`. */
export async function setRunStatus(db: Kysely<Database>, runId: string, status: WorkflowRunStatus, at: Date): Promise<WorkflowRunRow | undefined> {
  return db
    .updateTable('workflow_runs')
    .set({ status, ...(finished.includes(status) ? { finished_at: at } : {}) })
    .where('id', '=', runId)
    .where((eb) => eb.or([eb('status', 'is', null), eb('status', 'not in', finished)]))
    .returningAll()
    .executeTakeFirst();
}

/** The member's role in the organization, if a member. */
export async function roleInOrganization(db: Kysely<Database>, orgId: string, userId: string) {
  const row = await db.selectFrom('org_members').select('role').where('org_id', '=', orgId).where('user_id', '=', userId).executeTakeFirst();
  return row?.role;
}
