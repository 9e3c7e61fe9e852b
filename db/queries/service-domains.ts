import type { Kysely } from 'kysely';
import type { AgentDomainStatus } from '../../contracts/index.js';
import type { Database } from '../postgres/database.js';
import type { ServiceDomainRow } from '../postgres/tables/deploy.js';

/** The primary key: a second service claiming a domain breaks it. */
export const serviceDomainsKey = 'service_domains_pkey';

/** Which of `domains` another service (of any organization) already has. */
export async function domainsTakenElsewhere(db: Kysely<Database>, serviceId: string, domains: readonly string[]): Promise<string[]> {
  if (domains.length === 0) return [];
  const rows = await db.selectFrom('service_domains').select('domain').where('domain', 'in', domains).where('service_id', '<>', serviceId).execute();
  return rows.map((row) => row.domain).sort();
}

/** Makes the service's domain rows exactly `domains`; kept names keep their certificate state. */
export async function replaceServiceDomains(db: Kysely<Database>, serviceId: string, domains: readonly string[]): Promise<void> {
  // The default domain is the platform's (0023): the service's own list never removes it.
  let removal = db.deleteFrom('service_domains').where('service_id', '=', serviceId).where('is_default', '=', false);
  if (domains.length > 0) removal = removal.where('domain', 'not in', domains);
  await removal.execute();
  const kept = new Set((await db.selectFrom('service_domains').select('domain').where('service_id', '=', serviceId).execute()).map((row) => row.domain));
  const added = domains.filter((domain) => !kept.has(domain));
  // A plain insert: a name another service took meanwhile breaks the key, which the caller answers 409.
  if (added.length > 0) await db.insertInto('service_domains').values(added.map((domain) => ({ domain, service_id: serviceId }))).execute();
}

export async function domainsOfService(db: Kysely<Database>, serviceId: string): Promise<ServiceDomainRow[]> {
  return db.selectFrom('service_domains').selectAll().where('service_id', '=', serviceId).orderBy('domain').execute();
}

/**
 * Stores what an agent reports of its domains' certificates. Only rows of services placed on
 * that server are touched, so one agent can never speak for another server's domains.
 */
export async function recordDomainStatuses(db: Kysely<Database>, serverId: string, statuses: readonly AgentDomainStatus[]): Promise<number> {
  let updated = 0;
  const now = new Date();
  for (const status of statuses) {
    const result = await db
      .updateTable('service_domains')
      .set({ status: status.status, expires_at: status.expires_at, issuer: status.issuer, error: status.error, checked_at: now })
      .where('domain', '=', status.domain)
      .where('service_id', '=', status.service_id)
      .where('service_id', 'in', db.selectFrom('services').select('id').where('server_id', '=', serverId))
      .executeTakeFirst();
    updated += Number(result.numUpdatedRows);
  }
  return updated;
}

/** One domain's row and its service's server's public IP (the DNS record's value), unscoped: for live forwarding to an authorised room. */
export async function domainWithServerIp(db: Kysely<Database>, domain: string): Promise<{ row: ServiceDomainRow; serverIp: string | null } | undefined> {
  const found = await db
    .selectFrom('service_domains')
    .innerJoin('services', 'services.id', 'service_domains.service_id')
    .leftJoin('servers', 'servers.id', 'services.server_id')
    .selectAll('service_domains')
    .select('servers.public_ip')
    .where('service_domains.domain', '=', domain)
    .executeTakeFirst();
  if (!found) return undefined;
  const { public_ip: serverIp, ...row } = found;
  return { row, serverIp };
}

/** The service's default domain under the base domain, if it has one. */
export async function defaultDomainOf(db: Kysely<Database>, serviceId: string): Promise<string | null> {
  const row = await db.selectFrom('service_domains').select('domain').where('service_id', '=', serviceId).where('is_default', '=', true).executeTakeFirst();
  return row?.domain ?? null;
}

/** Claims `domain` as the service's default; false when any service (this one included) already holds the name. */
export async function claimDefaultDomain(db: Kysely<Database>, serviceId: string, domain: string): Promise<boolean> {
  const inserted = await db
    .insertInto('service_domains')
    .values({ domain, service_id: serviceId, is_default: true })
    .onConflict((conflict) => conflict.column('domain').doNothing())
    .returning('domain')
    .executeTakeFirst();
  return inserted !== undefined;
}

/** Drops default domains not under `baseDomain` (all of them when there is none). */
export async function dropDefaultDomainsOutside(db: Kysely<Database>, baseDomain: string | undefined): Promise<void> {
  let removal = db.deleteFrom('service_domains').where('is_default', '=', true);
  if (baseDomain !== undefined) removal = removal.where('domain', 'not like', `%.${baseDomain}`);
  await removal.execute();
}

/** Services with no default domain, with their project's slug. */
export async function servicesWithoutDefaultDomain(db: Kysely<Database>) {
  return db
    .selectFrom('services')
    .innerJoin('projects', 'projects.id', 'services.project_id')
    .select(['services.id', 'services.name', 'projects.slug as project_slug'])
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('service_domains').select('domain').whereRef('service_domains.service_id', '=', 'services.id').where('service_domains.is_default', '=', true))),
    )
    .execute();
}
