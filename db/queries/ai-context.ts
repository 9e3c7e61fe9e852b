import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import type { Database, DeploymentStatus, JsonValue } from '../postgres/database.js';
import type { Scope } from './scope.js';
import { serviceInScope } from './service-scope.js';

/*
 * What the AI endpoints read, always narrowed to the caller's scope: the services, deployments and
 * issues a grounded answer may name, and the sealed values that must never reach a model.
 */

export async function storeIssueAnalysis(db: Kysely<Database>, issueId: string, analysis: JsonValue, at: Date): Promise<void> {
  await db.updateTable('error_groups').set({ ai_analysis: JSON.stringify(analysis), ai_analyzed_at: at }).where('id', '=', issueId).execute();
}

/** Every sealed env list and registry password of the organization: what redaction looks for. */
export async function sealedSecretsOfOrganization(db: Kysely<Database>, orgId: string) {
  return db
    .selectFrom('services')
    .innerJoin('projects', 'projects.id', 'services.project_id')
    .select(['services.id', 'services.env_vars_encrypted', 'services.registry_password_encrypted'])
    .where('projects.org_id', '=', orgId)
    .execute();
}

export interface AiFocus {
  projectId?: string | undefined;
  serviceId?: string | undefined;
}

/** For a query joining `services`: the project and service the question is about, when it names them. */
function inFocus(focus: AiFocus) {
  return (eb: ExpressionBuilder<Database, 'services'>) =>
    eb.and([...(focus.projectId ? [eb('services.project_id', '=', focus.projectId)] : []), ...(focus.serviceId ? [eb('services.id', '=', focus.serviceId)] : [])]);
}

export async function servicesForAnswer(db: Kysely<Database>, scope: Scope, focus: AiFocus, limit: number) {
  return db
    .selectFrom('services')
    .innerJoin('projects', 'projects.id', 'services.project_id')
    .leftJoin('deployments', 'deployments.id', 'services.current_deployment_id')
    .select([
      'services.id',
      'services.name',
      'services.type',
      'services.replicas',
      'services.memory_limit',
      'services.health_check',
      'services.health_check_path',
      'projects.name as project_name',
      'deployments.status as current_status',
    ])
    .where(serviceInScope(scope))
    .where(inFocus(focus))
    .orderBy('services.name')
    .limit(limit)
    .execute();
}

export async function deploymentsForAnswer(db: Kysely<Database>, scope: Scope, focus: AiFocus & { status?: DeploymentStatus }, limit: number) {
  let query = db
    .selectFrom('deployments')
    .innerJoin('services', 'services.id', 'deployments.service_id')
    .innerJoin('projects', 'projects.id', 'services.project_id')
    .select([
      'deployments.id',
      'deployments.status',
      'deployments.git_commit_sha',
      'deployments.git_commit_message',
      'deployments.trigger_type',
      'deployments.error_message',
      'deployments.created_at',
      'deployments.finished_at',
      'services.name as service_name',
      'services.id as service_id',
    ])
    .where(serviceInScope(scope))
    .where(inFocus(focus));
  if (focus.status) query = query.where('deployments.status', '=', focus.status);
  return query.orderBy('deployments.created_at', 'desc').orderBy('deployments.id', 'desc').limit(limit).execute();
}

export async function issuesForAnswer(db: Kysely<Database>, scope: Scope, focus: AiFocus, limit: number) {
  return db
    .selectFrom('error_groups')
    .innerJoin('services', 'services.id', 'error_groups.service_id')
    .innerJoin('projects', 'projects.id', 'services.project_id')
    .select([
      'error_groups.id',
      'error_groups.title',
      'error_groups.exception_type',
      'error_groups.status',
      'error_groups.event_count',
      'error_groups.last_seen_at',
      'services.name as service_name',
      'services.id as service_id',
    ])
    .where(serviceInScope(scope))
    .where('error_groups.status', 'in', ['unresolved', 'regressed'])
    .where(inFocus(focus))
    .orderBy('error_groups.last_seen_at', 'desc')
    .limit(limit)
    .execute();
}

/** A service's deployment record of the last `days`: statuses and what the agent said, for the recommendation rules. */
export async function deploymentHistory(db: Kysely<Database>, serviceId: string, since: Date) {
  const [deployments, oomEvents, checks] = await Promise.all([
    db.selectFrom('deployments').select(['id', 'status', 'error_message', 'created_at']).where('service_id', '=', serviceId).where('created_at', '>=', since).orderBy('created_at', 'desc').limit(50).execute(),
    db
      .selectFrom('deployment_events')
      .select((eb) => eb.fn.countAll<string>().as('count'))
      .where('service_id', '=', serviceId)
      .where('at', '>=', since)
      .where((eb) => eb.or([eb('message', '~*', 'oom|out of memory|exit(ed)? (code|status)[ :=]*137'), eb('error_code', '=', 'OOM_KILLED')]))
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('health_checks')
      .select([sql<string>`count(*)`.as('total'), sql<string>`count(*) FILTER (WHERE NOT is_healthy)`.as('unhealthy')])
      .where('service_id', '=', serviceId)
      .where('checked_at', '>=', since)
      .executeTakeFirstOrThrow(),
  ]);
  return { deployments, oomEvents: Number(oomEvents.count), healthChecks: { total: Number(checks.total), unhealthy: Number(checks.unhealthy) } };
}

export async function unresolvedIssueCounts(db: Kysely<Database>, serviceId: string, since: Date) {
  const row = await db
    .selectFrom('error_groups')
    .select([sql<string>`count(*)`.as('issues'), sql<string>`coalesce(sum(event_count), 0)`.as('events')])
    .where('service_id', '=', serviceId)
    .where('status', 'in', ['unresolved', 'regressed'])
    .where('last_seen_at', '>=', since)
    .executeTakeFirstOrThrow();
  return { issues: Number(row.issues), events: Number(row.events) };
}

/**
 * What an incident summary names for each affected service: its latest deployment and the
 * unresolved issues seen since `since`, most frequent first. The incident's own rule fixed the
 * services, so no caller scope applies.
 */
export async function incidentContext(db: Kysely<Database>, serviceIds: string[], since: Date, issuesPerService: number) {
  if (serviceIds.length === 0) return [];
  const services = await db.selectFrom('services').select(['id', 'name']).where('id', 'in', serviceIds).orderBy('name').execute();
  return Promise.all(
    services.map(async (service) => {
      const [deployment, issues] = await Promise.all([
        db
          .selectFrom('deployments')
          .select(['id', 'status', 'created_at', 'error_message', 'git_commit_sha'])
          .where('service_id', '=', service.id)
          .orderBy('created_at', 'desc')
          .limit(1)
          .executeTakeFirst(),
        db
          .selectFrom('error_groups')
          .select(['id', 'title', 'event_count'])
          .where('service_id', '=', service.id)
          .where('status', 'in', ['unresolved', 'regressed'])
          .where('last_seen_at', '>=', since)
          .orderBy('event_count', 'desc')
          .limit(issuesPerService)
          .execute(),
      ]);
      return { ...service, deployment: deployment ?? null, issues };
    }),
  );
}

export async function storeIncidentSummary(db: Kysely<Database>, incidentId: string, summary: string): Promise<void> {
  await db.updateTable('alert_incidents').set({ ai_summary: summary }).where('id', '=', incidentId).execute();
}

/** An incident of the organization's rules, or undefined (deleted, or another organization's). */
export async function incidentOfOrganization(db: Kysely<Database>, orgId: string, incidentId: string) {
  return db
    .selectFrom('alert_incidents')
    .innerJoin('alerts', 'alerts.id', 'alert_incidents.alert_id')
    .select(['alert_incidents.id', 'alert_incidents.alert_id', 'alert_incidents.message', 'alert_incidents.details', 'alert_incidents.fired_at'])
    .where('alerts.org_id', '=', orgId)
    .where('alert_incidents.id', '=', incidentId)
    .executeTakeFirst();
}
