import type { Kysely } from 'kysely';
import type { TriggerType, WorkflowRunStatus } from '../../contracts/index.js';
import type { Database, NewWorkflow, WorkflowRow, WorkflowRunRow, WorkflowUpdate } from '../postgres/database.js';
import { type Page, type PageRequest, pageOffset, type Scope } from './scope.js';
import { projectInScope } from './service-scope.js';

/*
 * DAG workflow definitions (`workflows`) and their runs (`workflow_runs`). A workflow belongs to a
 * project, so the caller's scope is its project's. Runs are read here with their version's number;
 * the interpreter's activities write them (workflow-runs.ts).
 */

/** The statuses of a run that has not finished: its definition must not vanish under it. */
export const unfinishedRunStatuses: readonly WorkflowRunStatus[] = ['running', 'waiting_approval'];

function workflowsIn(db: Kysely<Database>, scope: Scope) {
  return db
    .selectFrom('workflows')
    .innerJoin('projects', 'projects.id', 'workflows.project_id')
    .where(projectInScope(scope));
}

export async function listWorkflows(db: Kysely<Database>, scope: Scope, projectId: string, page: PageRequest): Promise<Page<WorkflowRow>> {
  const query = workflowsIn(db, scope).where('workflows.project_id', '=', projectId);
  const [rows, count] = await Promise.all([
    query.selectAll('workflows').orderBy('workflows.created_at').orderBy('workflows.id').limit(page.perPage).offset(pageOffset(page)).execute(),
    query.select((eb) => eb.fn.countAll<string>().as('total')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(count.total) };
}

/** A workflow's saved versions, newest first, each with who saved it (null when unknown). */
export async function listWorkflowVersions(db: Kysely<Database>, workflowId: string, page: PageRequest) {
  const query = db.selectFrom('workflow_versions').where('workflow_versions.workflow_id', '=', workflowId);
  const [rows, count] = await Promise.all([
    query
      .leftJoin('users', 'users.id', 'workflow_versions.created_by')
      .select(['workflow_versions.version', 'workflow_versions.definition', 'workflow_versions.created_at', 'workflow_versions.created_by', 'users.email', 'users.name'])
      .orderBy('workflow_versions.version', 'desc')
      .limit(page.perPage)
      .offset(pageOffset(page))
      .execute(),
    query.select((eb) => eb.fn.countAll<string>().as('total')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(count.total) };
}

export async function workflowById(db: Kysely<Database>, scope: Scope, id: string): Promise<WorkflowRow | undefined> {
  return workflowsIn(db, scope).selectAll('workflows').where('workflows.id', '=', id).executeTakeFirst();
}

export async function insertWorkflow(db: Kysely<Database>, workflow: NewWorkflow): Promise<WorkflowRow> {
  return db.insertInto('workflows').values(workflow).returningAll().executeTakeFirstOrThrow();
}

export async function updateWorkflow(db: Kysely<Database>, id: string, change: WorkflowUpdate): Promise<WorkflowRow> {
  return db.updateTable('workflows').set(change).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}

/** Deletes the definition and, by cascade, its runs. */
export async function deleteWorkflow(db: Kysely<Database>, id: string): Promise<void> {
  await db.deleteFrom('workflows').where('id', '=', id).execute();
}

export async function hasUnfinishedRun(db: Kysely<Database>, workflowId: string): Promise<boolean> {
  const row = await db
    .selectFrom('workflow_runs')
    .select('id')
    .where('workflow_id', '=', workflowId)
    .where('status', 'in', unfinishedRunStatuses)
    .executeTakeFirst();
  return row !== undefined;
}

/** Those of `serviceIds` that are services of the project. */
export async function servicesOfProjectAmong(db: Kysely<Database>, projectId: string, serviceIds: readonly string[]): Promise<Set<string>> {
  if (serviceIds.length === 0) return new Set();
  const rows = await db.selectFrom('services').select('id').where('project_id', '=', projectId).where('id', 'in', serviceIds).execute();
  return new Set(rows.map((row) => row.id));
}

export async function listWorkflowRuns(
  db: Kysely<Database>,
  workflowId: string,
  filter: PageRequest & { status?: WorkflowRunStatus | undefined; triggerType?: TriggerType | undefined },
): Promise<Page<WorkflowRunRow & { version: number | null }>> {
  let query = db.selectFrom('workflow_runs').where('workflow_runs.workflow_id', '=', workflowId);
  if (filter.status) query = query.where('workflow_runs.status', '=', filter.status);
  if (filter.triggerType) query = query.where('workflow_runs.trigger_type', '=', filter.triggerType);
  const [rows, count] = await Promise.all([
    query
      .leftJoin('workflow_versions', 'workflow_versions.id', 'workflow_runs.version_id')
      .selectAll('workflow_runs')
      .select('workflow_versions.version')
      .orderBy('workflow_runs.started_at', 'desc')
      .orderBy('workflow_runs.id')
      .limit(filter.perPage)
      .offset(pageOffset(filter))
      .execute(),
    query.select((eb) => eb.fn.countAll<string>().as('total')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(count.total) };
}

export async function workflowRunById(db: Kysely<Database>, scope: Scope, runId: string): Promise<(WorkflowRunRow & { version: number | null }) | undefined> {
  return db
    .selectFrom('workflow_runs')
    .innerJoin('workflows', 'workflows.id', 'workflow_runs.workflow_id')
    .innerJoin('projects', 'projects.id', 'workflows.project_id')
    .leftJoin('workflow_versions', 'workflow_versions.id', 'workflow_runs.version_id')
    .selectAll('workflow_runs')
    .select('workflow_versions.version')
    .where('workflow_runs.id', '=', runId)
    .where(projectInScope(scope))
    .executeTakeFirst();
}

/** A run with its version's number, whatever its organization: for the live room, authorised when joined. */
export async function workflowRunWithVersion(db: Kysely<Database>, runId: string): Promise<(WorkflowRunRow & { version: number | null }) | undefined> {
  return db
    .selectFrom('workflow_runs')
    .leftJoin('workflow_versions', 'workflow_versions.id', 'workflow_runs.version_id')
    .selectAll('workflow_runs')
    .select('workflow_versions.version')
    .where('workflow_runs.id', '=', runId)
    .executeTakeFirst();
}
