import { type Kysely, sql } from 'kysely';
import type { Database, DeploymentRow, DeploymentStatus, NewDeployment, ProjectRow, ServiceRow } from '../postgres/database.js';
import type { Scope } from './scope.js';
import { serviceInScope } from './service-scope.js';

/*
 * Where a deployment's status is written. The API inserts a deployment `queued`; from then on
 * only the workflow's activities move it, each move conditional on the state it leaves, so a
 * retried activity or a cancel racing the workflow changes nothing twice.
 */

/** Statuses a deployment never leaves. */
export const finishedDeploymentStatuses = ['running', 'failed', 'rolled_back', 'cancelled'] as const satisfies readonly DeploymentStatus[];

export interface ServiceWithProject {
  service: ServiceRow;
  project: Pick<ProjectRow, 'id' | 'org_id' | 'name' | 'slug' | 'git_repo_url' | 'git_branch'>;
}

/** The service in the caller's scope, with the project facts a deploy needs. */
export async function serviceForOperation(db: Kysely<Database>, scope: Scope, serviceId: string): Promise<ServiceWithProject | undefined> {
  const row = await db
    .selectFrom('services')
    .innerJoin('projects', 'projects.id', 'services.project_id')
    .selectAll('services')
    .select([
      'projects.org_id as project_org_id',
      'projects.name as project_name',
      'projects.slug as project_slug',
      'projects.git_repo_url as project_git_repo_url',
      'projects.git_branch as project_git_branch',
    ])
    .where('services.id', '=', serviceId)
    .where(serviceInScope(scope))
    .executeTakeFirst();
  if (!row) return undefined;
  const { project_org_id, project_name, project_slug, project_git_repo_url, project_git_branch, ...service } = row;
  return {
    service,
    project: { id: service.project_id, org_id: project_org_id, name: project_name, slug: project_slug, git_repo_url: project_git_repo_url, git_branch: project_git_branch },
  };
}

/** The service by id alone, for activities, which act for a request already authorised. */
export async function serviceWithProject(db: Kysely<Database>, serviceId: string): Promise<ServiceWithProject | undefined> {
  const project = await db
    .selectFrom('services')
    .innerJoin('projects', 'projects.id', 'services.project_id')
    .select(['projects.org_id', 'projects.name', 'projects.slug'])
    .where('services.id', '=', serviceId)
    .executeTakeFirst();
  if (!project) return undefined;
  return serviceForOperation(db, { orgId: project.org_id }, serviceId);
}

export async function insertDeployment(db: Kysely<Database>, deployment: NewDeployment): Promise<DeploymentRow> {
  return db.insertInto('deployments').values(deployment).returningAll().executeTakeFirstOrThrow();
}

/**
 * For a rollback the workflow starts itself: the id comes from the workflow (deterministic), so a
 * retried activity finds the row it inserted the first time.
 */
export async function insertDeploymentOnce(db: Kysely<Database>, deployment: NewDeployment & { id: string }): Promise<DeploymentRow> {
  await db.insertInto('deployments').values(deployment).onConflict((conflict) => conflict.column('id').doNothing()).execute();
  return db.selectFrom('deployments').selectAll().where('id', '=', deployment.id).executeTakeFirstOrThrow();
}

export async function deploymentById(db: Kysely<Database>, id: string): Promise<DeploymentRow | undefined> {
  return db.selectFrom('deployments').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The deployment in the caller's scope (through its service's project), with its organization. */
export async function deploymentInScope(
  db: Kysely<Database>,
  scope: Scope,
  id: string,
): Promise<(DeploymentRow & { org_id: string }) | undefined> {
  return db
    .selectFrom('deployments')
    .innerJoin('services', 'services.id', 'deployments.service_id')
    .innerJoin('projects', 'projects.id', 'services.project_id')
    .selectAll('deployments')
    .select('projects.org_id')
    .where('deployments.id', '=', id)
    .where(serviceInScope(scope))
    .executeTakeFirst();
}

export async function deploymentsOfService(
  db: Kysely<Database>,
  serviceId: string,
  filter: { status?: DeploymentStatus; limit: number },
): Promise<DeploymentRow[]> {
  let query = db.selectFrom('deployments').selectAll().where('service_id', '=', serviceId);
  if (filter.status) query = query.where('status', '=', filter.status);
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
}

/** The stable endpoint the agent reported for the service's newest deployment that reported one. */
export async function latestEndpoint(db: Kysely<Database>, serviceId: string): Promise<string | null> {
  const row = await db
    .selectFrom('deployments')
    .select('endpoint')
    .where('service_id', '=', serviceId)
    .where('endpoint', 'is not', null)
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.endpoint ?? null;
}

/**
 * queued (or, after its build, building or pushing) → deploying. Undefined when it is no longer
 * waiting to deploy (cancelled meanwhile, or already started). A build set `started_at` already.
 */
export async function startDeployment(db: Kysely<Database>, id: string): Promise<DeploymentRow | undefined> {
  return db
    .updateTable('deployments')
    .set({ status: 'deploying', started_at: sql<Date>`COALESCE(started_at, clock_timestamp())` })
    .where('id', '=', id)
    .where('status', 'in', ['queued', 'building', 'pushing'])
    .returningAll()
    .executeTakeFirst();
}

/**
 * Moves an unfinished deployment to its final status, with `finished_at` and the deploy's duration
 * since `started_at`. Undefined when it had already finished (a retried activity, or a cancel).
 */
export async function finishDeployment(
  db: Kysely<Database>,
  id: string,
  status: (typeof finishedDeploymentStatuses)[number],
  errorMessage: string | null = null,
): Promise<DeploymentRow | undefined> {
  return db
    .updateTable('deployments')
    .set({
      status,
      error_message: errorMessage,
      finished_at: sql<Date>`clock_timestamp()`,
      deploy_duration_ms: sql<number>`CASE WHEN started_at IS NULL THEN NULL
        ELSE (EXTRACT(EPOCH FROM (clock_timestamp() - started_at)) * 1000)::integer END`,
    })
    .where('id', '=', id)
    .where('status', 'not in', finishedDeploymentStatuses)
    .returningAll()
    .executeTakeFirst();
}

/** The service now runs `deploymentId` with `replicas`. */
export async function setCurrentDeployment(db: Kysely<Database>, serviceId: string, deploymentId: string, replicas: number): Promise<void> {
  await db
    .updateTable('services')
    .set({ current_deployment_id: deploymentId, replicas, updated_at: sql<Date>`NOW()` })
    .where('id', '=', serviceId)
    .execute();
}

/**
 * The deployment a failed one falls back to: the service's current deployment if it ran, else the
 * newest that reached `running`, never `exceptId` itself.
 */
export async function lastGoodDeployment(db: Kysely<Database>, serviceId: string, exceptId: string): Promise<DeploymentRow | undefined> {
  const service = await db.selectFrom('services').select('current_deployment_id').where('id', '=', serviceId).executeTakeFirst();
  const current = service?.current_deployment_id;
  if (current && current !== exceptId) {
    const row = await db.selectFrom('deployments').selectAll().where('id', '=', current).where('status', '=', 'running').executeTakeFirst();
    if (row) return row;
  }
  return db
    .selectFrom('deployments')
    .selectAll()
    .where('service_id', '=', serviceId)
    .where('status', '=', 'running')
    .where('id', '!=', exceptId)
    .where('spec', 'is not', null)
    .orderBy('finished_at', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** queued → cancelled; undefined when its workflow started it first (then only the workflow can stop it). */
export async function cancelQueuedDeployment(db: Kysely<Database>, id: string, message: string): Promise<DeploymentRow | undefined> {
  return db
    .updateTable('deployments')
    .set({ status: 'cancelled', error_message: message, finished_at: sql<Date>`clock_timestamp()` })
    .where('id', '=', id)
    .where('status', '=', 'queued')
    .returningAll()
    .executeTakeFirst();
}

/** Deployments building, pushing or rolling out, across every organization: the registry is busy while any is. */
export async function deploymentsInFlight(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('deployments')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('status', 'in', ['building', 'pushing', 'deploying'])
    .executeTakeFirstOrThrow();
  return Number(row.count);
}
