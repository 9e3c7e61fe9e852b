import type { ExpressionBuilder, Kysely } from 'kysely';
import { sql } from 'kysely';
import type { AlertRuleType, IncidentStatus } from '../../contracts/index.js';
import type { AlertIncidentRow, AlertRow, AlertUpdate, Database, NewAlert } from '../postgres/database.js';
import { type Page, type PageRequest, pageOffset, type Scope } from './scope.js';

/*
 * Alert rules belong to an organization and always name a project (a service's rule names the
 * service's project too), so a project token's scope is one comparison. Incidents are reached
 * through their rule.
 */

function inScope(scope: Scope) {
  return (eb: ExpressionBuilder<Database, 'alerts'>) => {
    const org = eb('alerts.org_id', '=', scope.orgId);
    return scope.projectId ? eb.and([org, eb('alerts.project_id', '=', scope.projectId)]) : org;
  };
}

export interface AlertRuleFilter extends PageRequest {
  projectId?: string;
  serviceId?: string;
  type?: AlertRuleType;
}

export async function listAlertRules(db: Kysely<Database>, scope: Scope, filter: AlertRuleFilter): Promise<Page<AlertRow>> {
  let query = db.selectFrom('alerts').where(inScope(scope));
  if (filter.projectId) query = query.where('alerts.project_id', '=', filter.projectId);
  if (filter.serviceId) query = query.where('alerts.service_id', '=', filter.serviceId);
  if (filter.type) query = query.where('alerts.type', '=', filter.type);
  const [rows, count] = await Promise.all([
    query.selectAll().orderBy('alerts.created_at').orderBy('alerts.id').limit(filter.perPage).offset(pageOffset(filter)).execute(),
    query.select((eb) => eb.fn.countAll<string>().as('total')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(count.total) };
}

/** `forUpdate` locks the row, so two edits of its channels cannot each keep credentials the other dropped. */
export async function alertRuleById(db: Kysely<Database>, scope: Scope, id: string, options: { forUpdate?: boolean } = {}) {
  const query = db.selectFrom('alerts').selectAll().where('alerts.id', '=', id).where(inScope(scope));
  return (options.forUpdate ? query.forUpdate() : query).executeTakeFirst();
}

export async function insertAlertRule(db: Kysely<Database>, rule: NewAlert): Promise<AlertRow> {
  return db.insertInto('alerts').values(rule).returningAll().executeTakeFirstOrThrow();
}

export async function updateAlertRule(db: Kysely<Database>, id: string, change: AlertUpdate): Promise<AlertRow> {
  return db.updateTable('alerts').set(change).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}

/** Deletes the rule and, by cascade, its incidents. */
export async function deleteAlertRule(db: Kysely<Database>, scope: Scope, id: string): Promise<{ name: string } | undefined> {
  return db.deleteFrom('alerts').where('alerts.id', '=', id).where(inScope(scope)).returning('alerts.name').executeTakeFirst();
}

// Incidents

function incidentsIn(db: Kysely<Database>, scope: Scope) {
  return db.selectFrom('alert_incidents').innerJoin('alerts', 'alerts.id', 'alert_incidents.alert_id').where(inScope(scope));
}

export interface IncidentFilter extends PageRequest {
  status?: IncidentStatus;
  alertId?: string;
}

export async function listIncidents(db: Kysely<Database>, scope: Scope, filter: IncidentFilter): Promise<Page<AlertIncidentRow>> {
  let query = incidentsIn(db, scope);
  if (filter.status) query = query.where('alert_incidents.status', '=', filter.status);
  if (filter.alertId) query = query.where('alert_incidents.alert_id', '=', filter.alertId);
  const [rows, count] = await Promise.all([
    query
      .selectAll('alert_incidents')
      .orderBy('alert_incidents.fired_at', 'desc')
      .orderBy('alert_incidents.id')
      .limit(filter.perPage)
      .offset(pageOffset(filter))
      .execute(),
    query.select((eb) => eb.fn.countAll<string>().as('total')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(count.total) };
}

export async function incidentById(db: Kysely<Database>, scope: Scope, id: string): Promise<AlertIncidentRow | undefined> {
  return incidentsIn(db, scope).selectAll('alert_incidents').where('alert_incidents.id', '=', id).executeTakeFirst();
}

/**
 * Marks a firing incident acknowledged by `userId`. Undefined when it is not firing (already
 * acknowledged, or resolved): the condition in the UPDATE settles two acknowledgements racing.
 */
export async function acknowledgeIncident(db: Kysely<Database>, id: string, userId: string): Promise<AlertIncidentRow | undefined> {
  return db
    .updateTable('alert_incidents')
    .set({ status: 'acknowledged', acknowledged_by: userId, acknowledged_at: sql<Date>`NOW()` })
    .where('id', '=', id)
    .where('status', '=', 'firing')
    .returningAll()
    .executeTakeFirst();
}
