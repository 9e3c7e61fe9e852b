import type { Kysely } from 'kysely';
import type { Database } from '../../db/postgres/database.js';
import { roleInOrganization, workflowRunOf, workflowVersionById } from '../../db/queries/workflow-runs.js';
import type { Actor } from '../operations/service-operations.js';

/**
 * Who a run's steps act as: the member who started it, or for a scheduled run the member who
 * saved the version it runs. Their role is read when the step runs, so a member who lost the
 * right to deploy since cannot deploy through a workflow either. Audit entries name the run and
 * the node (`via: workflow`).
 */
export async function actorOfRun(db: Kysely<Database>, runId: string, nodeId: string): Promise<Actor> {
  const run = await workflowRunOf(db, runId);
  if (!run) throw new Error(`Workflow run ${runId} is gone`);
  const version = run.version_id ? await workflowVersionById(db, run.version_id) : undefined;
  const userId = run.triggered_by ?? version?.created_by ?? null;
  const scope = await db
    .selectFrom('workflows')
    .innerJoin('projects', 'projects.id', 'workflows.project_id')
    .select(['projects.org_id', 'projects.id as project_id'])
    .where('workflows.id', '=', run.workflow_id)
    .executeTakeFirstOrThrow();
  const role = userId ? await roleInOrganization(db, scope.org_id, userId) : undefined;
  if (!userId || !role) throw new Error(`Run ${runId} has nobody to act as: its starter is no longer a member of the organization`);
  return {
    caller: { userId, orgId: scope.org_id, role, projectId: scope.project_id, via: 'workflow' },
    origin: { ip: null, headers: { 'user-agent': `syntra workflow run ${runId} node ${nodeId}` } },
  };
}
