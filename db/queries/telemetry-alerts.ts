import { type Kysely, sql } from 'kysely';
import type { AlertIncidentRow, AlertNotice, AlertRow, Database } from '../postgres/database.js';

/*
 * What alert evaluation reads and writes. Rules are the API's `alerts` rows; evaluation is not a
 * caller's request, so it reads every organization's active rules, and each rule reaches only the
 * services of its own project (or its one service).
 */

export async function activeAlertRules(db: Kysely<Database>): Promise<AlertRow[]> {
  return db.selectFrom('alerts').selectAll().where('is_active', '=', true).execute();
}

/** The services a rule watches: its one service, or every service of its project. */
export async function servicesOfRule(db: Kysely<Database>, rule: AlertRow): Promise<{ id: string; name: string }[]> {
  let query = db.selectFrom('services').select(['id', 'name']);
  if (rule.service_id !== null) query = query.where('id', '=', rule.service_id);
  else if (rule.project_id !== null) query = query.where('project_id', '=', rule.project_id);
  else return [];
  return query.execute();
}

export interface ServerWatch {
  rule: AlertRow;
  server: { id: string; name: string };
  /** The services on the server that the rule watches. */
  services: { id: string; name: string }[];
}

/**
 * Active rules of a given type watching a service on `serverId` (directly or through its project),
 * each with the services of that server it watches; with `serviceId`, only rules watching that one.
 */
export async function rulesWatchingServer(db: Kysely<Database>, type: AlertRow['type'], serverId: string, serviceId?: string): Promise<ServerWatch[]> {
  let query = db
    .selectFrom('alerts')
    .innerJoin('services', (join) =>
      join.on((eb) =>
        eb.or([
          eb('services.id', '=', eb.ref('alerts.service_id')),
          eb.and([eb('alerts.service_id', 'is', null), eb('services.project_id', '=', eb.ref('alerts.project_id'))]),
        ]),
      ),
    )
    .innerJoin('servers', 'servers.id', 'services.server_id')
    .selectAll('alerts')
    .select(['services.id as watched_id', 'services.name as watched_name', 'servers.name as server_name'])
    .where('alerts.is_active', '=', true)
    .where('alerts.type', '=', type)
    .where('services.server_id', '=', serverId)
    .orderBy('alerts.id')
    .orderBy('services.name');
  if (serviceId !== undefined) query = query.where('services.id', '=', serviceId);
  const watches = new Map<string, ServerWatch>();
  for (const { watched_id: id, watched_name: name, server_name: serverName, ...rule } of await query.execute()) {
    const watch = watches.get(rule.id) ?? { rule, server: { id: serverId, name: serverName }, services: [] };
    watch.services.push({ id, name });
    watches.set(rule.id, watch);
  }
  return [...watches.values()];
}

/** The newest `limit` health checks of each service, newest first. */
export async function recentHealthChecks(db: Kysely<Database>, serviceIds: readonly string[], limit: number) {
  if (serviceIds.length === 0) return [];
  return db
    .selectFrom(
      db
        .selectFrom('health_checks')
        .select(['service_id', 'is_healthy', 'checked_at'])
        .select(sql<number>`row_number() OVER (PARTITION BY service_id ORDER BY checked_at DESC, id DESC)`.as('position'))
        .where('service_id', 'in', [...serviceIds])
        .as('ranked'),
    )
    .selectAll()
    .where('position', '<=', limit)
    .orderBy('service_id')
    .orderBy('position')
    .execute();
}

/**
 * A rule's newest incident that is firing or acknowledged. Certificate incidents are not the
 * rule's own (certificate-incidents.ts): one per certificate, beside whatever the rule measures.
 */
export async function openIncidentOf(db: Kysely<Database>, alertId: string): Promise<AlertIncidentRow | undefined> {
  return db
    .selectFrom('alert_incidents')
    .selectAll()
    .where('alert_id', '=', alertId)
    .where('status', 'in', ['firing', 'acknowledged'])
    .where(sql<string>`coalesce(details->>'source', '')`, '<>', 'certificate')
    .orderBy('fired_at', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/**
 * Opens an incident unless one is open already (then nothing changes); the new incident when this
 * call opened it, else null. A lock per rule for the transaction makes "none open, so open one" safe when several API
 * processes evaluate at once.
 */
export async function openIncident(
  db: Kysely<Database>,
  alertId: string,
  message: string,
  details: Record<string, unknown>,
): Promise<{ id: string; fired_at: Date } | null> {
  return db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`alert_incidents:${alertId}`}, 0))`.execute(trx);
    if (await openIncidentOf(trx, alertId)) return null;
    return trx.insertInto('alert_incidents').values({ alert_id: alertId, message, details: JSON.stringify(details) }).returning(['id', 'fired_at']).executeTakeFirstOrThrow();
  });
}

export async function updateIncident(db: Kysely<Database>, id: string, message: string, details: Record<string, unknown>): Promise<void> {
  await db.updateTable('alert_incidents').set({ message, details: JSON.stringify(details) }).where('id', '=', id).execute();
}

export async function resolveIncident(db: Kysely<Database>, id: string): Promise<void> {
  await db
    .updateTable('alert_incidents')
    .set({ status: 'resolved', resolved_at: sql<Date>`NOW()` })
    .where('id', '=', id)
    .where('status', 'in', ['firing', 'acknowledged'])
    .execute();
}

/**
 * Claims the notices nobody has queued yet, oldest first: each claimed row is the caller's to
 * queue (alert-notifications.ts), and no other evaluator will see it again. Called in the
 * transaction that queues them, so a crash in between leaves the notice unclaimed.
 */
export async function claimIncidentNotices(db: Kysely<Database>, notice: AlertNotice): Promise<AlertIncidentRow[]> {
  const column = notice === 'fired' ? 'fire_notified_at' : 'resolve_notified_at';
  let pending = db.selectFrom('alert_incidents').select('id').where(column, 'is', null).orderBy('fired_at').limit(100).forUpdate().skipLocked();
  if (notice === 'resolved') pending = pending.where('status', '=', 'resolved');
  return db
    .updateTable('alert_incidents')
    .set({ [column]: sql<Date>`NOW()` })
    .where('id', 'in', pending)
    .returningAll()
    .execute();
}

export async function alertRuleOf(db: Kysely<Database>, id: string): Promise<AlertRow | undefined> {
  return db.selectFrom('alerts').selectAll().where('id', '=', id).executeTakeFirst();
}
